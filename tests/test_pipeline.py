"""The engine end to end on fixtures: feeds -> symbols -> sentiment -> prices -> signals -> store.

Sentiment is the keyword stand-in (known answers); everything else is the real code: local feed
files, the shipped ticker list, replayed price bars, the NYSE calendar and a SQLite store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from conftest import rss, write_bars
from support.botworld import NOW, open_world

from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.pipeline import SignalEngine
from engine.serialize import digest_to_dict
from engine.symbols import SymbolIndex

H = timedelta(hours=1)


@pytest_asyncio.fixture
async def world(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> AsyncIterator[tuple[SignalEngine, FixedClock, Path]]:
    async with open_world(
        tmp_path, symbols, calendar, extra_feeds=[str(tmp_path / "missing.xml")]
    ) as world:
        yield world


@pytest.mark.asyncio
async def test_digest_signals_levels_and_staleness(world) -> None:
    engine, _, _ = world
    digest = await engine.build_digest()
    by_symbol = {s.symbol: s for s in digest.signals}
    assert set(by_symbol) == {"TSLA", "INTC", "BA"}

    tsla = by_symbol["TSLA"]
    assert tsla.direction == "bullish" and tsla.quote and not tsla.quote.stale
    assert tsla.quote.last == 275 and tsla.quote.as_of == NOW - timedelta(minutes=5)
    assert tsla.levels and tsla.levels.stop < tsla.levels.entry == 275 < tsla.levels.target
    assert len(tsla.articles) == 1  # the same story from two feeds counts once

    intc = by_symbol["INTC"]
    assert intc.direction == "bearish"
    assert intc.levels and intc.levels.target < intc.levels.entry < intc.levels.stop

    ba = by_symbol["BA"]
    assert ba.quote and ba.quote.stale and ba.levels is None  # never levels from a stale price

    skipped = {s.get("symbol"): s["reason"] for s in digest.skipped}
    assert skipped["NVDA"].startswith("price unavailable")
    assert "AAPL" in skipped and "PFE" not in skipped  # neutral news; Pfizer's story is too old
    failed = [f["source"] for f in digest.failed_sources]
    assert any(f.endswith("missing.xml") for f in failed) and "prices (csv)" in failed


@pytest.mark.asyncio
async def test_json_schema(world) -> None:
    engine, _, _ = world
    doc = digest_to_dict(await engine.build_digest(dry_run=True))
    assert set(doc) >= {"generated_at", "backend", "signals", "skipped"}
    assert doc["backend"] == "keyword (test-keywords)"
    for s in doc["signals"]:
        assert set(s) >= {
            "symbol",
            "name",
            "direction",
            "score",
            "confidence",
            "sentiment",
            "technical",
            "price",
            "levels",
            "articles",
            "reversal",
        }
        assert s["direction"] in ("bullish", "bearish")
        assert set(s["price"]) >= {"last", "as_of", "stale"}
        assert s["levels"] is None or set(s["levels"]) == {"entry", "stop", "target"}
        for a in s["articles"]:
            assert set(a) == {
                "title",
                "url",
                "source",
                "published",
                "label",
                "scores",
                "for_ticker",
            }
            assert set(a["scores"]) == {"positive", "negative", "neutral"}
            assert set(a["for_ticker"]) == {"label", "scores", "decided_by", "companies"}


@pytest.mark.asyncio
async def test_second_run_repeats_nothing_and_a_flip_is_a_reversal(world) -> None:
    engine, clock, news = world
    dry = await engine.build_digest(dry_run=True)
    assert len(dry.signals) == 3 and await engine.store.signal_rows() == []
    first = await engine.build_digest()
    assert len(first.signals) == 3
    second = await engine.build_digest()
    assert second.signals == []
    assert (
        "already signalled bullish"
        in {s.get("symbol"): s["reason"] for s in second.skipped}["TSLA"]
    )

    clock.set(NOW + timedelta(days=1))
    (news / "b.xml").write_bytes(
        rss(
            [("Tesla plunges as recall widens", "https://b.example/r", NOW + timedelta(days=1) - H)]
        )
    )
    flipped = await engine.build_digest()
    assert [(s.symbol, s.direction, s.reversal) for s in flipped.signals] == [
        ("TSLA", "bearish", True)
    ]
    rows = await engine.store.signal_rows("TSLA")
    assert [(r["direction"], r["reversal"]) for r in rows] == [("bullish", 0), ("bearish", 1)]


@pytest.mark.asyncio
async def test_on_demand_view_records_nothing(world) -> None:
    engine, _, _ = world
    view = await engine.ticker_view("$tsla")
    assert view.symbol == "TSLA" and view.signal and view.signal.direction == "bullish"
    quiet = await engine.ticker_view("MSFT")
    assert quiet.signal is None and quiet.reason == "no fresh news on MSFT in the last 6 h"
    assert await engine.store.signal_rows() == []


@pytest.mark.asyncio
async def test_on_demand_reads_per_ticker_feeds(world, feed_server) -> None:
    engine, _, news = world
    write_bars(
        news.parent / "prices",
        "MSFT",
        start=300,
        step=1.0,
        intraday=[(NOW - 5 * timedelta(minutes=1), 372)],
    )
    # a per-ticker feed's items are about that ticker even when the headline names no company
    feed_server.routes["/t/MSFT.xml"] = rss(
        [("Shares jump after cloud deal", "https://t.example/1", NOW - H)]
    )
    engine.settings = replace(engine.settings, ticker_feeds=[feed_server.url("/t/{symbol}.xml")])
    view = await engine.ticker_view("Microsoft")
    assert view.signal is not None and view.signal.direction == "bullish"
    assert [a.article.title for a in view.signal.articles] == ["Shares jump after cloud deal"]
    assert feed_server.hits == {"/t/MSFT.xml": 1}
    # the digest does not read per-ticker feeds: MSFT is not in it
    digest = await engine.build_digest(dry_run=True)
    assert "MSFT" not in {s.symbol for s in digest.signals}


@pytest.mark.asyncio
async def test_strongest_first_and_at_most_max_per_digest(world) -> None:
    engine, _, _ = world
    everything = await engine.build_digest(dry_run=True)
    scores = [abs(s.score) for s in everything.signals]
    assert scores == sorted(scores, reverse=True)
    engine.settings = replace(engine.settings, max_per_digest=1)
    one = await engine.build_digest()
    assert [s.symbol for s in one.signals] == [everything.signals[0].symbol]
    over = [s["symbol"] for s in one.skipped if s["reason"] == "over signals.max_per_digest"]
    assert sorted(over) == sorted(s.symbol for s in everything.signals[1:])
    # only what was issued is recorded: the others may still be signalled next time
    assert [r["symbol"] for r in await engine.store.signal_rows()] == [one.signals[0].symbol]
