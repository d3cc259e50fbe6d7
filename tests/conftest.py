"""Shared test fixtures: offline guards, a local feed server, a keyword sentiment backend."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from engine.market import MarketCalendar
from engine.models import Sentiment
from engine.sentiment.target import Target
from engine.symbols import SymbolIndex

# No test may reach a model hub: fail fast instead of trying the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Nor a developer's own data (an updated ticker list): each run starts from what ships.
os.environ["TRADETHEHYPE_DATA_DIR"] = tempfile.mkdtemp(prefix="tradethehype-test-data-")

FIXTURES = Path(__file__).parent / "fixtures"


class KeywordSentiment:
    """A stand-in backend with known answers: words decide the label."""

    name = "keyword"
    model_id = "test-keywords"

    POSITIVE = re.compile(r"\b(beats?|record|raises?|climbs?|jumps?|soars?|upgrades?)\b", re.I)
    NEGATIVE = re.compile(r"\b(slumps?|cuts?|falls?|drops?|halts?|plunges?|misses?)\b", re.I)

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        self.calls.append(list(texts))
        out = []
        for t in texts:
            if self.POSITIVE.search(t):
                out.append(
                    Sentiment("positive", {"positive": 0.9, "negative": 0.04, "neutral": 0.06})
                )
            elif self.NEGATIVE.search(t):
                out.append(
                    Sentiment("negative", {"positive": 0.03, "negative": 0.9, "neutral": 0.07})
                )
            else:
                out.append(Sentiment("neutral", {"positive": 0.1, "negative": 0.1, "neutral": 0.8}))
        return out


class ClauseTargets:
    """A fake target-aware model: the clause that names the company decides its label."""

    name = "clause"
    model_id = "test-clauses"
    cache_key = "clause:v1"
    target_style = "pair"
    supports_targets = True

    def __init__(self) -> None:
        self.calls: list[list[Target]] = []
        self._words = KeywordSentiment()

    async def classify_targets(self, targets: Sequence[Target]) -> list:
        self.calls.append(list(targets))
        clauses = []
        for t in targets:
            parts = re.split(r"\b(?:as|while|but)\b|[;,]", t.text)
            clauses.append(next((p for p in parts if t.mention in p), t.text))
        return await self._words.classify(clauses)


@pytest.fixture
def keyword_sentiment() -> KeywordSentiment:
    return KeywordSentiment()


def rss(items: Sequence[tuple[str, str, datetime]], title: str = "Test Wire") -> bytes:
    """A small RSS 2.0 document from (title, link, published) triples."""
    from email.utils import format_datetime
    from xml.sax.saxutils import escape

    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<pubDate>{format_datetime(p)}</pubDate></item>"
        for t, link, p in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"{body}</channel></rss>"
    ).encode()


@functools.cache
def _calendar() -> MarketCalendar:
    return MarketCalendar()


def write_bars(
    folder: Path,
    symbol: str,
    *,
    start: float,
    step: float,
    days: int = 70,
    end_day: str = "2026-03-09",
    intraday: Sequence[tuple[datetime, float]] = (),
) -> Path:
    """Daily bars on NYSE trading days ending at `end_day` (a steady trend), plus intraday rows."""
    from datetime import date

    calendar = _calendar()
    folder.mkdir(parents=True, exist_ok=True)
    d = date.fromisoformat(end_day)
    days_list = []
    while len(days_list) < days:
        if calendar.is_trading_day(d):
            days_list.append(d)
        d -= timedelta(days=1)
    rows = ["timestamp,open,high,low,close,volume"]
    price = start
    for day in reversed(days_list):
        close = price + step
        rows.append(
            f"{day.isoformat()},{price:.2f},{max(price, close) + 1:.2f},"
            f"{min(price, close) - 1:.2f},{close:.2f},1000000"
        )
        price = close
    for ts, p in intraday:
        rows.append(f"{ts.isoformat()},{p:.2f},{p + 0.5:.2f},{p - 0.5:.2f},{p:.2f},50000")
    path = folder / f"{symbol}.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="session")
def symbols() -> SymbolIndex:
    """The shipped ticker list, loaded once."""
    return SymbolIndex.load()


@pytest.fixture(scope="session")
def calendar() -> MarketCalendar:
    return _calendar()


@asynccontextmanager
async def local_server(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yields its base URL."""
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class FeedServer:
    """A local HTTP server for feed tests; `routes` maps a path to bytes (or a status code)."""

    base: str
    routes: dict[str, bytes | int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest_asyncio.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer(base="")

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        server.hits[path] = server.hits.get(path, 0) + 1
        if path == "/slow.xml":  # never answers in time: the client's timeout must fire
            await server.release.wait()
            return web.Response(status=503)
        body = server.routes.get(path, 404)
        if isinstance(body, int):
            return web.Response(status=body, text="error")
        etag = server.etags.get(path)
        if etag and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        headers = {"ETag": etag} if etag else {}
        return web.Response(body=body, content_type="application/rss+xml", headers=headers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    async with local_server(app) as base:
        server.base = base
        try:
            yield server
        finally:
            server.release.set()
