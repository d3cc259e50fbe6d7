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
import csv
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from engine.market import NEW_YORK, MarketCalendar
from engine.models import Bar, Quote

CLOSE_TOLERANCE = timedelta(minutes=15)
"""With the market closed, a quote this close to (or after) the last session close counts as
that close (intraday files and 1-minute bars are stamped a little before the bell)."""

MAX_BARS = 260
"""At most this many daily bars (about a year) are returned for technicals."""

_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-=^]{0,19}$")
_HEADER = ["timestamp", "open", "high", "low", "close", "volume"]


class PriceUnavailable(Exception):
    """No usable price for a symbol. The message is one line: "SYMBOL: reason"."""

    def __init__(self, symbol: str, reason: str) -> None:
        reason = " ".join(str(reason).split()) or "unknown error"
        if len(reason) > 200:
            reason = reason[:197] + "..."
        self.symbol = symbol
        self.reason = reason
        super().__init__(f"{symbol}: {reason}")


@dataclass(frozen=True)
class PriceSnapshot:
    quote: Quote
    bars: list[Bar]  # completed daily sessions at or before `now`, oldest first


class PriceProvider(Protocol):
    name: str

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


def normalize_symbol(symbol: str) -> str | None:
    """Upper-cased symbol if it is safe to use as a file name / Yahoo ticker, else None."""
    cleaned = symbol.strip().lstrip("$").upper()
    return cleaned if _SYMBOL_RE.match(cleaned) else None


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


class _CsvError(Exception):
    pass


def _parse_float(text: str, what: str, *, empty_ok: bool = False) -> float:
    text = text.strip()
    if not text and empty_ok:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise _CsvError(f"{what} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise _CsvError(f"{what} is not a finite number: {text!r}")
    return value


def _parse_csv(path: Path, calendar: MarketCalendar) -> list[Bar]:
    """All rows of one price file, sorted by time (a daily row after an intraday row at a tie)."""
    bars: list[Bar] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header] != _HEADER:
            raise _CsvError(f"header must be {','.join(_HEADER)}")
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(_HEADER):
                raise _CsvError(f"line {line_no}: expected 6 columns, got {len(row)}")
            try:
                bars.append(_parse_row(row, calendar))
            except _CsvError as exc:
                raise _CsvError(f"line {line_no}: {exc}") from None
    bars.sort(key=lambda b: (b.ts, b.daily))
    return bars


def _parse_row(row: list[str], calendar: MarketCalendar) -> Bar:
    stamp = row[0].strip()
    daily = len(stamp) == 10
    if daily:
        try:
            day = date.fromisoformat(stamp)
        except ValueError:
            raise _CsvError(f"bad date {stamp!r}") from None
        close_at = calendar.session_close(day)
        if close_at is None:
            raise _CsvError(f"{stamp} is not a trading day")
        ts = close_at
    else:
        try:
            ts = datetime.fromisoformat(stamp)
        except ValueError:
            raise _CsvError(f"bad timestamp {stamp!r}") from None
        if ts.tzinfo is None:
            raise _CsvError(f"timestamp {stamp!r} has no UTC offset")
    open_, high, low, close = (
        _parse_float(row[i], name) for i, name in enumerate(_HEADER[1:5], start=1)
    )
    volume = _parse_float(row[5], "volume", empty_ok=True)
    return Bar(ts=ts, open=open_, high=high, low=low, close=close, volume=volume, daily=daily)


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
        self._cache: dict[Path, tuple[int, int, list[Bar]]] = {}

    def path_for(self, symbol: str) -> Path | None:
        """The file for `symbol`, or None when the symbol cannot name a file in the folder.

        Symbols are upper-cased and limited to letters, digits and `.-=^`, starting with a
        letter or digit, so no symbol can contain a path separator or be `..`.
        """
        cleaned = normalize_symbol(symbol)
        if cleaned is None:
            return None
        return self.folder / f"{cleaned}.csv"

    def _load(self, path: Path) -> list[Bar]:
        stat = path.stat()
        cached = self._cache.get(path)
        if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
            return cached[2]
        bars = _parse_csv(path, self.calendar)
        self._cache[path] = (stat.st_mtime_ns, stat.st_size, bars)
        return bars

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        _require_aware(now)
        path = self.path_for(symbol)
        if path is None:
            raise PriceUnavailable(symbol, "not a valid ticker symbol")
        shown = path.name.removesuffix(".csv")
        if not path.is_file():
            raise PriceUnavailable(shown, f"no price file {path.name} in {self.folder}")
        try:
            rows = await asyncio.wait_for(asyncio.to_thread(self._load, path), self.timeout)
        except TimeoutError:
            raise PriceUnavailable(shown, f"reading {path.name} timed out") from None
        except _CsvError as exc:
            raise PriceUnavailable(shown, f"{path.name} {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PriceUnavailable(shown, f"cannot read {path.name}: {exc}") from None
        upto = bisect.bisect_right(rows, now, key=lambda b: b.ts)
        if upto == 0:
            raise PriceUnavailable(shown, f"no price at or before {now.isoformat()}")
        latest = rows[upto - 1]
        quote = _make_quote(
            shown, latest.close, latest.ts, now, self.calendar, self.max_age, self.name
        )
        return PriceSnapshot(quote=quote, bars=daily_bars(rows[:upto], now, self.calendar))


# -- Yahoo Finance --------------------------------------------------------------------------


def yahoo_symbol(symbol: str) -> str:
    """Our (SEC) spelling to Yahoo's: class shares use a dash on both (BRK-B); BRK.B -> BRK-B."""
    return symbol.strip().lstrip("$").upper().replace(".", "-")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _frame_rows(frame: Any) -> list[tuple[Any, float, float, float, float, float]]:
    """(index, open, high, low, close, volume) of each yfinance row that has a close."""
    rows = []
    for stamp, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        close = _number(rec.get("Close"))
        if close is None:
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

        return yfinance.Ticker(symbol)

    def _fetch(self, symbol: str, want_intraday: bool) -> tuple[Any, Any]:
        ticker = self._ticker(yahoo_symbol(symbol))
        daily = ticker.history(period="6mo", interval="1d", auto_adjust=False)
        intraday = None
        if want_intraday:
            intraday = ticker.history(period="1d", interval="1m", prepost=True, auto_adjust=False)
        return daily, intraday

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        _require_aware(now)
        cleaned = normalize_symbol(symbol)
        if cleaned is None:
            raise PriceUnavailable(symbol, "not a valid ticker symbol")
        market_open = self.calendar.is_open(now)
        try:
            daily, intraday = await asyncio.wait_for(
                asyncio.to_thread(self._fetch, cleaned, market_open), self.timeout
            )
        except TimeoutError:
            raise PriceUnavailable(
                cleaned, f"Yahoo Finance timed out after {self.timeout:g} s"
            ) from None
        except Exception as exc:
            raise PriceUnavailable(cleaned, f"Yahoo Finance error: {exc}") from None

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
            raise PriceUnavailable(symbol, "Yahoo Finance returned no daily history")
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
