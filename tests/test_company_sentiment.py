"""Each company of a headline scored on its own (engine.sentiment.companies), end to end.

The engine is the real one on local feed files, replayed prices, the shipped ticker list and a
SQLite store; the headline backend is the keyword stand-in and the target-aware model a fake
that reads the clause naming the company, so every direction here is known in advance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from conftest import ClauseTargets, KeywordSentiment, write_bars
from support.botworld import NOW

from chat import BotCore, Caller, build_registry
from chat.text import company_phrase, render_why
from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.models import SymbolMatch
from engine.news.fetch import NewsFetcher
from engine.pipeline import EngineSettings, SignalEngine
from engine.prices.csv import CsvPriceProvider
from engine.records import ArticleRecord, SignalRecord
from engine.sentiment.analyst import AnalystCall
from engine.sentiment.companies import (
    ANALYST_PROBABILITY,
    CompanyScorer,
    headline_subjects,
    target_key,
)
from engine.sentiment.target import Target
from engine.store import Store
from engine.symbols import SymbolIndex

H = timedelta(hours=1)
TWO = "Nvidia shares jump as AMD slumps on weak guidance"


def feed(items: Sequence[tuple[str, Sequence[str]]]) -> bytes:
    """RSS whose items may carry symbol categories (the way Seeking Alpha tags tickers)."""
    body = "".join(
        f"<item><title>{escape(title)}</title><link>https://w.example/{i}</link>"
        f"<pubDate>{format_datetime(NOW - H)}</pubDate>"
        + "".join(f'<category domain="symbol">{t}</category>' for t in tags)
        + "</item>"
        for i, (title, tags) in enumerate(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{body}'
        "</channel></rss>".encode()
    )


@asynccontextmanager
async def engine_on(
    tmp: Path,
    symbols: SymbolIndex,
    calendar: MarketCalendar,
    items: Sequence[tuple[str, Sequence[str]]],
    targets: ClauseTargets | None,
) -> AsyncIterator[SignalEngine]:
    news = tmp / "news"
    news.mkdir(exist_ok=True)
    (news / "a.xml").write_bytes(feed(items))
    prices = tmp / "prices"
    for symbol in ("NVDA", "AMD", "AAPL", "CMG"):  # flat prices: the news decides
        write_bars(prices, symbol, start=100, step=0.0, intraday=[(NOW - 5 * H / 60, 100)])
    store = await Store.open(tmp / "store.db")
    fetcher = NewsFetcher()
    try:
        yield SignalEngine(
            settings=EngineSettings(feeds=[str(news)]),
            news=fetcher,
            symbols=symbols,
            sentiment=KeywordSentiment(),
            prices=CsvPriceProvider(prices, calendar, max_quote_age_minutes=30),
            store=store,
            clock=FixedClock(NOW),
            targets=targets,
        )
    finally:
        await fetcher.close()
        await store.close()


@pytest.mark.asyncio
async def test_nvidia_up_amd_down_each_its_own_direction_and_why_says_so(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with engine_on(tmp_path, symbols, calendar, [(TWO, ())], ClauseTargets()) as engine:
        digest = await engine.build_digest()
        assert {s.symbol: s.direction for s in digest.signals} == {
            "NVDA": "bullish",
            "AMD": "bearish",
        }
        core = BotCore(engine, build_registry())
        why = (await core.handle("why", "AMD", Caller("console", "1", "1"))).plain_text
    assert why.startswith("Why BEARISH on AMD")
    assert (
        "bearish for AMD — headline bullish; scored for AMD by the target-aware lite model "
        "(the headline names 2 companies)" in why
    )
    lines = why.splitlines()
    title = lines.index(f" - {TWO}")
    assert "; negative (pos 0.03 neg 0.90 neu 0.07)" in lines[title + 1]


@pytest.mark.asyncio
async def test_without_a_target_model_every_company_gets_the_headline(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with engine_on(tmp_path, symbols, calendar, [(TWO, ())], None) as engine:
        digest = await engine.build_digest()
        assert {s.symbol: s.direction for s in digest.signals} == {
            "NVDA": "bullish",
            "AMD": "bullish",
        }
        payload = await engine.explain("AMD")
    assert payload is not None
    stored = payload["articles"][0]
    assert stored["label"] == "positive" and stored["for_ticker"]["decided_by"] == "headline"
    assert "headline names" not in render_why(SignalRecord.parse(payload))


@pytest.mark.asyncio
async def test_a_feed_tag_counts_only_on_a_headline_that_names_no_company(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    items = [
        ("Apple rallies on record iPhone demand", ("AMD",)),  # about Apple, whatever the tag
        ("Chipmaker stocks slump on export curbs", ("NVDA",)),  # names no company: NVDA's
    ]
    async with engine_on(tmp_path, symbols, calendar, items, ClauseTargets()) as engine:
        by_symbol = engine.subjects((await engine.headlines.recent(NOW, 6 * H)).articles)
        assert {k: [a.title for a in v] for k, v in by_symbol.items()} == {
            "AAPL": ["Apple rallies on record iPhone demand"],
            "NVDA": ["Chipmaker stocks slump on export curbs"],
        }
        digest = await engine.build_digest(dry_run=True)
    assert {s.symbol: s.direction for s in digest.signals} == {
        "AAPL": "bullish",
        "NVDA": "bearish",
    }
    assert "AMD" not in {s.get("symbol") for s in digest.skipped}


@pytest.mark.asyncio
async def test_one_company_uses_the_headline_score_and_asks_no_target_model(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    targets = ClauseTargets()
    items = [("Nvidia climbs on record sales", ())]
    async with engine_on(tmp_path, symbols, calendar, items, targets) as engine:
        digest = await engine.build_digest()
        payload = await engine.explain("NVDA")
    assert [s.symbol for s in digest.signals] == ["NVDA"] and targets.calls == []
    assert payload is not None
    assert payload["articles"][0]["for_ticker"] == {
        "label": "positive",
        "scores": {"positive": 0.9, "negative": 0.04, "neutral": 0.06},
        "decided_by": "headline",
        "companies": 1,
    }


@pytest.mark.asyncio
async def test_scores_are_cached_per_model_and_per_company(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    targets = ClauseTargets()
    async with engine_on(tmp_path, symbols, calendar, [(TWO, ())], targets) as engine:
        await engine.build_digest()
        assert len(targets.calls) == 1
        store = engine.store
        nvda, amd = (Target(TWO, "Nvidia", 0, 6), Target(TWO, "AMD", 22, 25))
        assert targets.calls[0] == [nvda, amd]
        keys = [target_key(nvda), target_key(amd)]
        found = await store.cached_sentiments("clause:v1|target:pair", keys)
        assert {k: s.label for k, s in found.items()} == {
            keys[0]: "positive",
            keys[1]: "negative",
        }
        # the headline's score is its own row, under the backend's key and the bare title
        assert (await store.cached_sentiments("keyword:test-keywords", [TWO]))[TWO].label == (
            "positive"
        )
        assert await store.cached_sentiments("clause:v1|target:pair", [TWO]) == {}
        # a second run reads the store; a new model never reads the old model's scores
        await engine.build_digest()
        assert len(targets.calls) == 1
        targets.cache_key = "clause:v2"
        await engine.build_digest()
        assert len(targets.calls) == 2


def _match(symbol: str, text: str, title: str) -> SymbolMatch:
    start = title.index(text)
    return SymbolMatch(symbol, symbol, text, start, start + len(text), "name")


@pytest.mark.asyncio
async def test_an_analyst_action_decides_before_any_model(symbols: SymbolIndex) -> None:
    title = "Goldman names Chipotle a favorite stock as Nvidia slumps"
    call = AnalystCall("positive", "favorite stock", "Goldman")

    def analyst(text: str, subject: SymbolMatch, found: Sequence[SymbolMatch]) -> AnalystCall:
        assert text == title and subject in found or subject.how == "feed"
        return call if subject.symbol == "CMG" else None  # type: ignore[return-value]

    subjects = headline_subjects(symbols, title, analyst=analyst)
    assert [(s.symbol, s.analyst) for s in subjects] == [("CMG", call), ("NVDA", None)]
    targets = ClauseTargets()
    [(headline, by_symbol)] = await CompanyScorer(KeywordSentiment(), targets).score(
        [(title, subjects)]
    )
    cmg, nvda = by_symbol["CMG"], by_symbol["NVDA"]
    assert headline.label == "negative"
    assert cmg.basis.decided_by == "analyst" and cmg.sentiment.label == "positive"
    assert cmg.sentiment.scores["positive"] == ANALYST_PROBABILITY
    assert nvda.basis.decided_by == "company" and nvda.sentiment.label == "negative"
    assert [t.mention for t in targets.calls[0]] == ["Nvidia"]  # CMG never asked

    record = ArticleRecord.parse(
        {
            "title": title,
            "published": NOW.isoformat(),
            "label": "negative",
            "scores": {"positive": 0.03, "negative": 0.9, "neutral": 0.07},
            "for_ticker": {
                "label": "positive",
                "scores": cmg.sentiment.scores,
                "decided_by": "analyst",
                "companies": 2,
                "analyst": "Goldman",
                "action": "favorite stock",
            },
        }
    )
    assert company_phrase(record, "CMG") == (
        "bullish for CMG — headline bearish; analyst action: favorite stock (Goldman)"
    )


def test_bad_headlines_give_a_subject_per_company_or_none(symbols: SymbolIndex) -> None:
    assert headline_subjects(symbols, "") == []
    assert headline_subjects(symbols, "Markets are calm today") == []
    assert headline_subjects(symbols, "x" * 20_000 + " Nvidia jumps " + "\x00" * 10)[0].symbol == (
        "NVDA"
    )
    title = "Nvidia beats; Nvidia raises as AMD slumps"
    twice = headline_subjects(symbols, title)  # the same company twice: one entry, first mention
    assert [(s.symbol, s.match.start, s.companies) for s in twice] == [
        ("NVDA", 0, 2),
        ("AMD", title.index("AMD"), 2),
    ]
    assert [s.symbol for s in headline_subjects(symbols, "$TSLA to the moon")] == ["TSLA"]


def test_a_payload_stored_before_per_company_scores_reads_as_the_headlines() -> None:
    old = {
        "symbol": "TSLA",
        "name": "Tesla",
        "direction": "bullish",
        "score": 0.6,
        "confidence": 0.9,
        "sentiment": 0.86,
        "technical": 0.2,
        "generated_at": NOW.isoformat(),
        "articles": [
            {
                "title": "Tesla beats delivery estimates",
                "url": "https://a.example/t",
                "source": "Wire A",
                "published": (NOW - H).isoformat(),
                "label": "positive",
                "scores": {"positive": 0.9, "negative": 0.04, "neutral": 0.06},
            }
        ],
    }
    record = SignalRecord.parse(old)
    a = record.articles[0]
    assert (a.label, a.headline_label, a.decided_by) == ("positive", "positive", "headline")
    assert company_phrase(a, "TSLA") == "bullish for TSLA"
    why = render_why(record)
    assert " - Tesla beats delivery estimates\n   Wire A, 1 h 00 min ago; positive (pos 0.90" in why
    assert " for TSLA" not in why


@pytest.mark.asyncio
async def test_a_per_ticker_feed_is_a_feed_tag(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar, feed_server
) -> None:
    feed_server.routes["/t/AMD.xml"] = feed(
        [
            ("Apple rallies on record iPhone demand", ()),  # names another company: not AMD's
            ("Chipmaker shares slump on export curbs", ()),  # names no company: AMD's
        ]
    )
    async with engine_on(tmp_path, symbols, calendar, [], ClauseTargets()) as engine:
        engine.settings = replace(
            engine.settings, ticker_feeds=[feed_server.url("/t/{symbol}.xml")]
        )
        view = await engine.ticker_view("AMD")
    assert view.signal is not None and view.signal.direction == "bearish"
    assert [a.article.title for a in view.signal.articles] == [
        "Chipmaker shares slump on export curbs"
    ]
