"""Prices replayed from CSV files: `CsvPriceProvider`, and the file format it reads.

The format: `timestamp,open,high,low,close,volume`, one bar per row. Headers are read by name,
in any case and order, so exported files work as they are: `Date` (or `Datetime`) may stand for
`timestamp`, `volume` may be missing, other columns (Yahoo's `Adj Close`) are ignored, and a row
whose prices are `null` (how Yahoo writes a day it has no data for) is skipped without a note.

A timestamp is a plain date (a daily bar, valid at that session's close) or an ISO-8601 time
with a UTC offset (an intraday price). Prices must be positive numbers, volume empty or 0 and up.
A bad row is set aside with its line number and reason; the rest of the file is kept.
"""

from __future__ import annotations

import asyncio
import bisect
import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from engine.market import NEW_YORK, MarketCalendar, require_aware
from engine.models import Bar
from engine.prices import MAX_BARS, PriceSnapshot, make_quote
from engine.prices.failures import PriceUnavailable
from engine.ticker import safe_ticker

HEADER = ["timestamp", "open", "high", "low", "close", "volume"]
TIME_NAMES = ("timestamp", "date", "datetime")  # the first column found of these is the time
NULL = "null"


@dataclass(frozen=True)
class Columns:
    """Where each field is in a file's rows (volume: None when the file has no such column)."""

    time: int
    prices: tuple[int, int, int, int]  # open, high, low, close
    volume: int | None
    width: int


def read_header(header: list[str] | None) -> Columns:
    """The columns of a price file from its header; CsvError naming what is missing."""
    names = [h.strip().lower() for h in header or []]
    if header is not None:
        names[0] = names[0].removeprefix("\ufeff")  # a byte-order mark from a spreadsheet
    found = {name: i for i, name in reversed(list(enumerate(names)))}
    time_at = next((found[n] for n in TIME_NAMES if n in found), None)
    missing = [n for n in HEADER[1:5] if n not in found]
    if time_at is None or missing:
        what = ", ".join((["timestamp (or date)"] if time_at is None else []) + missing)
        raise CsvError(
            f"header must be {','.join(HEADER)} (any case and order, Date for timestamp, "
            f"volume optional, other columns ignored): no {what} column"
        )
    prices = (found["open"], found["high"], found["low"], found["close"])
    return Columns(time_at, prices, found.get("volume"), len(names))


class CsvError(Exception):
    pass


def _parse_float(text: str, what: str, *, volume: bool = False) -> float:
    """A price (> 0) or a volume (>= 0, empty is 0) from one CSV cell."""
    text = text.strip()
    if not text and volume:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise CsvError(f"{what} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise CsvError(f"{what} is not a finite number: {text!r}")
    if volume and value < 0:
        raise CsvError(f"{what} {text} is negative")
    if not volume and value <= 0:
        raise CsvError(f"{what} {text} is not a positive price")
    return value


@dataclass(frozen=True)
class CsvData:
    bars: list[Bar]  # the usable rows, sorted by time (a daily row after an intraday row at a tie)
    bad_rows: list[str]  # "line 7: 2026-09-07 is not a trading day", in file order


def parse_csv(path: Path, calendar: MarketCalendar) -> CsvData:
    """The rows of one price file; a bad row is set aside with its reason, the rest are kept."""
    data = CsvData([], [])
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        columns = read_header(next(reader, None))
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            try:
                if len(row) != columns.width:
                    raise CsvError(f"expected {columns.width} columns, got {len(row)}")
                if any(row[i].strip().lower() == NULL for i in columns.prices):
                    continue
                data.bars.append(_parse_row(row, columns, calendar))
            except CsvError as exc:
                data.bad_rows.append(f"line {line_no}: {exc}")
    data.bars.sort(key=lambda b: (b.ts, b.daily))
    return data


def bad_rows_note(name: str, bad_rows: list[str]) -> str:
    """ "TSLA.csv: skipped line 7 (2026-09-07 is not a trading day)", or the first of several."""
    first = bad_rows[0]
    if len(bad_rows) == 1:
        line, _, why = first.partition(": ")
        return f"{name}: skipped {line} ({why})"
    return f"{name}: skipped {len(bad_rows)} bad rows, the first {first}"


def _parse_row(row: list[str], columns: Columns, calendar: MarketCalendar) -> Bar:
    stamp = row[columns.time].strip()
    daily = len(stamp) == 10
    if daily:
        try:
            day = date.fromisoformat(stamp)
        except ValueError:
            raise CsvError(f"bad date {stamp!r}") from None
        close_at = calendar.session_close(day)
        if close_at is None:
            raise CsvError(f"{stamp} is not a trading day")
        ts = close_at
    else:
        try:
            ts = datetime.fromisoformat(stamp)
        except ValueError:
            raise CsvError(f"bad timestamp {stamp!r}") from None
        if ts.tzinfo is None:
            raise CsvError(f"timestamp {stamp!r} has no UTC offset")
    open_, high, low, close = (
        _parse_float(row[i], name) for i, name in zip(columns.prices, HEADER[1:5], strict=True)
    )
    volume = 0.0
    if columns.volume is not None:
        volume = _parse_float(row[columns.volume], "volume", volume=True)
    return Bar(ts=ts, open=open_, high=high, low=low, close=close, volume=volume, daily=daily)


# -- replay ---------------------------------------------------------------------------------


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


class CsvPriceProvider:
    """Replays prices from `folder/SYMBOL.csv` (header `timestamp,open,high,low,close,volume`,
    read by name: see the module's docstring).

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
        data = parse_csv(path, self.calendar)
        self._cache[path] = (stat.st_mtime_ns, stat.st_size, data)
        return data

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        require_aware(now)
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
        quote = make_quote(
            shown, latest.close, latest.ts, now, self.calendar, self.max_age, self.name
        )
        warnings = (bad_rows_note(path.name, data.bad_rows),) if data.bad_rows else ()
        return PriceSnapshot(quote, daily_bars(rows[:upto], now, self.calendar), warnings)

    async def intraday_bars(self, symbol: str, start: datetime, end: datetime) -> list[Bar]:
        """The file's intraday rows from `start` to `end` (what tells which level came first);
        [] when it has none. A file that cannot be read raises PriceUnavailable."""
        path = self.path_for(symbol)
        if path is None or not path.is_file():
            return []
        try:
            data = await asyncio.wait_for(asyncio.to_thread(self._load, path), self.timeout)
        except (TimeoutError, CsvError, OSError, UnicodeDecodeError) as exc:
            raise PriceUnavailable(symbol, f"cannot read {path.name}: {exc}") from None
        return [b for b in data.bars if not b.daily and start <= b.ts <= end]
