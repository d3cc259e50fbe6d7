"""The store as its operator meets it: held by another process, another application's file, a
device, an older schema, a dry run. One line and exit code 2, never a hang, never a change."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.botworld import open_world
from test_cli import sample_args

from bot.cli import DEMO_AT, main
from chat import BotCore, Caller, Command, Registry
from chat.core import SORRY
from chat.replies import Reply
from chat.state import ChatState
from engine.errors import StoreError
from engine.market import MarketCalendar
from engine.store import MIGRATIONS, Store
from engine.symbols import SymbolIndex

HELD = (
    "is held by another process: gave up after waiting 0.1 s for it ([store] busy_timeout_seconds)"
)


def write_config(tmp_path: Path, **store: object) -> Path:
    cfg = tmp_path / "config.toml"
    lines = ["[sentiment]", 'backend = "lite"', "[store]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in store.items()]
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_store(path: Path) -> None:
    async def touch() -> None:
        async with await Store.open(path):
            pass

    asyncio.run(touch())


def hold(path: Path) -> sqlite3.Connection:
    """Another process's connection holding the store's write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def store_threads() -> list[threading.Thread]:
    """The store connections' threads still running (a closed one ends a moment after)."""
    running = [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]
    for thread in running:
        thread.join(timeout=10)  # an open connection's thread never ends by itself
    return [t for t in running if t.is_alive()]


# -- held by another process ------------------------------------------------------------------


def test_digest_on_a_held_store_gives_up_in_one_line_and_exits(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    make_store(db)
    cfg = write_config(tmp_path, busy_timeout_seconds=0.1)
    holder = hold(db)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "digest", "--config", str(cfg), *sample_args(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.close()
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"tradethehype: error: the store {db} {HELD}\n"


def test_held_store_in_process_closes_what_it_opened(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    make_store(db)
    cfg = write_config(tmp_path, busy_timeout_seconds=0.1)
    holder = hold(db)
    try:
        code, out, err = run(capsys, "digest", "--config", str(cfg), *sample_args(db))
    finally:
        holder.close()
    assert (code, out, err) == (2, "", f"tradethehype: error: the store {db} {HELD}\n")
    assert store_threads() == []  # the store's connection was closed: nothing keeps us running


@pytest.mark.asyncio
async def test_opening_a_store_held_before_it_was_ever_opened(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    holder = hold(db)  # a plain SQLite file, locked: even reading it must wait
    try:
        with pytest.raises(StoreError, match="is held by another process"):
            await Store.open(db, busy_timeout=0)
    finally:
        holder.close()
    assert store_threads() == []


@pytest.mark.asyncio
async def test_a_write_while_held_is_refused_and_the_store_works_afterwards(
    tmp_path: Path,
) -> None:
    db = tmp_path / "s.db"
    now = datetime(2026, 3, 10, tzinfo=UTC)
    async with await Store.open(db, busy_timeout=0) as store:
        state = ChatState(store)
        holder = hold(db)
        try:
            with pytest.raises(StoreError, match="is held by another process"):
                await state.subscribe("telegram", "1", now)
        finally:
            holder.close()
        assert await state.subscribe("telegram", "1", now)  # no transaction was left open
        assert await state.is_subscribed("telegram", "1")


# -- files that are not (this version's) TradeTheHype store ------------------------------------


def foreign_file(path: Path, table: str) -> bytes:
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE {table} (name TEXT, phone TEXT)")
        db.execute(f"INSERT INTO {table} VALUES ('Ada', '555-0100')")
    db.close()
    return path.read_bytes()


@pytest.mark.parametrize("table", ["contacts", "signal_history"])
def test_another_applications_file_is_refused_and_left_as_it_was(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, table: str
) -> None:
    db = tmp_path / "theirs.sqlite"
    before = foreign_file(db, table)
    refusal = f"{db} is not a TradeTheHype store: it holds other tables ({table})"
    cfg = str(write_config(tmp_path))

    code, out, _ = run(capsys, "health", "--config", cfg, "--db", str(db))
    assert code == 1 and out.splitlines()[0] == f"FAIL store: {refusal}"
    code, out, err = run(capsys, "why", "AAPL", "--db", str(db))
    assert (code, out, err) == (2, "", f"tradethehype: error: {refusal}\n")
    for dry in ([], ["--dry-run"]):
        code, out, err = run(capsys, "digest", *dry, "--config", cfg, *sample_args(db))
        assert (code, out, err) == (2, "", f"tradethehype: error: {refusal}\n")

    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "theirs.sqlite"]


def test_a_device_is_not_a_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = str(write_config(tmp_path))
    refusal = "tradethehype: error: the store /dev/null is not a file\n"
    code, out, err = run(capsys, "digest", "--config", cfg, *sample_args(Path("/dev/null")))
    assert (code, out, err) == (2, "", refusal)
    code, out, err = run(capsys, "why", "AAPL", "--db", "/dev/null")
    assert (code, out, err) == (2, "", refusal)
    code, out, _ = run(capsys, "health", "--config", cfg, "--db", "/dev/null")
    assert code == 1 and out.splitlines()[0] == "FAIL store: the store /dev/null is not a file"


def test_readers_refuse_an_older_store_and_leave_it_as_it_was(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as old:  # what TradeTheHype with two migrations made
        for script in MIGRATIONS[:2]:
            old.executescript(script)
        old.execute("PRAGMA user_version = 2")
    old.close()
    before = db.read_bytes()
    code, out, err = run(capsys, "why", "AAPL", "--db", str(db))
    assert code == 2 and out == ""
    assert err == (
        f"tradethehype: error: the store {db} has an older schema (2): run `tradethehype run` "
        "(or `digest`) once with this version to upgrade it\n"
    )
    assert db.read_bytes() == before


# -- dry runs and the last digest ---------------------------------------------------------------


def test_a_dry_run_creates_no_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "new" / "s.db"
    cfg = str(write_config(tmp_path))
    code, out, err = run(capsys, "digest", "--dry-run", "--config", cfg, *sample_args(db))
    assert code == 0 and err == "" and "BULLISH" in out
    assert not db.parent.exists()


def test_a_dry_run_writes_nothing_to_the_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    make_store(db)
    before = db.read_bytes()
    cfg = str(write_config(tmp_path))
    code, dry, _ = run(capsys, "digest", "--dry-run", "--config", cfg, *sample_args(db))
    assert code == 0 and "BULLISH" in dry
    assert db.read_bytes() == before
    code, real, _ = run(capsys, "digest", "--config", cfg, *sample_args(db))
    assert code == 0 and real == dry  # the same digest, recorded this time


def test_health_shows_a_digest_built_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    cfg = str(write_config(tmp_path))
    assert run(capsys, "digest", "--config", cfg, *sample_args(db))[0] == 0
    code, out, _ = run(capsys, "health", "--config", cfg, "--db", str(db))
    assert f"info last digest: #1 from the command line, built {DEMO_AT:%Y-%m-%d %H:%M} UTC" in (
        out.splitlines()
    )


# -- a read-only store --------------------------------------------------------------------------


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A store in a read-only folder, its file read-only too, and how to run a command that
    cannot write them: root writes whatever the permissions say, so as root the command runs
    without the capabilities that override them (setpriv), which is what a read-only mount or
    an ordinary user gets."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a store read-only")
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "s.db"
    make_store(db)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield db, prefix
    finally:
        folder.chmod(0o755)


def cli_as(prefix: list[str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_read_only_store_can_be_read_but_not_written(
    read_only_store: tuple[Path, list[str]],
) -> None:
    db, prefix = read_only_store
    before = db.read_bytes()
    cfg = db.parent / "config.toml"
    assert not cfg.exists()

    why = cli_as(prefix, "why", "AAPL", "--db", str(db))
    assert (why.returncode, why.stdout, why.stderr) == (1, "No signal recorded for AAPL yet.\n", "")

    health = cli_as(prefix, "health", "--db", str(db))
    assert health.stdout.splitlines()[0] == f"ok   store: {db} (schema {len(MIGRATIONS)})"

    digest = cli_as(prefix, "digest", "--backend", "lite", *sample_args(db))
    assert digest.returncode == 2 and digest.stdout == ""
    assert digest.stderr == (
        f"tradethehype: error: the store {db} is read-only and this command writes to it "
        "(make the file and its folder writable; why and health only read it)\n"
    )
    assert db.read_bytes() == before
    assert [p.name for p in db.parent.iterdir()] == ["s.db"]


# -- in a chat ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_store_failure_in_a_chat_is_an_apology_and_a_log_line(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    problem = "the store /srv/bot/tradethehype.db is held by another process"

    async def held(ctx: object) -> Reply:
        raise StoreError(problem)

    registry = Registry()
    registry.add(Command("held", "fails", held))
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        reply = await BotCore(engine, registry).handle("held", "", Caller("console", "1", "1"))
    assert not reply.ok and reply.plain_text == SORRY  # the path is the operator's business
    assert problem in caplog.text
