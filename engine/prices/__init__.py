"""Prices: the quote shown with a signal, and the daily bars its technicals are made from.

Two providers share one `PriceProvider` protocol:

* `CsvPriceProvider` (csv.py) replays prices from CSV files (tests, the demo, `--at` backtests).
* `YFinancePriceProvider` (yahoo.py) asks Yahoo Finance through `yfinance`.

Both apply the same staleness rule (see `is_stale`): a stale price is never shown as current.
Every quote carries the time it was valid (`Quote.as_of`); a provider that cannot tell the time
of a price raises `PriceUnavailable` rather than guess. `lookup.py` prices a round of symbols.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from engine.market import MarketCalendar
from engine.models import Bar, Quote
from engine.prices.failures import PriceUnavailable

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


def make_quote(
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
