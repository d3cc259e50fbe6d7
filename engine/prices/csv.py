"""The CSV price file format: `timestamp,open,high,low,close,volume`, one bar per row.

A timestamp is a plain date (a daily bar, valid at that session's close) or an ISO-8601 time
with a UTC offset (an intraday price). Prices must be positive numbers, volume empty or 0 and up.
A bad row is set aside with its line number and reason; the rest of the file is kept.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from engine.market import MarketCalendar
from engine.models import Bar

HEADER = ["timestamp", "open", "high", "low", "close", "volume"]


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
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header] != HEADER:
            raise CsvError(f"header must be {','.join(HEADER)}")
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            try:
                if len(row) != len(HEADER):
                    raise CsvError(f"expected 6 columns, got {len(row)}")
                data.bars.append(_parse_row(row, calendar))
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


def _parse_row(row: list[str], calendar: MarketCalendar) -> Bar:
    stamp = row[0].strip()
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
        _parse_float(row[i], name) for i, name in enumerate(HEADER[1:5], start=1)
    )
    volume = _parse_float(row[5], "volume", volume=True)
    return Bar(ts=ts, open=open_, high=high, low=low, close=close, volume=volume, daily=daily)
