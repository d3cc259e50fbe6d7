"""Reading the output: what a digest says when prices fail, the Skipped line, plurals, the
heading (market state, price source, sentiment backend) and how many headlines a card shows."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import rss
from curl_cffi.requests.exceptions import DNSError
from support.botworld import NOW, open_world, write_world
from yfinance.exceptions import YFPricesMissingError

from adapters.telegram.render import card_lines
from bot.cli import main
from bot.console import render_digest, render_ticker_view
from chat.core import digest_reply
from engine.market import NEW_YORK, MarketCalendar
from engine.models import Digest
from engine.prices import PriceUnavailable
from engine.prices.yahoo import YFinancePriceProvider
from engine.records import DigestRecord
from engine.serialize import digest_to_dict
from engine.symbols import SymbolIndex

H = timedelta(hours=1)
CURL = (
    "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
    "See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)


def yahoo(calendar: MarketCalendar, missing: frozenset[str] = frozenset()) -> Any:
    """Yahoo Finance through yfinance with the network down: every request fails like a DNS
    failure does in curl_cffi, except for `missing` symbols, which Yahoo has no history for."""

    class Ticker:
        def __init__(self, symbol: str) -> None:
            self.symbol = symbol

        def history(self, **kwargs: Any) -> Any:
            if self.symbol in missing:
                raise YFPricesMissingError(self.symbol, "(period=6mo)")
            raise DNSError(CURL, 6)

    return YFinancePriceProvider(calendar, ticker_factory=Ticker)


async def digest_of(
    tmp_path: Path,
    symbols: SymbolIndex,
    calendar: MarketCalendar,
    stories: list[tuple[str, str, datetime]],
) -> Digest:
    """The world's digest (dry run) when its only feed carries `stories`."""
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        feed = tmp_path / "only.xml"
        feed.write_bytes(rss(stories))
        engine.settings = replace(engine.settings, feeds=[str(feed)])
        return await engine.build_digest(dry_run=True)


def skipped_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("Skipped: "))


# -- prices that could not be fetched ---------------------------------------------------------


@pytest.mark.asyncio
async def test_yahoo_unreachable_says_so_plainly_with_one_short_reason_per_symbol(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        engine.prices = yahoo(calendar)
        digest = await engine.build_digest(dry_run=True)
    text = render_digest(digest)
    assert digest.signals == [] and digest.unpriced == ["BA", "INTC", "NVDA", "TSLA"]
    assert "nothing in the fresh news cleared the bar" not in text
    assert (
        "No new signals: prices could not be fetched for BA, INTC, NVDA, TSLA "
        "(news strong enough)." in text
    )
    skipped = {s["symbol"]: s["reason"] for s in digest.skipped}
    assert skipped["TSLA"] == "price unavailable: Yahoo Finance unreachable"
    line = skipped_line(text)
    assert "curl" not in line and len(line) < 160
    shared = line.split("; ")[-1]  # AAPL (news neutral or mixed); the four share their reason
    assert shared.endswith(" (price unavailable: Yahoo Finance unreachable)")
    assert sorted(shared.split(" (")[0].split(", ")) == ["BA", "INTC", "NVDA", "TSLA"]
    # the network error itself, once
    assert text.count("Could not resolve host") == 1
    assert (
        "Source failed: prices (yfinance): could not reach Yahoo Finance for BA, INTC, NVDA, "
        "TSLA (curl: (6) Could not resolve host: query2.finance.yahoo.com.)" in text
    )
    chat = digest_reply(DigestRecord.parse({"digest": digest_to_dict(digest)}), NEW_YORK).plain_text
    assert "prices could not be fetched for BA, INTC, NVDA, TSLA" in chat
    assert "cleared the bar" not in chat


@pytest.mark.asyncio
async def test_a_network_failure_is_told_from_a_ticker_without_history(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        engine.prices = yahoo(calendar, missing=frozenset({"TSLA"}))
        digest = await engine.build_digest(dry_run=True)
        with pytest.raises(PriceUnavailable) as info:
            await engine.prices.snapshot("TSLA", NOW)
    assert not info.value.unreachable
    skipped = {s["symbol"]: s["reason"] for s in digest.skipped}
    assert skipped["TSLA"] == "price unavailable: Yahoo Finance has no price history for it"
    assert skipped["INTC"] == "price unavailable: Yahoo Finance unreachable"
    [prices] = [f for f in digest.failed_sources if f["source"] == "prices (yfinance)"]
    assert prices["error"].startswith("could not reach Yahoo Finance for BA, INTC, NVDA (curl:")
    assert prices["error"].endswith(
        "; no price for TSLA ($TSLA: possibly delisted; no price data found (period=6mo))"
    )


def test_yfinance_is_set_to_raise_its_errors(calendar: MarketCalendar) -> None:
    """yfinance logs a network error and returns no data unless told to raise: a DNS failure
    would read as "no daily history"."""
    import yfinance

    before = yfinance.config.debug.hide_exceptions
    yfinance.config.debug.hide_exceptions = True  # yfinance's default
    try:
        YFinancePriceProvider(calendar)._ticker("AAPL")  # builds the Ticker, asks nothing
        assert yfinance.config.debug.hide_exceptions is False
    finally:
        yfinance.config.debug.hide_exceptions = before


# -- the Skipped line ---------------------------------------------------------------------------


def test_the_skipped_line_is_short_and_shares_reasons() -> None:
    skipped = [
        {"symbol": f"S{i:02d}", "reason": "price unavailable: Yahoo Finance unreachable"}
        for i in range(15)
    ]
    skipped.insert(1, {"symbol": "LONG", "reason": "news neutral or mixed " + "x" * 300})
    text = render_digest(Digest(NOW, "b", [], skipped=skipped))
    line = skipped_line(text)
    assert line == (
        "Skipped: S00, S01, S02, S03, S04, S05, S06, S07, S08, S09, S10 (price unavailable: "
        "Yahoo Finance unreachable); LONG (news neutral or mixed " + "x" * 55 + "...) and 4 more"
    )


# -- plurals, the heading, the signal view ------------------------------------------------------


@pytest.mark.asyncio
async def test_one_signal_from_one_fresh_story(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    stories = [("Tesla beats delivery estimates", "https://a.example/t", NOW - H)]
    digest = await digest_of(tmp_path, symbols, calendar, stories)
    assert len(digest.signals) == 1
    assert render_digest(digest).splitlines()[1].startswith("1 signal from 1 fresh story · ")
    chat = digest_reply(DigestRecord.parse({"digest": digest_to_dict(digest)}), NEW_YORK).plain_text
    assert "\n1 signal from 1 fresh story · " in chat
    assert re.search(r"news \+0\.\d\d \(1 headline\)", render_digest(digest))


def test_one_other_ticker_in_the_chat_digest() -> None:
    payload = digest_to_dict(
        Digest(NOW, "b", [], skipped=[{"symbol": "AAPL", "reason": "news neutral"}])
    )
    text = digest_reply(DigestRecord.parse({"digest": payload}), NEW_YORK).plain_text
    assert "1 other ticker was in the news without a signal." in text
    assert "0 signals from 0 fresh stories" in text


class Named:
    def __init__(self, name: str, model_id: str) -> None:
        self.name = name
        self.model_id = model_id


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("name", "model_id", "label"),
    [
        (
            "lite",
            "tradethehype-lite (MiniLM-L6, fine-tuned, int8)",
            "lite (MiniLM-L6, fine-tuned, int8)",
        ),
        ("finbert", "ProsusAI/finbert", "finbert (ProsusAI/finbert)"),
        ("finbert", "/models/tiny-finbert", "finbert (/models/tiny-finbert)"),
        ("keyword", "test-keywords", "keyword (test-keywords)"),
    ],
)
async def test_the_heading_names_the_sentiment_backend_once(
    tmp_path: Path,
    symbols: SymbolIndex,
    calendar: MarketCalendar,
    name: str,
    model_id: str,
    label: str,
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        engine.sentiment = Named(name, model_id)  # type: ignore[assignment]
        assert engine.backend_label == label


@pytest.mark.asyncio
async def test_signal_names_the_ticker_once_with_market_and_price_source(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        text = render_ticker_view(await engine.ticker_view("TSLA"))
    assert text.count("TSLA (Tesla)") == 1
    assert text.splitlines()[0] == (
        "TSLA (Tesla) · 2026-03-10 15:00 UTC · market open · prices: CSV files"
    )
    assert text.splitlines()[2].startswith("BULLISH  score +")


# -- market state and price source ---------------------------------------------------------------


def ny(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("at", "state"),
    [
        (ny(3, 10, 3, 59), "closed"),
        (ny(3, 10, 4, 0), "pre-market"),
        (ny(3, 10, 9, 29), "pre-market"),
        (ny(3, 10, 9, 30), "open"),
        (ny(3, 10, 15, 59), "open"),
        (ny(3, 10, 16, 0), "after-hours"),
        (ny(3, 10, 19, 59), "after-hours"),
        (ny(3, 10, 20, 0), "closed"),
        (ny(12, 24, 13, 30, 2025), "after-hours"),  # early close at 13:00
        (ny(12, 24, 17, 0, 2025), "closed"),
        (ny(12, 25, 10, 0, 2025), "closed"),  # Christmas
        (ny(3, 14, 10, 0), "closed"),  # Saturday
    ],
)
def test_market_state_from_the_exchange_calendar(
    calendar: MarketCalendar, at: datetime, state: str
) -> None:
    assert calendar.state(at.astimezone(UTC)) == state


@pytest.mark.asyncio
async def test_digest_tells_the_market_state_at_its_clock_and_where_prices_came_from(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, clock, _):
        open_digest = await engine.build_digest(dry_run=True)
        clock.set(datetime(2026, 3, 10, 12, 30, tzinfo=UTC))  # 08:30 in New York
        early = await engine.build_digest(dry_run=True)
    assert render_digest(open_digest).splitlines()[0] == (
        "TradeTheHype digest, 2026-03-10 15:00 UTC · market open · prices: CSV files"
    )
    assert render_digest(early).splitlines()[0].endswith(" · pre-market · prices: CSV files")
    doc = digest_to_dict(early)
    assert (doc["market"], doc["price_source"]) == ("pre-market", "csv")
    assert doc["signals"] and all(s["price"]["source"] == "csv" for s in doc["signals"])
    chat = digest_reply(DigestRecord.parse({"digest": doc}), NEW_YORK).plain_text
    assert "pre-market · prices: CSV files · sentiment: keyword (test-keywords)" in chat


def test_signal_json_has_market_state_and_price_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    news, prices = write_world(tmp_path)
    code = main(
        ["signal", "TSLA", "--json", "--feeds", str(news), "--prices-csv", str(prices)]
        + ["--at", "2026-03-10T21:30:00+00:00", "--db", str(tmp_path / "s.db")]
        + ["--backend", "lite"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["market"], doc["price_source"]) == ("after-hours", "csv")


# -- headlines on a card -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_card_shows_a_handful_of_headlines_and_counts_the_rest(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    stories = [
        (f"Tesla beats estimates in region {i}", f"https://m.example/{i}", NOW - H)
        for i in range(17)
    ]
    digest = await digest_of(tmp_path, symbols, calendar, stories)
    [tsla] = digest.signals
    assert len(tsla.articles) == 17
    text = render_digest(digest)
    assert text.count("   - [positive") == 5 and "   - and 12 more" in text
    assert re.search(r"news \+0\.\d\d \(17 headlines\)", text)
    reply = digest_reply(DigestRecord.parse({"digest": digest_to_dict(digest)}), NEW_YORK)
    [card] = reply.cards
    assert len(card.headlines) == 5 and card.more_headlines == 12
    assert "- and 12 more" in reply.plain_text
    assert "• and 12 more" in card_lines(card)
