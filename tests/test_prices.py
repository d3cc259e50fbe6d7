"""Prices: market calendar, CSV replay, yfinance provider (with a fake ticker, no network)."""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import engine.prices.csv as csv_module
from engine.market import NEW_YORK, MarketCalendar
from engine.prices import PriceUnavailable
from engine.prices.csv import CsvPriceProvider
from engine.prices.yahoo import YFinancePriceProvider
from engine.ticker import normalise_ticker

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
HEADER = "timestamp,open,high,low,close,volume\n"


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar()


@pytest.fixture
def csv_provider(calendar: MarketCalendar) -> CsvPriceProvider:
    return CsvPriceProvider(FIXTURES, calendar)


# -- market calendar ------------------------------------------------------------------------


def test_calendar_knows_holidays_and_weekends(calendar: MarketCalendar) -> None:
    assert not calendar.is_trading_day(date(2025, 12, 25))
    assert not calendar.is_trading_day(date(2025, 7, 4))
    assert not calendar.is_trading_day(date(2025, 12, 27))  # Saturday
    assert calendar.is_trading_day(date(2025, 12, 26))
    assert calendar.session_close(date(2025, 12, 25)) is None


def test_calendar_early_and_regular_closes(calendar: MarketCalendar) -> None:
    assert calendar.session_close(date(2025, 12, 24)) == datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    assert calendar.session_close(date(2025, 7, 3)) == datetime(2025, 7, 3, 17, 0, tzinfo=UTC)
    assert calendar.session_close(date(2025, 12, 26)) == datetime(2025, 12, 26, 21, 0, tzinfo=UTC)


def test_calendar_is_open(calendar: MarketCalendar) -> None:
    assert calendar.is_open(ny(2025, 12, 29, 9, 30))
    assert calendar.is_open(ny(2025, 12, 29, 15, 59))
    assert not calendar.is_open(ny(2025, 12, 29, 9, 29))
    assert not calendar.is_open(ny(2025, 12, 29, 16, 0))
    assert not calendar.is_open(ny(2025, 12, 24, 13, 30))  # early close at 13:00
    assert not calendar.is_open(ny(2025, 12, 25, 12))  # Christmas
    assert not calendar.is_open(ny(2025, 12, 27, 12))  # Saturday


def test_calendar_last_close(calendar: MarketCalendar) -> None:
    christmas_eve_close = datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    assert calendar.last_close(ny(2025, 12, 25, 12)) == christmas_eve_close
    assert calendar.last_close(christmas_eve_close) == christmas_eve_close
    # Monday before the open: the previous Friday's close
    assert calendar.last_close(ny(2025, 12, 29, 8)) == ny(2025, 12, 26, 16)
    # During a session: the previous session's close
    assert calendar.last_close(ny(2025, 12, 29, 11)) == ny(2025, 12, 26, 16)
    assert calendar.last_close(ny(2025, 12, 29, 11)).tzinfo == UTC


def test_calendar_outside_range_falls_back_to_weekdays() -> None:
    cal = MarketCalendar(start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert cal.load_seconds is None  # lazy: nothing built yet
    # 2040-12-25 is a Tuesday: beyond the range, weekdays are sessions (no holidays known)
    assert cal.is_trading_day(date(2040, 12, 25))
    assert cal.is_open(ny(2040, 12, 25, 10))
    assert not cal.is_open(ny(2040, 12, 25, 16, 30))
    assert not cal.is_trading_day(date(2040, 12, 22))  # Saturday
    assert cal.last_close(ny(2040, 12, 24, 8)) == ny(2040, 12, 21, 16)  # Monday -> Friday
    assert cal.is_open(ny(2019, 7, 3, 10))
    assert cal.load_seconds is not None


def test_calendar_rejects_naive_times(calendar: MarketCalendar) -> None:
    with pytest.raises(ValueError):
        calendar.is_open(datetime(2025, 12, 29, 10))


# -- CSV replay -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_csv_quote_is_latest_row_at_or_before_clock(csv_provider: CsvPriceProvider) -> None:
    snap = await csv_provider.snapshot("ACME", ny(2025, 12, 29, 17))
    q = snap.quote
    assert (q.symbol, q.last, q.source) == ("ACME", 118.40, "csv")
    assert q.as_of == ny(2025, 12, 29, 16)
    assert not q.market_open and not q.stale and q.at_close
    # rows of 12-30 and 12-31 are in the file but after the clock
    assert snap.bars[-1].ts == ny(2025, 12, 29, 16)
    assert len(snap.bars) == 69 and len(snap.bars) >= 60
    assert all(b.daily for b in snap.bars)
    assert [b.ts for b in snap.bars] == sorted(b.ts for b in snap.bars)


@pytest.mark.asyncio
async def test_csv_replay_ignores_later_rows(csv_provider: CsvPriceProvider) -> None:
    early = await csv_provider.snapshot("ACME", ny(2025, 11, 26, 17))
    assert early.quote.last == 112.80
    assert all(b.ts <= ny(2025, 11, 26, 17) for b in early.bars)
    with pytest.raises(PriceUnavailable, match=r"^ACME: no price at or before 2025-01-01"):
        await csv_provider.snapshot("ACME", ny(2025, 1, 1, 12))


@pytest.mark.asyncio
async def test_csv_holiday_shows_last_close_not_stale(csv_provider: CsvPriceProvider) -> None:
    snap = await csv_provider.snapshot("ACME", ny(2025, 12, 25, 12))
    assert snap.quote.last == 117.20
    assert snap.quote.as_of == datetime(2025, 12, 24, 18, 0, tzinfo=UTC)  # early close
    assert not snap.quote.market_open
    assert not snap.quote.stale


@pytest.mark.asyncio
async def test_csv_daily_close_is_stale_once_market_opens(
    csv_provider: CsvPriceProvider,
) -> None:
    snap = await csv_provider.snapshot("ACME", ny(2025, 12, 26, 11))
    assert snap.quote.as_of == datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    assert snap.quote.market_open
    assert snap.quote.stale


@pytest.mark.asyncio
async def test_csv_intraday_fresh_while_open(csv_provider: CsvPriceProvider) -> None:
    snap = await csv_provider.snapshot("MIXD", ny(2025, 12, 29, 10, 40))
    assert snap.quote.last == 54.80
    assert snap.quote.as_of == ny(2025, 12, 29, 10, 30)
    assert snap.quote.market_open and not snap.quote.stale
    # today's session is not complete: the last bar is Friday's, aggregated from intraday rows
    last = snap.bars[-1]
    assert last.ts == ny(2025, 12, 26, 16) and last.daily
    # the 08:00 pre-market row (60.00) is not part of the session bar
    assert (last.open, last.high, last.low, last.close, last.volume) == (
        54.0,
        56.0,
        53.5,
        54.1,
        5000.0,
    )
    assert snap.bars[-2].ts == datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    assert snap.bars[-2].close == 55.50


@pytest.mark.asyncio
async def test_csv_intraday_too_old_while_open_is_stale(calendar: MarketCalendar) -> None:
    at = ny(2025, 12, 29, 11, 45)  # last intraday row 11:00, 45 minutes ago
    strict = await CsvPriceProvider(FIXTURES, calendar).snapshot("MIXD", at)
    assert strict.quote.last == 55.00
    assert strict.quote.stale
    lenient = await CsvPriceProvider(FIXTURES, calendar, max_quote_age_minutes=60).snapshot(
        "MIXD", at
    )
    assert not lenient.quote.stale


@pytest.mark.asyncio
async def test_csv_daily_row_wins_after_close(csv_provider: CsvPriceProvider) -> None:
    snap = await csv_provider.snapshot("MIXD", ny(2025, 12, 29, 16, 30))
    assert snap.quote.last == 55.25
    assert snap.quote.as_of == ny(2025, 12, 29, 16)
    assert snap.quote.at_close
    assert snap.bars[-1].close == 55.25  # the daily row, not an aggregate of intraday rows


@pytest.mark.asyncio
async def test_csv_old_data_is_stale_when_closed(csv_provider: CsvPriceProvider) -> None:
    snap = await csv_provider.snapshot("OLDCO", ny(2025, 12, 20, 12))  # Saturday
    assert snap.quote.last == 27.25
    assert not snap.quote.market_open
    assert snap.quote.stale
    assert not snap.quote.at_close


@pytest.mark.asyncio
async def test_csv_symbol_spelling(csv_provider: CsvPriceProvider) -> None:
    snap = await csv_provider.snapshot("brk-b", ny(2025, 12, 23, 18))
    assert snap.quote.symbol == "BRK-B"
    assert snap.quote.last == 484.55


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "symbol", ["../ACME", "..", "/etc/passwd", "ACME/../ACME", "..\\ACME", "", "A B"]
)
async def test_csv_rejects_symbols_that_escape_folder(
    csv_provider: CsvPriceProvider, symbol: str
) -> None:
    with pytest.raises(PriceUnavailable, match="not a valid ticker symbol") as info:
        await csv_provider.snapshot(symbol, ny(2025, 12, 29, 17))
    assert "\n" not in str(info.value)


@pytest.mark.asyncio
async def test_csv_missing_file(csv_provider: CsvPriceProvider) -> None:
    with pytest.raises(PriceUnavailable, match=r"^ZZZZ: no price file ZZZZ\.csv"):
        await csv_provider.snapshot("ZZZZ", ny(2025, 12, 29, 17))


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("2025-12-22,1,2,0.5,abc,10\n", "line 2: close is not a number"),
        # with no good row left the file is unusable (a bad row among good ones is skipped:
        # tests/test_prices_bad_rows.py)
        ("2025-12-25,1,2,0.5,1.5,10\n", "line 2: 2025-12-25 is not"),
        ("2025-12-22T10:00:00,1,2,0.5,1.5,10\n", "no UTC offset"),
        ("2025-12-22,1,2,0.5\n", "expected 6 columns"),
    ],
)
async def test_csv_bad_rows_name_the_line(
    tmp_path: Path, calendar: MarketCalendar, body: str, reason: str
) -> None:
    (tmp_path / "BAD.csv").write_text(HEADER + body)
    with pytest.raises(PriceUnavailable, match=reason):
        await CsvPriceProvider(tmp_path, calendar).snapshot("BAD", ny(2025, 12, 29, 17))


@pytest.mark.asyncio
async def test_csv_bad_header(tmp_path: Path, calendar: MarketCalendar) -> None:
    (tmp_path / "BAD.csv").write_text("date,price\n2025-12-22,1\n")
    with pytest.raises(PriceUnavailable, match="header must be timestamp,open"):
        await CsvPriceProvider(tmp_path, calendar).snapshot("BAD", ny(2025, 12, 29, 17))


@pytest.mark.asyncio
async def test_csv_parsed_once_and_reloaded_when_file_changes(
    tmp_path: Path, calendar: MarketCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    real_parse = csv_module.parse_csv

    def counting_parse(path: Path, cal: MarketCalendar) -> list[Any]:
        calls.append(path)
        return real_parse(path, cal)

    monkeypatch.setattr(csv_module, "parse_csv", counting_parse)
    path = tmp_path / "XYZ.csv"
    path.write_text(HEADER + "2025-12-22,1,2,0.5,1.50,10\n")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    provider = CsvPriceProvider(tmp_path, calendar)
    at = ny(2025, 12, 29, 17)
    assert (await provider.snapshot("XYZ", at)).quote.last == 1.50
    assert (await provider.snapshot("XYZ", at)).quote.last == 1.50
    assert len(calls) == 1

    path.write_text(HEADER + "2025-12-22,1,2,0.5,1.75,10\n")
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    assert (await provider.snapshot("XYZ", at)).quote.last == 1.75
    assert len(calls) == 2


@pytest.mark.asyncio
async def test_csv_requires_aware_clock(csv_provider: CsvPriceProvider) -> None:
    with pytest.raises(ValueError):
        await csv_provider.snapshot("ACME", datetime(2025, 12, 29, 17))


# -- yfinance (fake ticker) -----------------------------------------------------------------


def daily_frame(days: list[date], closes: list[float]) -> pd.DataFrame:
    index = pd.DatetimeIndex([pd.Timestamp(d) for d in days], name="Date").tz_localize(
        "America/New_York"
    )
    return pd.DataFrame(
        {
            "Open": [c - 0.5 for c in closes],
            "High": [c + 1.0 for c in closes],
            "Low": [c - 1.0 for c in closes],
            "Close": closes,
            "Adj Close": closes,
            "Volume": [1000] * len(closes),
            "Dividends": [0.0] * len(closes),
            "Stock Splits": [0.0] * len(closes),
        },
        index=index,
    )


def minute_frame(times: list[datetime], closes: list[float]) -> pd.DataFrame:
    index = pd.to_datetime(times, utc=True).tz_convert("America/New_York").rename("Datetime")
    return pd.DataFrame(
        {
            "Open": closes,
            "High": closes,
            "Low": closes,
            "Close": closes,
            "Volume": [10] * len(closes),
        },
        index=index,
    )


SESSIONS = [
    date(2025, 12, 22),
    date(2025, 12, 23),
    date(2025, 12, 24),
    date(2025, 12, 26),
    date(2025, 12, 29),
]


class FakeTicker:
    def __init__(
        self, frames: dict[str, Any], calls: list[tuple[str, dict[str, Any]]], symbol: str
    ) -> None:
        self.frames = frames
        self.calls = calls
        self.symbol = symbol

    def history(self, **kwargs: Any) -> pd.DataFrame:
        self.calls.append((self.symbol, kwargs))
        frame = self.frames[kwargs["interval"]]
        if isinstance(frame, Exception):
            raise frame
        return frame


def fake_factory(frames: dict[str, Any], calls: list[tuple[str, dict[str, Any]]]) -> Any:
    return lambda symbol: FakeTicker(frames, calls, symbol)


def yf_provider(
    calendar: MarketCalendar,
    frames: dict[str, Any],
    calls: list[tuple[str, dict[str, Any]]] | None = None,
    timeout: float = 10,
) -> YFinancePriceProvider:
    return YFinancePriceProvider(
        calendar,
        timeout=timeout,
        ticker_factory=fake_factory(frames, [] if calls is None else calls),
    )


@pytest.mark.asyncio
async def test_yfinance_open_market_uses_latest_minute(calendar: MarketCalendar) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    frames = {
        # Yahoo includes today's unfinished bar in daily history
        "1d": daily_frame(SESSIONS, [480.0, 481.0, 482.0, 483.0, 490.0]),
        "1m": minute_frame(
            [ny(2025, 12, 29, 10, 37), ny(2025, 12, 29, 10, 38), ny(2025, 12, 29, 10, 39)],
            [486.0, 486.5, 487.25],
        ),
    }
    snap = await yf_provider(calendar, frames, calls).snapshot("brk.b", ny(2025, 12, 29, 10, 40))
    assert {sym for sym, _ in calls} == {"BRK-B"}
    assert sorted(kw["interval"] for _, kw in calls) == ["1d", "1m"]
    daily_kw = next(kw for _, kw in calls if kw["interval"] == "1d")
    minute_kw = next(kw for _, kw in calls if kw["interval"] == "1m")
    assert daily_kw["period"] == "6mo"
    assert minute_kw["period"] == "1d" and minute_kw["prepost"] is True
    q = snap.quote
    assert (q.last, q.source, q.market_open, q.stale) == (487.25, "yfinance", True, False)
    assert q.as_of == ny(2025, 12, 29, 10, 39)
    # the unfinished session is not a bar; the others carry their close times
    assert [b.ts for b in snap.bars] == [
        ny(2025, 12, 22, 16),
        ny(2025, 12, 23, 16),
        datetime(2025, 12, 24, 18, 0, tzinfo=UTC),
        ny(2025, 12, 26, 16),
    ]
    assert snap.bars[-1].close == 483.0


@pytest.mark.asyncio
async def test_yfinance_old_minute_bar_is_stale(calendar: MarketCalendar) -> None:
    frames = {
        "1d": daily_frame(SESSIONS[:-1], [480.0, 481.0, 482.0, 483.0]),
        "1m": minute_frame([ny(2025, 12, 29, 9, 31)], [484.0]),
    }
    snap = await yf_provider(calendar, frames).snapshot("AAPL", ny(2025, 12, 29, 10, 40))
    assert snap.quote.as_of == ny(2025, 12, 29, 9, 31)
    assert snap.quote.stale


@pytest.mark.asyncio
async def test_yfinance_closed_market_uses_last_close(calendar: MarketCalendar) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    frames = {"1d": daily_frame(SESSIONS[:3], [480.0, 481.0, 482.5])}
    snap = await yf_provider(calendar, frames, calls).snapshot("AAPL", ny(2025, 12, 25, 12))
    assert [kw["interval"] for _, kw in calls] == ["1d"]  # no intraday request when closed
    assert snap.quote.last == 482.5
    assert snap.quote.as_of == datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    assert snap.quote.at_close


@pytest.mark.asyncio
async def test_yfinance_skips_rows_without_close(calendar: MarketCalendar) -> None:
    frames = {"1d": daily_frame(SESSIONS[:3], [480.0, 481.0, float("nan")])}
    snap = await yf_provider(calendar, frames).snapshot("AAPL", ny(2025, 12, 25, 12))
    assert snap.quote.last == 481.0
    assert snap.quote.stale  # Dec 23 close is not the last session's close


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("frames", "at", "reason"),
    [
        ({"1d": daily_frame([], [])}, ny(2025, 12, 25, 12), "no daily history"),
        (
            {"1d": daily_frame(SESSIONS, [1.0] * 5), "1m": minute_frame([], [])},
            ny(2025, 12, 29, 10, 40),
            "no intraday prices",
        ),
        (
            {"1d": RuntimeError("HTTP 429\nToo Many Requests")},
            ny(2025, 12, 25, 12),
            "Yahoo Finance error: HTTP 429 Too Many Requests",
        ),
    ],
)
async def test_yfinance_failures_are_price_unavailable(
    calendar: MarketCalendar, frames: dict[str, Any], at: datetime, reason: str
) -> None:
    with pytest.raises(PriceUnavailable) as info:
        await yf_provider(calendar, frames).snapshot("AAPL", at)
    assert str(info.value).startswith("AAPL: ")
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.asyncio
async def test_yfinance_factory_error(calendar: MarketCalendar) -> None:
    def broken(symbol: str) -> Any:
        raise ConnectionError("name resolution failed")

    provider = YFinancePriceProvider(calendar, ticker_factory=broken)
    # a network failure says so (it used to read "Yahoo Finance error: name resolution failed")
    with pytest.raises(PriceUnavailable, match="AAPL: Yahoo Finance unreachable") as info:
        await provider.snapshot("AAPL", ny(2025, 12, 25, 12))
    assert info.value.unreachable and info.value.detail == "name resolution failed"


@pytest.mark.asyncio
async def test_yfinance_timeout(calendar: MarketCalendar) -> None:
    release = threading.Event()

    class SlowTicker:
        def history(self, **kwargs: Any) -> pd.DataFrame:
            release.wait(5)
            return daily_frame([], [])

    provider = YFinancePriceProvider(calendar, timeout=0.05, ticker_factory=lambda s: SlowTicker())
    try:
        with pytest.raises(PriceUnavailable, match="AAPL: Yahoo Finance timed out after 0.05 s"):
            await provider.snapshot("AAPL", ny(2025, 12, 25, 12))
    finally:
        release.set()


def test_yahoo_symbol_mapping() -> None:
    assert normalise_ticker("BRK-B") == "BRK-B"
    assert normalise_ticker("brk.b") == "BRK-B"
    assert normalise_ticker("$aapl") == "AAPL"
