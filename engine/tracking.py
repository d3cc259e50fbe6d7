"""Keeping the record: every recorded signal followed to its outcome on the prices that came after.

`resolve` takes the signals without an outcome, builds each one's price path from the provider's
bars and lets engine/outcomes.py `follow` judge it; the closed ones are recorded once
(engine/store/outcomes.py), so resolving again changes nothing. A path is made of sessions that
have closed: a session's intraday bars where the provider has them and they account for its whole
range (which level came first is then known), else its daily bar, which starts at the session's
open (so a signal made during a session is followed from the next one on daily bars). A symbol
without prices (an outage) leaves its signals open, and the resolution says so.

`trades` reads the record back for engine/performance.py: one Trade per signal, open or closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from engine.market import NEW_YORK, MarketCalendar
from engine.models import Bar
from engine.outcomes import DEFAULT_HORIZON, Followed, Outcome, Reversal, Step, follow
from engine.performance import Trade
from engine.prices import PriceProvider
from engine.prices.failures import PriceUnavailable
from engine.store import Store
from engine.store.outcomes import BarKind, StoredOutcome, TrackedSignal

log = logging.getLogger(__name__)
CONCURRENCY = 4  # symbols priced at once
RANGE_TOLERANCE = 1e-4  # relative (a cent at 100): intraday bars must reach the daily range


@runtime_checkable
class IntradayPrices(Protocol):
    """A provider that can also give intraday bars (the CSV files, Yahoo for recent days)."""

    async def intraday_bars(self, symbol: str, start: datetime, end: datetime) -> list[Bar]:
        """Intraday bars from `start` to `end`, oldest first; [] when there are none."""
        ...


@dataclass
class Resolution:
    """What one pass did: the signals it closed, how many stay open, which symbols had no price."""

    resolved: list[tuple[TrackedSignal, Outcome, BarKind]] = field(default_factory=list)
    recorded: int = 0  # of `resolved`, how many were new in the store (0 on a second pass)
    still_open: int = 0
    unpriced: dict[str, str] = field(default_factory=dict)  # symbol -> why (signals left open)


@dataclass(frozen=True)
class PricePath:
    steps: list[Step]
    intraday_sessions: frozenset[date]

    def kind_at(self, at: datetime | None) -> BarKind:
        day = None if at is None else at.astimezone(NEW_YORK).date()
        return "intraday" if day in self.intraday_sessions else "daily"


def price_path(
    daily: Sequence[Bar], intraday: Sequence[Bar], calendar: MarketCalendar, now: datetime
) -> PricePath:
    """The closed sessions' bars at or before `now` as steps (see the module's docstring)."""
    by_day: dict[date, list[Bar]] = defaultdict(list)
    for bar in intraday:
        day = bar.ts.astimezone(NEW_YORK).date()
        session = calendar.session(day)
        if session is not None and session[0] <= bar.ts < session[1]:
            by_day[day].append(bar)
    days: dict[date, Bar] = {b.ts.astimezone(NEW_YORK).date(): b for b in daily}
    steps: list[Step] = []
    fine: set[date] = set()
    for day in sorted(set(days) | set(by_day)):
        session = calendar.session(day)
        if session is None or session[1] > now:
            continue
        bars = sorted(by_day.get(day, []), key=lambda b: b.ts)
        whole = days.get(day)
        if bars and (whole is None or _covers(bars, whole)):
            fine.add(day)
            steps.extend(Step(b.ts, day, b) for b in bars)
        elif whole is not None:
            steps.append(Step(session[0], day, whole))
    return PricePath(steps, frozenset(fine))


def _covers(bars: Sequence[Bar], whole: Bar) -> bool:
    """Do these intraday bars reach the session's high and low (else some are missing)?"""
    slack = RANGE_TOLERANCE * whole.high
    return max(b.high for b in bars) >= whole.high - slack and (
        min(b.low for b in bars) <= whole.low + slack
    )


def followed(sig: TrackedSignal) -> Followed | None:
    """What `follow` needs; None for a signal recorded without any price."""
    start = sig.start
    if start is None:
        return None
    levels = sig.entry is not None
    return Followed(
        sig.direction,
        start,
        sig.stop if levels else None,
        sig.target if levels else None,
        sig.generated_at,
    )


def reversal_of(sig: TrackedSignal, later: Sequence[TrackedSignal]) -> Reversal | None:
    """The first opposite signal on the same ticker after `sig`, at its price."""
    for other in later:
        if (
            other.symbol == sig.symbol
            and other.direction != sig.direction
            and other.generated_at > sig.generated_at
            and other.start is not None
        ):
            return Reversal(other.generated_at, other.start)
    return None


async def _intraday(
    prices: PriceProvider, symbol: str, start: datetime, now: datetime
) -> list[Bar]:
    if not isinstance(prices, IntradayPrices):
        return []
    try:
        return await prices.intraday_bars(symbol, start, now)
    except PriceUnavailable as exc:  # daily bars still tell the outcome, pessimistically
        log.info("no intraday bars for %s (%s): following it on daily bars", symbol, exc.reason)
        return []


async def _path_of(prices: PriceProvider, symbol: str, start: datetime, now: datetime) -> PricePath:
    """The symbol's price path from `start`; PriceUnavailable when it has no daily bars."""
    snap = await prices.snapshot(symbol, now)
    intraday = await _intraday(prices, symbol, start, now)
    return price_path(snap.bars, intraday, prices.calendar, now)


async def resolve(
    store: Store,
    prices: PriceProvider,
    now: datetime,
    *,
    horizon: int = DEFAULT_HORIZON,
    concurrency: int = CONCURRENCY,
) -> Resolution:
    """Follow every signal without an outcome up to `now`; record the ones that closed.

    Symbols are priced `concurrency` at a time; once the source cannot be reached at all, the
    symbols not asked yet are left open with that reason instead of each waiting its timeout."""
    rows = await store.tracked_signals()
    every = [sig for sig, _ in rows]
    pending: dict[str, list[TrackedSignal]] = defaultdict(list)
    for sig, stored in rows:
        if stored is None:
            pending[sig.symbol].append(sig)
    result = Resolution()
    gate = asyncio.Semaphore(concurrency)
    down: list[str] = []  # why the source could not be reached, once it could not

    async def one(symbol: str, sigs: list[TrackedSignal]) -> None:
        async with gate:
            try:
                if down:
                    raise PriceUnavailable(symbol, down[0], unreachable=True)
                path = await _path_of(prices, symbol, min(s.generated_at for s in sigs), now)
            except PriceUnavailable as exc:
                if exc.unreachable and not down:
                    down.append(exc.reason)
                result.unpriced[symbol] = exc.reason
                result.still_open += len(sigs)
                return
        for sig in sigs:
            what = followed(sig)
            reversal = reversal_of(sig, every)
            out = (
                None
                if what is None
                else follow(what, path.steps, horizon=horizon, reversal=reversal)
            )
            if out is None or not out.closed:
                result.still_open += 1
            else:
                result.resolved.append((sig, out, path.kind_at(out.exit_at)))

    await asyncio.gather(*(one(symbol, sigs) for symbol, sigs in pending.items()))
    result.resolved.sort(key=lambda found: found[0].id)
    if result.resolved:
        result.recorded = await store.record_outcomes(
            [(sig.id, out, kind) for sig, out, kind in result.resolved], now
        )
    return result


def trade_of(sig: TrackedSignal, stored: StoredOutcome | None) -> Trade:
    return Trade(
        symbol=sig.symbol,
        direction=sig.direction,
        confidence=sig.confidence,
        signalled_at=sig.generated_at,
        outcome=Outcome("open") if stored is None else stored.outcome,
    )


async def trades(
    store: Store, *, since: datetime | None = None, as_of: datetime | None = None
) -> list[Trade]:
    """The record: one Trade per signal made since `since` (as it stood at `as_of`)."""
    return [trade_of(s, o) for s, o in await store.tracked_signals(since=since, as_of=as_of)]
