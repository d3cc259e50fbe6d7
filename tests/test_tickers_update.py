"""`tradethehype tickers update` against a local HTTP server: the declared User-Agent, the checks
that keep a bad download out, the atomic replace, and the extractor using the new list."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bot.cli import main
from bot.config import Config, load_config
from engine.symbols import SymbolIndex
from engine.symbols.tickerlist import TICKERS_PATH, user_tickers_path

ROOT = Path(__file__).resolve().parents[1]
UA = "Test Suite tests@tradethehype.invalid"

REAL = [
    [320193, "Apple Inc.", "AAPL", "Nasdaq"],
    [789019, "MICROSOFT CORP", "MSFT", "Nasdaq"],
    [1067983, "BERKSHIRE HATHAWAY INC", "BRK-B", "NYSE"],
    [1067983, "BERKSHIRE HATHAWAY INC", "BRK-A", "NYSE"],
    [2000001, "NEWCO ROBOTICS INC", "NEWR", "NYSE"],  # listed since the shipped list was made
    [2000002, "OTC ONLY CORP", "OTCO", "OTC"],
]


def _ticker(n: int) -> str:
    letters = ""
    for _ in range(4):
        n, r = divmod(n, 26)
        letters += chr(65 + r)
    return "Q" + letters


def sec_payload(rows: int = 6000, real: list[list] = REAL) -> dict:
    """SEC's shape with `rows` made-up companies plus some real ones; no Tesla (delisted)."""
    data = [[3000000 + n, f"ZYX{n:05d} QUUX CORP", _ticker(n), "Nasdaq"] for n in range(rows)]
    return {"fields": ["cik", "name", "ticker", "exchange"], "data": real + data}


@dataclass
class SecServer:
    base: str = ""
    body: bytes | int = b""
    content_type: str = "application/json"
    user_agents: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/files/company_tickers_exchange.json"


@pytest_asyncio.fixture
async def sec() -> AsyncIterator[SecServer]:
    server = SecServer()

    async def handle(request: web.Request) -> web.Response:
        server.user_agents.append(request.headers.get("User-Agent", ""))
        if isinstance(server.body, int):
            return web.Response(status=server.body, text="<html>error</html>")
        return web.Response(body=server.body, content_type=server.content_type)

    app = web.Application()
    app.router.add_get("/files/company_tickers_exchange.json", handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.base = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("TRADETHEHYPE_DATA_DIR", str(folder))
    return folder


def config_file(tmp_path: Path, url: str, user_agent: str = UA) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[tickers]\nuser_agent = "{user_agent}"\nurl = "{url}"\ntimeout_seconds = 5\n',
        encoding="utf-8",
    )
    return path


async def update(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, user_agent: str = UA
) -> tuple[int, str, str]:
    cfg = config_file(tmp_path, url, user_agent)
    code = await asyncio.to_thread(main, ["tickers", "update", "--config", str(cfg)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.asyncio
async def test_update_installs_the_new_list(
    sec: SecServer, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = SymbolIndex.load()
    assert [m.symbol for m in before.extract("Tesla recalls cars")] == ["TSLA"]
    sec.body = json.dumps(sec_payload()).encode()

    code, out, err = await update(capsys, tmp_path, sec.url)

    assert (code, err) == (0, "")
    assert sec.user_agents == [UA]  # the declared User-Agent SEC asks for
    dest = data_dir / "tickers.json"
    assert dest == user_tickers_path() and dest.is_file()
    assert "Updated the ticker list: 6,005 tickers (NYSE 3, Nasdaq 6,002)" in out
    assert str(dest) in out and "fallback" in out
    assert list(data_dir.iterdir()) == [dest]  # no temporary file left behind

    after = SymbolIndex.load()  # prefers the updated copy
    assert str(dest) in after.source
    assert after.extract("Tesla recalls cars") == []  # delisted: stops matching
    assert [m.symbol for m in after.extract("Newco Robotics shares jump")] == ["NEWR"]
    assert [m.symbol for m in after.extract("Apple and $BRK.A")] == ["AAPL", "BRK-A"]
    assert "OTCO" not in after  # OTC rows are not kept
    assert TICKERS_PATH.stat().st_size > 0  # the shipped list is untouched


BAD_DOWNLOADS = [
    (500, "HTTP 500"),
    (b"<!DOCTYPE html><html><body>Request rate threshold exceeded</body></html>", "web page"),
    (b"garbage \x00\xff", "not valid JSON"),
    (json.dumps(sec_payload()).encode()[:50_000], "not valid JSON (truncated?)"),
    (json.dumps({"0": {"cik_str": 1, "ticker": "X", "title": "X"}}).encode(), "no 'fields'"),
    (json.dumps(sec_payload(rows=100)).encode(), "lists only 106 tickers"),
    (
        json.dumps(
            {"fields": ["cik", "name", "ticker", "exchange"],
             "data": [[n, "X CORP", f"X{n}", "OTC"] for n in range(6000)]}
        ).encode(),
        "only 0 tickers are on Nasdaq, NYSE or CBOE",
    ),
]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize(("body", "message"), BAD_DOWNLOADS)
async def test_bad_download_keeps_the_old_copy(
    sec: SecServer,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: bytes | int,
    message: str,
) -> None:
    data_dir.mkdir()
    old = data_dir / "tickers.json"
    old.write_bytes(TICKERS_PATH.read_bytes())
    sec.body = body

    code, out, err = await update(capsys, tmp_path, sec.url)

    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "the current list is kept" in err
    assert "Traceback" not in err
    assert old.read_bytes() == TICKERS_PATH.read_bytes()
    assert list(data_dir.iterdir()) == [old]


@pytest.mark.asyncio
async def test_connection_refused_is_one_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = await update(capsys, tmp_path, f"http://127.0.0.1:{port}/x.json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "could not download the ticker list" in err
    assert "the current list is kept" in err
    assert not (data_dir / "tickers.json").exists()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("user_agent", "says"),
    [
        ("", "user_agent is not set"),
        ("   ", "user_agent is not set"),
        ("x", "user_agent is 'x', which has no e-mail address"),
        ("Jane Doe", "user_agent is 'Jane Doe', which has no e-mail address"),
        (
            "Sample Company admin@example.com",
            "user_agent is 'Sample Company admin@example.com', which is still a placeholder",
        ),
    ],
)
async def test_undeclared_user_agent_is_refused_before_downloading(
    sec: SecServer,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    user_agent: str,
    says: str,
) -> None:
    sec.body = json.dumps(sec_payload()).encode()
    code, out, err = await update(capsys, tmp_path, sec.url, user_agent)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"[tickers] {says}: SEC asks" in err
    assert sec.user_agents == []  # nothing was asked of SEC
    assert not data_dir.exists()


def test_a_broken_user_copy_falls_back_to_the_shipped_list(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "tickers.json").write_text("{not json", encoding="utf-8")
    index = SymbolIndex.load()
    assert str(TICKERS_PATH) in index.source
    assert [m.symbol for m in index.extract("Tesla recalls cars")] == ["TSLA"]


def test_example_config_documents_the_tickers_defaults() -> None:
    example = load_config(ROOT / "config.example.toml")
    assert example.tickers == Config().tickers
    assert Config().tickers.url == "https://www.sec.gov/files/company_tickers_exchange.json"
    assert Config().tickers.user_agent == ""  # the update refuses to run until it is set


def test_where_the_updated_copy_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TRADETHEHYPE_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_tickers_path() == tmp_path / "xdg" / "tradethehype" / "tickers.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "tradethehype" / "tickers.json"
    assert user_tickers_path() == expected
    monkeypatch.setenv("TRADETHEHYPE_DATA_DIR", str(tmp_path / "mine"))
    assert user_tickers_path() == tmp_path / "mine" / "tickers.json"
