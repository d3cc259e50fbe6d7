"""The backtest's prices: what the engine may see at the replay instant, and the bars after it.

`ReplayPrices` is the engine's price provider during a replay: the CSV provider, refusing any
time after the replay clock's `now` (the provider itself only reads rows at or before the time
it is given), and noting which symbols the engine priced: those are the digest's candidates
whose news could make a signal, the days and tickers the baselines trade.

`History` holds every file's daily bars for what happens after a signal: the entry (the first
price at or after the signal) and the path its outcome is followed on. The engine never sees it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from engine.clock import Clock
from engine.errors import UserError
from engine.market import NEW_YORK, MarketCalendar
from engine.models import Bar
from engine.outcomes import Step
from engine.prices import PriceSnapshot
from engine.prices.csv import CsvError, CsvPriceProvider, parse_csv
from engine.ticker import safe_ticker

# A replayed quote is the last close before the digest; the levels made from it are moved to the
# entry (see `engine.backtest.trades`), so its age does not matter and it is never "stale".
REPLAY_QUOTE_AGE_MINUTES = 60.0 * 24 * 365


@dataclass(frozen=True)
class Priced:
    """A candidate the engine priced at a replay instant (snapshot None: no price for it)."""

    symbol: str
    at: datetime
    snapshot: PriceSnapshot | None


class ReplayPrices:
    """The CSV provider restricted to the replay clock's `now`, recording what it was asked."""

    name = "csv"

    def __init__(self, folder: Path, calendar: MarketCalendar, clock: Clock) -> None:
        self.inner = CsvPriceProvider(folder, calendar, REPLAY_QUOTE_AGE_MINUTES)
        self.calendar = calendar
        self.clock = clock
        self.asked: list[Priced] = []

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        if now > self.clock.now():
            raise AssertionError(f"price asked for {now} after the replay clock")
        try:
            snap = await self.inner.snapshot(symbol, now)
        except Exception:
            self.asked.append(Priced(symbol, now, None))
            raise
        self.asked.append(Priced(symbol, now, snap))
        return snap

    def take(self) -> list[Priced]:
        """What was asked since the last call, by symbol (lookups run concurrently: their order
        is not the same from one run to the next, and the random baseline must be)."""
        asked, self.asked = self.asked, []
        return sorted(asked, key=lambda p: (p.at, p.symbol))


@dataclass
class Series:
    """One ticker's daily bars with each session's open time."""

    bars: list[Bar]
    opens: list[datetime]
    closes: list[datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.closes = [b.ts for b in self.bars]

    def first_at_or_after(self, at: datetime) -> tuple[int, float, datetime] | None:
        """(bar index, price, time) of the first price at or after `at`: a session's open when
        `at` is at or before it, else that session's close; None past the data's end."""
        i = bisect.bisect_left(self.closes, at)
        if i == len(self.bars):
            return None
        if self.opens[i] >= at:
            return i, self.bars[i].open, self.opens[i]
        return i, self.bars[i].close, self.closes[i]

    def steps(self, start: int, count: int) -> list[Step]:
        """`count` daily bars from index `start` as an outcome path (each starts at its open)."""
        return [
            Step(self.opens[i], self.bars[i].ts.astimezone(NEW_YORK).date(), self.bars[i])
            for i in range(start, min(start + count, len(self.bars)))
        ]


class History:
    """Every price file's daily bars, read once; UserError when the folder cannot be used."""

    def __init__(self, folder: Path, calendar: MarketCalendar) -> None:
        self.folder = folder
        self.calendar = calendar
        self.series: dict[str, Series] = {}

    @classmethod
    def load(cls, folder: Path, calendar: MarketCalendar) -> History:
        if not folder.is_dir():
            problem = "is not a folder" if folder.exists() else "does not exist"
            raise UserError(f"--prices: {folder} {problem}")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise UserError(f"--prices: {folder} has no .csv price files")
        history = cls(folder, calendar)
        for path in files:
            symbol = safe_ticker(path.stem)
            if symbol is None:
                continue
            history.series[symbol] = history._read(path)
        return history

    def _read(self, path: Path) -> Series:
        try:
            data = parse_csv(path, self.calendar)
        except CsvError as exc:
            raise UserError(f"--prices: {path.name}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"--prices: cannot read {path.name}: {exc}") from None
        bars = [b for b in data.bars if b.daily]
        if not bars:
            raise UserError(f"--prices: {path.name} has no usable daily bar")
        opens = []
        for bar in bars:
            session = self.calendar.session(bar.ts.astimezone(NEW_YORK).date())
            opens.append(session[0] if session else bar.ts - timedelta(hours=6, minutes=30))
        return Series(bars, opens)

    def get(self, symbol: str) -> Series | None:
        cleaned = safe_ticker(symbol)
        return self.series.get(cleaned) if cleaned else None

    def sessions(self, first: date, last: date) -> list[date]:
        """The trading days from `first` to `last`, both included."""
        days, day = [], first
        while day <= last:
            if self.calendar.is_trading_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days
