"""`tradethehype health` as a container's HEALTHCHECK sees it: lines, and exit 0 / 1 / 2."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, SentimentConfig, load_config, with_overrides
from bot.health import check_health, model_files, report
from bot.scheduler import HEARTBEAT, LAST_DIGEST
from chat.state import ChatState
from engine.clock import FixedClock
from engine.news.polling import POLL_STATE
from engine.sentiment.lite import DEFAULT_DIR, META_FILE, TOKENIZER_FILE
from engine.sentiment.prepare import CARD_FILE, MODEL_FILE, model_key
from engine.sentiment.prepare import TOKENIZER_FILE as ONNX_TOKENIZER
from engine.store import Store

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SLOT = "06:30 America/Phoenix 2026-03-10 06:30"
BUILT = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)


def write_config(tmp_path: Path, db: Path, *, lite_head: str = "") -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[sentiment]\nbackend = "lite"\nlite_head = {json.dumps(lite_head)}\n'
        f"[store]\npath = {json.dumps(str(db))}\n"
    )
    return cfg


async def beat(db: Path, at: datetime) -> None:
    async with await Store.open(db) as store:
        started = (at - timedelta(hours=2)).isoformat()
        value = {"pid": 4242, "started": started, "adapters": ["telegram", "discord"]}
        await store.set_state(HEARTBEAT, value, at)


def health(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["health", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def health_at(tmp_path: Path, db: Path, now: datetime) -> list[str]:
    """What `health` prints when the clock reads `now` (the command itself reads the system's)."""
    config = load_config(write_config(tmp_path, db))
    return report(asyncio.run(check_health(config, clock=FixedClock(now)))).splitlines()


def test_healthy_store_and_fresh_heartbeat_exit_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    asyncio.run(beat(db, datetime.now(UTC) - timedelta(seconds=30)))
    code, lines, err = health(capsys, "--config", str(write_config(tmp_path, db)))
    assert code == 0, lines
    assert err == ""
    assert lines[2].startswith("ok   bot: running: heartbeat ")
    asyncio.run(beat(db, NOW - timedelta(seconds=30)))
    lines = health_at(tmp_path, db, NOW)
    assert lines[0] == f"ok   store: {db} (schema 6)"
    assert lines[1] == f"ok   model: lite, files in {DEFAULT_DIR}"
    assert lines[2] == (
        "ok   bot: running: heartbeat 30 s ago (pid 4242, telegram, discord; "
        "up since 2026-03-10 12:59 UTC)"
    )
    assert lines[3:] == [
        "info last digest: none built yet",
        "info news: not polled yet",
        "healthy",
    ]


def test_stale_heartbeat_exit_1_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    asyncio.run(beat(db, datetime.now(UTC) - timedelta(hours=1)))
    code, lines, _ = health(capsys, "--config", str(write_config(tmp_path, db)))
    assert code == 1 and lines[-1] == "unhealthy: bot"
    asyncio.run(beat(db, NOW - timedelta(minutes=10, seconds=5)))
    lines = health_at(tmp_path, db, NOW)
    assert lines[2] == (
        "FAIL bot: not running: last heartbeat 10 min ago at 2026-03-10 14:49 UTC "
        "(pid 4242, telegram, discord)"
    )
    assert lines[-1] == "unhealthy: bot"


def test_no_heartbeat_is_not_running(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    asyncio.run(_touch(db))  # a store the bot never ran on
    code, lines, _ = health(capsys, "--config", str(write_config(tmp_path, db)))
    assert code == 1
    assert "FAIL bot: not running: no heartbeat in the store yet" in lines


async def _touch(db: Path) -> None:
    async with await Store.open(db):
        pass


def test_missing_store_exit_1_and_nothing_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "data" / "bot.db"
    code, lines, err = health(capsys, "--config", str(write_config(tmp_path, db)))
    assert code == 1
    assert err == ""
    assert lines[0] == f"FAIL store: {db} does not exist (`tradethehype run` creates it)"
    assert lines[-1] == "unhealthy: store"
    assert not db.exists() and not db.parent.exists()


def test_not_a_store_exit_1_and_file_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    db.write_bytes(b"not a database, " * 100)
    code, lines, _ = health(capsys, "--config", str(write_config(tmp_path, db)))
    assert code == 1
    assert lines[0].startswith(f"FAIL store: {db} is not a TradeTheHype store")
    assert db.read_bytes() == b"not a database, " * 100


def test_lite_folder_missing_a_file_exit_1_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "lite"
    folder.mkdir()
    for name in (META_FILE, TOKENIZER_FILE):  # no model.onnx
        shutil.copy(DEFAULT_DIR / name, folder / name)
    db = tmp_path / "bot.db"
    asyncio.run(beat(db, datetime.now(UTC)))
    code, lines, _ = health(
        capsys, "--config", str(write_config(tmp_path, db, lite_head=str(folder)))
    )
    assert code == 1
    assert lines[1] == f"FAIL model: lite model folder {folder} lacks model.onnx"
    assert lines[-1] == "unhealthy: model"


def test_db_option_overrides_the_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    asyncio.run(beat(db, datetime.now(UTC)))
    cfg = write_config(tmp_path, tmp_path / "absent.db")
    code, lines, _ = health(capsys, "--config", str(cfg), "--db", str(db))
    assert code == 0, lines
    assert not (tmp_path / "absent.db").exists()


def test_bad_config_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[store]\npath = 3\n")
    code, lines, err = health(capsys, "--config", str(cfg))
    assert code == 2
    assert lines == []
    assert err == f"tradethehype: error: {cfg}: [store] path: expected a string, got 3\n"


# -- the checks themselves, at a fixed clock ---------------------------------------------------


def lite(db: Path) -> Config:
    return with_overrides(Config(), sentiment={"backend": "lite"}, store={"path": str(db)})


@pytest.mark.asyncio
async def test_heartbeat_age_limit(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    await beat(db, NOW - timedelta(minutes=4, seconds=59))
    checks = await check_health(lite(db), clock=FixedClock(NOW))
    assert [c.ok for c in checks if c.name == "bot"] == [True]
    checks = await check_health(lite(db), clock=FixedClock(NOW + timedelta(seconds=2)))
    bot = next(c for c in checks if c.name == "bot")
    assert not bot.ok and bot.detail.startswith("not running: last heartbeat 5 min ago at ")


@pytest.mark.asyncio
async def test_last_digest_line_with_delivery_counts(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    await beat(db, NOW)
    async with await Store.open(db) as store:
        digest = await store.record_digest(
            slot=SLOT,
            schedule="06:30 America/Phoenix",
            signals=[],
            now=BUILT,
            cooldown_days=7,
            compose=lambda recorded: {"digest": {"signals": []}},
        )
        statuses = ["delivered"] * 40 + ["failed"] + ["gone"] * 2 + ["sending"]
        for n, status in enumerate(statuses):
            await ChatState(store).record_delivery(
                digest.id, "telegram", str(n), parts_sent=1, status=status, now=BUILT
            )
        await store.set_state(LAST_DIGEST, {"id": digest.id, "slot": SLOT}, BUILT)
    checks = await check_health(lite(db), clock=FixedClock(NOW))
    lines = [c.line() for c in checks]
    assert (
        f"info last digest: #{digest.id} for {SLOT}, built 2026-03-10 13:30 UTC: "
        "40 delivered, 1 sending, 1 failed (retrying), 2 gone"
    ) in lines
    assert all(c.ok for c in checks)  # a failed delivery is retried: information, not ill health


@pytest.mark.asyncio
async def test_news_poll_line_names_failed_feeds(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    await beat(db, NOW)
    async with await Store.open(db) as store:
        failed = [{"source": f"https://feed{i}.example/rss", "error": "timed out"} for i in (1, 2)]
        value = {"stories": 47, "new": 5, "feeds": 12, "failed": failed, "seconds": 2.13}
        await store.set_state(POLL_STATE, value, NOW - timedelta(minutes=35))
    checks = await check_health(lite(db), clock=FixedClock(NOW))
    news = next(c for c in checks if c.name == "news")
    assert news.informational and news.line() == (
        "info news: polled 35 min ago at 2026-03-10 14:25 UTC (overdue: polled every 10 min): "
        "47 fresh stories, 5 new, from 12 feeds in 2.1 s; 2 failed: "
        "https://feed1.example/rss (timed out); https://feed2.example/rss (timed out)"
    )


@pytest.mark.asyncio
async def test_deep_loads_the_model(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    await beat(db, NOW)
    checks = await check_health(lite(db), clock=FixedClock(NOW), deep=True)
    model = next(c for c in checks if c.name == "model")
    assert model.ok and "loaded and scored a headline" in model.detail


@pytest.mark.asyncio
async def test_deep_reports_a_model_that_does_not_load(tmp_path: Path) -> None:
    folder = tmp_path / "lite"
    folder.mkdir()
    for name in (META_FILE, TOKENIZER_FILE):
        shutil.copy(DEFAULT_DIR / name, folder / name)
    (folder / "model.onnx").write_bytes(b"not a graph")
    db = tmp_path / "bot.db"
    await beat(db, NOW)
    config = with_overrides(lite(db), sentiment={"lite_head": str(folder)})
    cheap = await check_health(config, clock=FixedClock(NOW))
    assert next(c for c in cheap if c.name == "model").ok  # the files are there...
    deep = await check_health(config, clock=FixedClock(NOW), deep=True)
    model = next(c for c in deep if c.name == "model")
    assert not model.ok and model.detail.startswith("sentiment backend 'lite': model folder")


# -- finbert: where loading would look for it --------------------------------------------------


def test_finbert_hub_id_not_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    ok, detail = model_files(SentimentConfig(model="nobody/no-such-model"))
    assert not ok
    assert detail.startswith("finbert model 'nobody/no-such-model' is not in the Hugging Face")


def test_finbert_folder_needs_its_onnx_export(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRADETHEHYPE_CACHE", str(tmp_path / "cache"))
    model = tmp_path / "finbert"
    model.mkdir()
    (model / "config.json").write_text("{}")
    s = SentimentConfig(model=str(model), runtime="onnx")
    ok, detail = model_files(s)
    assert not ok and detail.endswith("(runtime onnx): run `tradethehype model prepare`")

    export = tmp_path / "cache" / "onnx" / model_key(model.resolve())
    export.mkdir(parents=True)
    (export / MODEL_FILE).write_bytes(b"graph")
    (export / ONNX_TOKENIZER).write_text("{}")
    card = {"labels": ["positive", "negative", "neutral"], "max_length": 512}
    (export / CARD_FILE).write_text(json.dumps(card))
    assert model_files(s) == (True, f"finbert {model}, ONNX export in {export}")

    ok, detail = model_files(SentimentConfig(model=str(model), runtime="torch"))
    assert ok and detail.endswith("(torch runtime)")
    ok, detail = model_files(SentimentConfig(model=str(tmp_path / "gone"), runtime="torch"))
    assert not ok and "is not a folder on this machine" in detail
