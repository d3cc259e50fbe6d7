"""What became of a signal: target or stop first, expired at the horizon, reversed, or still open.

A signal is followed from the moment it was made, bar by bar, for `horizon` trading sessions:
- **target** / **stop**: the first bar whose high (low, for bearish) reaches the target, or whose
  low (high) reaches the stop. A bar that reaches both counts as **stop first**: on a daily bar
  nobody can tell which came first, and the pessimistic reading is the honest one (freqtrade and
  backtesting.py do the same). A bar that opens beyond the stop exits at its open (a gap is not
  filled at the stop); a target is filled at the target, never better.
- **expired**: neither within the horizon; the exit is the close of the horizon's last session.
- **reversed**: an opposite signal on the ticker came first; the exit is that signal's price.
- **open**: the horizon has not passed yet and nothing was hit.

Only bars that start at or after the signal count. A daily bar starts at its session's open: a
signal made during a session is followed from the next session on daily bars (its own session's
bar holds prices from before the signal), and from the next intraday bar where there are some.

A signal without levels (its price was stale) is scored for direction only, at the horizon.
The R multiple is (exit - entry) / (entry - stop), signed for the direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from engine.models import Bar, Direction

Status = Literal["target", "stop", "expired", "reversed", "open"]
DEFAULT_HORIZON = 5  # sessions


@dataclass(frozen=True)
class Followed:
    """What is followed: a recorded signal's direction, entry and levels."""

    direction: Direction
    entry: float
    stop: float | None
    target: float | None
    signalled_at: datetime

    @property
    def sign(self) -> int:
        return 1 if self.direction == "bullish" else -1

    @property
    def risk(self) -> float | None:
        """Entry to stop, in price, on the losing side; None without usable levels."""
        if self.stop is None or self.target is None:
            return None
        risk = (self.entry - self.stop) * self.sign
        reward = (self.target - self.entry) * self.sign
        return risk if risk > 0 and reward > 0 else None


@dataclass(frozen=True)
class Step:
    """One bar of the path, with when it starts and the trading session it belongs to."""

    at: datetime
    session: date
    bar: Bar


@dataclass(frozen=True)
class Reversal:
    at: datetime
    price: float


@dataclass(frozen=True)
class Outcome:
    status: Status
    exit_price: float | None = None
    exit_at: datetime | None = None
    r: float | None = None  # None for a direction-only signal
    best_r: float | None = None  # the best and worst excursion while held, in R
    worst_r: float | None = None
    sessions: int = 0  # sessions held (begun), up to the exit or the horizon
    both_in_one_bar: bool = False  # a bar reached stop and target: counted as stop first
    right: bool | None = None  # did the price move the signal's way (exit vs entry)?

    @property
    def closed(self) -> bool:
        return self.status != "open"


def follow(
    signal: Followed,
    path: Sequence[Step],
    *,
    horizon: int = DEFAULT_HORIZON,
    reversal: Reversal | None = None,
) -> Outcome:
    """The outcome of `signal` on `path` (bars in time order, any before the signal ignored)."""
    if horizon < 1:
        raise ValueError("the horizon is at least one session")
    steps = [s for s in path if s.at >= signal.signalled_at]
    walk = _Walk(signal)
    sessions: list[date] = []
    for step in steps:
        if reversal is not None and reversal.at <= step.at:
            return walk.exit("reversed", reversal.price, reversal.at, len(sessions))
        if step.session not in sessions:
            if len(sessions) == horizon:
                break
            sessions.append(step.session)
        hit = walk.through(step)
        if hit is not None:
            return walk.exit(*hit, len(sessions))
    if reversal is not None and len(sessions) < horizon:
        return walk.exit("reversed", reversal.price, reversal.at, len(sessions))
    if len(sessions) < horizon:
        return walk.still_open(len(sessions))
    last = [s for s in steps if s.session == sessions[-1]][-1]
    return walk.exit("expired", last.bar.close, last.bar.ts, horizon)


class _Walk:
    """The running excursions of one signal as its bars go by."""

    def __init__(self, signal: Followed) -> None:
        self.signal = signal
        self.risk = signal.risk
        self.best: float | None = None
        self.worst: float | None = None
        self.both = False

    def _r(self, price: float) -> float | None:
        if self.risk is None:
            return None
        return (price - self.signal.entry) * self.signal.sign / self.risk

    def through(self, step: Step) -> tuple[Status, float, datetime] | None:
        """Take in one bar; (status, exit price, exit time) if it hit a level."""
        s, bar = self.signal, step.bar
        bullish = s.sign > 0
        favourable, adverse = (bar.high, bar.low) if bullish else (bar.low, bar.high)
        for price in (favourable, adverse):
            r = self._r(price)
            if r is not None:
                self.best = r if self.best is None else max(self.best, r)
                self.worst = r if self.worst is None else min(self.worst, r)
        if self.risk is None:
            return None
        assert s.stop is not None and s.target is not None
        hit_stop = (adverse - s.stop) * s.sign <= 0
        hit_target = (favourable - s.target) * s.sign >= 0
        if hit_stop:
            self.both = hit_target
            gapped = (bar.open - s.stop) * s.sign <= 0
            return "stop", bar.open if gapped else s.stop, step.at
        if hit_target:
            return "target", s.target, step.at
        return None

    def exit(self, status: Status, price: float, at: datetime, sessions: int) -> Outcome:
        return Outcome(
            status=status,
            exit_price=price,
            exit_at=at,
            r=self._r(price),
            best_r=self.best,
            worst_r=self.worst,
            sessions=sessions,
            both_in_one_bar=self.both,
            right=(price - self.signal.entry) * self.signal.sign > 0,
        )

    def still_open(self, sessions: int) -> Outcome:
        return Outcome("open", best_r=self.best, worst_r=self.worst, sessions=sessions)
