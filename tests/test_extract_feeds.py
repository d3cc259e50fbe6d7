"""Tickers from feeds: Seeking Alpha-style symbol categories, news sitemaps, safe XML, and the
engine signalling subjects only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FeedServer, rss
from support.botworld import NOW, open_world

from engine.market import MarketCalendar
from engine.news.feedtags import normalise_feed_ticker, read_feed_tags
from engine.news.fetch import NewsFetcher, parse_feed
from engine.symbols import SymbolIndex
from engine.symbols.tickerlist import TICKERS_PATH

FIX = Path(__file__).parent / "fixtures" / "symbols"
WEEK_AHEAD = "Week ahead: earnings from a chip designer and a conglomerate"


@pytest.fixture(scope="module")
def idx() -> SymbolIndex:
    return SymbolIndex.load(TICKERS_PATH)


def test_symbol_categories_become_feed_tickers() -> None:
    articles = parse_feed((FIX / "symbol_feed.xml").read_bytes(), "symbol_feed.xml")
    tickers = {a.title: a.feed_tickers for a in articles}
    assert tickers == {
        "Soft drink maker raises prices again": ("KO",),
        WEEK_AHEAD: ("NVDA", "BRK-B", "ZZZZZ", "UBSFY"),  # SEC spelling; authors are not tickers
        "Apple & Microsoft lead a quiet session": ("AAPL",),  # the topic category is not one
    }


def test_feed_tickers_come_first_as_subjects(idx: SymbolIndex) -> None:
    articles = {a.title: a for a in parse_feed((FIX / "symbol_feed.xml").read_bytes(), "f")}
    week = articles[WEEK_AHEAD]
    found = idx.extract(week.title, week.feed_tickers)
    assert [(m.symbol, m.how, m.role, m.start) for m in found] == [
        ("NVDA", "feed", "subject", -1),
        ("BRK-B", "feed", "subject", -1),  # ZZZZZ and the OTC UBSFY are not in the list
    ]
    quiet = articles["Apple & Microsoft lead a quiet session"]
    found = idx.extract(quiet.title, quiet.feed_tickers)
    assert [(m.symbol, m.how) for m in found] == [("AAPL", "feed"), ("MSFT", "name")]


def test_a_round_up_tagged_with_many_tickers_is_about_none_of_them(idx: SymbolIndex) -> None:
    many = ("AAPL", "MSFT", "NVDA", "AMZN", "KO")
    assert idx.extract("Wall Street Breakfast: stocks drift before the Fed", many) == []
    found = idx.extract("Wall Street Breakfast: Tesla jumps", many)  # named in the text: counts
    assert [(m.symbol, m.how) for m in found] == [("TSLA", "name")]
    assert [m.symbol for m in idx.extract("Stocks drift", ("AAPL", "MSFT", "XXXX1"))] == [
        "AAPL",
        "MSFT",
    ]


def test_news_sitemap_entries_are_articles_with_their_tickers() -> None:
    articles = parse_feed((FIX / "news_sitemap.xml").read_bytes(), "https://wire.example.com/s")
    assert [(a.title, a.feed_tickers) for a in articles] == [
        ("Chip equipment orders jump as AI spending grows", ("AMAT", "LRCX")),  # not LON:VOD
        ("Big bank profits beat forecasts", ("JPM", "BRK-B")),
    ]
    first = articles[0]
    assert first.url == "https://wire.example.com/business/chip-equipment-orders-jump"
    assert first.source == "Example Wire"
    assert first.published == datetime(2026, 3, 10, 13, 5, tzinfo=UTC)
    assert articles[1].published == datetime(2026, 3, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NASDAQ:AMAT", "AMAT"),
        ("NYSE: brk.b", "BRK-B"),
        ("NYSEARCA:SPY", "SPY"),
        ("GOOG", "GOOG"),
        ("LON:VOD", None),
        ("TYO:7203", None),
        ("not a ticker", None),
        ("", None),
    ],
)
def test_feed_ticker_spelling(raw: str, expected: str | None) -> None:
    assert normalise_feed_ticker(raw) == expected


@pytest.mark.asyncio
async def test_feed_tickers_over_http(feed_server: FeedServer) -> None:
    feed_server.routes["/symbol.xml"] = (FIX / "symbol_feed.xml").read_bytes()
    async with NewsFetcher() as fetcher:
        batch = await fetcher.fetch(
            [feed_server.url("/symbol.xml")],
            datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
            timedelta(hours=6),
        )
    assert batch.failures == []
    assert {a.title: a.feed_tickers for a in batch.articles}[WEEK_AHEAD][:2] == ("NVDA", "BRK-B")


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">'.encode() for k in range(9)
    )
    + b']><rss><channel><item><title>&j;</title><category type="symbol">AAPL</category>'
    b"</item></channel></rss>"
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<rss><channel><item><title>&e;</title><category type="symbol">AAPL</category>'
    b"</item></channel></rss>"
)


@pytest.mark.parametrize("doc", [LAUGHS, EXTERNAL, b"", b"\x00\xff not xml", b"<rss><channel>"])
def test_unsafe_or_broken_xml_gives_no_tags(doc: bytes) -> None:
    assert read_feed_tags(doc) == []  # (entities are never expanded: no blow-up, no file read)


def test_malformed_feed_keeps_its_readable_items() -> None:
    broken = (FIX / "symbol_feed.xml").read_bytes().replace(b"</channel>", b"")  # unclosed
    articles = parse_feed(broken, "broken.xml")
    assert len(articles) == 3  # feedparser's lenient reading still works; no tags, no error


@pytest.mark.asyncio
async def test_engine_signals_subjects_never_analysts(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    wire = tmp_path / "analysts.xml"
    wire.write_bytes(
        rss(
            [
                ("Morgan Stanley upgrades Nvidia to overweight", "https://c.example/1", NOW),
                ("Goldman Sachs raises Boeing target", "https://c.example/2", NOW),
            ]
        )
    )
    tagged = tmp_path / "tagged.xml"
    tagged.write_bytes((FIX / "symbol_feed.xml").read_bytes())
    async with open_world(tmp_path, symbols, calendar, [str(wire), str(tagged)]) as world:
        engine, _, _ = world
        digest = await engine.build_digest(dry_run=True)
    seen = {s.symbol for s in digest.signals} | {s.get("symbol") for s in digest.skipped}
    assert {"NVDA", "BA", "KO"} <= seen  # subjects, and KO from the feed's symbol tag alone
    assert not {"MS", "GS"} & seen  # the banks quoted as analysts are not signalled
