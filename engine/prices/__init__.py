"""Prices: the quote shown with a signal, and the daily bars its technicals are made from.

Two providers share one `PriceProvider` protocol:

* `CsvPriceProvider` replays prices from CSV files (tests, the demo, `--at` backtests).
* `YFinancePriceProvider` asks Yahoo Finance through `yfinance`.

Both apply the same staleness rule (see `is_stale`): a stale price is never shown as current.
Every quote carries the time it was valid (`Quote.as_of`); a provider that cannot tell the time
of a price raises `PriceUnavailable` rather than guess.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from engine.market import NEW_YORK, MarketCalendar
from engine.models import Bar, Quote
from engine.prices.csv import CsvData, CsvError, bad_rows_note
from engine.prices.csv import parse_csv as _parse_csv  # a name tests can count calls to
from engine.prices.failures import YAHOO, PriceUnavailable, raising, yahoo_failure
from engine.ticker import normalise_ticker, safe_ticker

CLOSE_TOLERANCE = timedelta(minutes=15)
"""With the market closed, a quote this close to (or after) the last session close counts as
that close (intraday files and 1-minute bars are stamped a little before the bell)."""

MAX_BARS = 260
"""At most this many daily bars (about a year) are returned for technicals."""



@dataclass(frozen=True)
class PriceSnapshot:
    quote: Quote
    bars: list[Bar]  # completed daily sessions at or before `now`, oldest first
    warnings: tuple[str, ...] = ()  # data skipped on the way, e.g. a bad row of a price file


class PriceProvider(Protocol):
    name: str
    calendar: MarketCalendar

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot: ...


# -- shared rules ---------------------------------------------------------------------------


def is_stale(as_of: datetime, now: datetime, calendar: MarketCalendar, max_age: timedelta) -> bool:
    """The staleness rule users rely on.

    Market open at `now`: stale when the quote is older than `max_age`.
    Market closed: fine when the quote is the last session's close (`as_of` no earlier than
    `last_close(now) - CLOSE_TOLERANCE`), stale otherwise (e.g. data from days ago).
    """
    if calendar.is_open(now):
        return now - as_of > max_age
    return as_of < calendar.last_close(now) - CLOSE_TOLERANCE


def _make_quote(
    symbol: str,
    last: float,
    as_of: datetime,
    now: datetime,
    calendar: MarketCalendar,
    max_age: timedelta,
    source: str,
) -> Quote:
    if not (math.isfinite(last) and last > 0):
        raise PriceUnavailable(symbol, f"the latest price {last:g} is not a positive price")
    return Quote(
        symbol=symbol,
        last=last,
        as_of=as_of,
        stale=is_stale(as_of, now, calendar, max_age),
        market_open=calendar.is_open(now),
        source=source,
    )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got {now!r}")


def _aggregate_session(close_at: datetime, rows: list[Bar]) -> Bar:
    return Bar(
        ts=close_at,
        open=rows[0].open,
        high=max(r.high for r in rows),
        low=min(r.low for r in rows),
        close=rows[-1].close,
        volume=sum(r.volume for r in rows),
        daily=True,
    )


def daily_bars(rows: Iterable[Bar], now: datetime, calendar: MarketCalendar) -> list[Bar]:
    """Completed daily bars at or before `now`, oldest first, at most `MAX_BARS`.

    Daily rows are used as they are. A session with intraday rows but no daily row gets one
    bar aggregated from its intraday rows inside regular hours (open <= ts <= close). The
    session still running at `now` is left out: its bar is not complete yet.
    """
    daily: dict[date, Bar] = {}
    intraday: dict[date, list[Bar]] = {}
    for row in rows:
        if row.ts > now:
            continue
        day = row.ts.astimezone(NEW_YORK).date()
        if row.daily:
            daily[day] = row
        else:
            intraday.setdefault(day, []).append(row)
    for day, group in intraday.items():
        if day in daily:
            continue
        session = calendar.session(day)
        if session is None or session[1] > now:
            continue
        inside = [r for r in group if session[0] <= r.ts <= session[1]]
        if inside:
            daily[day] = _aggregate_session(session[1], inside)
    return [daily[d] for d in sorted(daily)][-MAX_BARS:]


# -- CSV replay -----------------------------------------------------------------------------


class CsvPriceProvider:
    """Replays prices from `folder/SYMBOL.csv` (header `timestamp,open,high,low,close,volume`).

    A timestamp is either a plain date (a daily bar, valid at that session's close, early
    closes included) or an ISO-8601 time with a UTC offset (an intraday price, valid at that
    time). Daily and intraday rows may be mixed. The quote is the latest row at or before `now`;
    rows after `now` are ignored. Files are parsed once and cached by path and mtime.
    """

    name = "csv"

    def __init__(
        self,
        folder: Path,
        calendar: MarketCalendar,
        max_quote_age_minutes: float = 30,
        *,
        timeout: float = 5,
    ) -> None:
        self.folder = Path(folder)
        self.calendar = calendar
        self.max_age = timedelta(minutes=max_quote_age_minutes)
        self.timeout = timeout
        self._cache: dict[Path, tuple[int, int, CsvData]] = {}

    def path_for(self, symbol: str) -> Path | None:
        """The file for `symbol`, or None when the symbol cannot name a file in the folder.

        Symbols are upper-cased and limited to letters, digits and `.-=^`, starting with a
        letter or digit, so no symbol can contain a path separator or be `..`.
        """
        cleaned = safe_ticker(symbol)
        if cleaned is None:
            return None
        return self.folder / f"{cleaned}.csv"

    def _load(self, path: Path) -> CsvData:
        stat = path.stat()
        cached = self._cache.get(path)
        if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
            return cached[2]
        data = _parse_csv(path, self.calendar)
        self._cache[path] = (stat.st_mtime_ns, stat.st_size, data)
        return data

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        _require_aware(now)
        path = self.path_for(symbol)
        if path is None:
            raise PriceUnavailable(symbol, "not a valid ticker symbol")
        shown = path.name.removesuffix(".csv")
        if not path.is_file():
            raise PriceUnavailable(
                shown, f"no price file {path.name}", detail=f"looked in {self.folder}"
            )
        try:
            data = await asyncio.wait_for(asyncio.to_thread(self._load, path), self.timeout)
        except TimeoutError:
            raise PriceUnavailable(shown, f"reading {path.name} timed out") from None
        except CsvError as exc:
            raise PriceUnavailable(shown, f"{path.name} {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PriceUnavailable(shown, f"cannot read {path.name}: {exc}") from None
        rows = data.bars
        if not rows and data.bad_rows:
            raise PriceUnavailable(shown, f"{path.name} has no usable row ({data.bad_rows[0]})")
        upto = bisect.bisect_right(rows, now, key=lambda b: b.ts)
        if upto == 0:
            raise PriceUnavailable(shown, f"no price at or before {now.isoformat()}")
        latest = rows[upto - 1]
        quote = _make_quote(
            shown, latest.close, latest.ts, now, self.calendar, self.max_age, self.name
        )
        warnings = (bad_rows_note(path.name, data.bad_rows),) if data.bad_rows else ()
        return PriceSnapshot(quote, daily_bars(rows[:upto], now, self.calendar), warnings)


# -- Yahoo Finance --------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _frame_rows(frame: Any) -> list[tuple[Any, float, float, float, float, float]]:
    """(index, open, high, low, close, volume) of each yfinance row with a positive close."""
    rows = []
    for stamp, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        close = _number(rec.get("Close"))
        if close is None or close <= 0:
            continue
        open_, high, low = (_number(rec.get(k)) for k in ("Open", "High", "Low"))
        rows.append(
            (
                stamp,
                close if open_ is None else open_,
                close if high is None else high,
                close if low is None else low,
                close,
                _number(rec.get("Volume")) or 0.0,
            )
        )
    return rows


def _aware(stamp: Any) -> datetime | None:
    moment = stamp.to_pydatetime() if hasattr(stamp, "to_pydatetime") else stamp
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return None
    return moment


class YFinancePriceProvider:
    """Prices from Yahoo Finance via `yfinance` (network; blocking calls run in a thread).

    Bars: daily history (`period="6mo", interval="1d"`), each bar stamped with its session
    close. Quote: with the market open, the latest 1-minute bar (`period="1d", interval="1m"`,
    pre/post market included), valid at that bar's timestamp; with the market closed, the last
    completed daily bar, valid at its session close. Empty data, errors and timeouts raise
    `PriceUnavailable`.
    """

    name = "yfinance"

    def __init__(
        self,
        calendar: MarketCalendar,
        max_quote_age_minutes: float = 30,
        timeout: float = 10,
        ticker_factory: Callable[[str], Any] | None = None,
    ) -> None:
        self.calendar = calendar
        self.max_age = timedelta(minutes=max_quote_age_minutes)
        self.timeout = timeout
        self._ticker_factory = ticker_factory

    def _ticker(self, symbol: str) -> Any:
        if self._ticker_factory is not None:
            return self._ticker_factory(symbol)
        import yfinance

        return raising(yfinance).Ticker(symbol)

    def _fetch(self, symbol: str, want_intraday: bool) -> tuple[Any, Any]:
        ticker = self._ticker(normalise_ticker(symbol))
        daily = ticker.history(period="6mo", interval="1d", auto_adjust=False)
        intraday = None
        if want_intraday:
            intraday = ticker.history(period="1d", interval="1m", prepost=True, auto_adjust=False)
        return daily, intraday

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        _require_aware(now)
        cleaned = safe_ticker(symbol)
        if cleaned is None:
            raise PriceUnavailable(symbol, "not a valid ticker symbol")
        market_open = self.calendar.is_open(now)
        try:
            daily, intraday = await asyncio.wait_for(
                asyncio.to_thread(self._fetch, cleaned, market_open), self.timeout
            )
        except TimeoutError:
            raise PriceUnavailable(
                cleaned, f"{YAHOO} timed out after {self.timeout:g} s", unreachable=True
            ) from None
        except Exception as exc:
            raise yahoo_failure(cleaned, exc) from None

        bars = self._daily_bars(cleaned, daily, now)
        if market_open:
            as_of, last = self._latest_minute(cleaned, intraday, now)
        else:
            if not bars:
                raise PriceUnavailable(cleaned, "Yahoo Finance has no completed daily bar")
            as_of, last = bars[-1].ts, bars[-1].close
        quote = _make_quote(cleaned, last, as_of, now, self.calendar, self.max_age, self.name)
        return PriceSnapshot(quote=quote, bars=bars)

    def _daily_bars(self, symbol: str, frame: Any, now: datetime) -> list[Bar]:
        if frame is None or len(frame) == 0:
            raise PriceUnavailable(symbol, f"{YAHOO} has no daily history for it")
        bars = []
        for stamp, open_, high, low, close, volume in _frame_rows(frame):
            close_at = self.calendar.session_close(stamp.date())
            if close_at is None or close_at > now:
                continue  # not a session, or not finished at `now`
            bars.append(Bar(close_at, open_, high, low, close, volume, daily=True))
        bars.sort(key=lambda b: b.ts)
        return bars[-MAX_BARS:]

    def _latest_minute(self, symbol: str, frame: Any, now: datetime) -> tuple[datetime, float]:
        if frame is None or len(frame) == 0:
            raise PriceUnavailable(symbol, "Yahoo Finance returned no intraday prices")
        latest: tuple[datetime, float] | None = None
        for stamp, *_, close, _volume in _frame_rows(frame):
            moment = _aware(stamp)
            if moment is None:
                raise PriceUnavailable(symbol, "Yahoo Finance intraday prices have no time zone")
            if moment <= now and (latest is None or moment > latest[0]):
                latest = (moment, close)
        if latest is None:
            raise PriceUnavailable(symbol, f"no intraday price at or before {now.isoformat()}")
        return latest
