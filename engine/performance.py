"""The record of a set of signals: how often the target came first, average R, profit factor...

One summary serves the live record (`/performance`, `tradethehype performance`) and the backtest,
so both speak of the same figures in the same way:
- shares of target-first, stop-first, expired and reversed among the closed signals;
- average R with a 95% bootstrap interval (seeded: the same input gives the same interval),
  expectancy in R (win rate x average win - loss rate x average loss: the average R again, said
  the way traders read it) and profit factor (gross R won / gross R lost);
- directional hit rates: did the close 1 and 5 sessions after the entry move the signal's way,
  with a 95% Wilson interval.
Signals still open count in `open` and nowhere else.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.outcomes import Outcome

RESAMPLES = 2000
Z95 = 1.959964


@dataclass(frozen=True)
class Trade:
    """One signal and what became of it."""

    symbol: str
    direction: str
    confidence: float
    signalled_at: datetime
    outcome: Outcome
    right_1d: bool | None = None  # the close 1 session after the entry moved the signal's way
    right_5d: bool | None = None


@dataclass(frozen=True)
class Summary:
    signals: int
    closed: int
    open: int
    target_first: float | None  # shares of the closed signals
    stop_first: float | None
    expired: float | None
    reversed: float | None
    avg_r: float | None
    avg_r_ci: tuple[float, float] | None
    expectancy_r: float | None
    profit_factor: float | None  # None when nothing was lost (or nothing had levels)
    hit_rate_1d: float | None
    hit_rate_1d_ci: tuple[float, float] | None
    hit_rate_5d: float | None
    hit_rate_5d_ci: tuple[float, float] | None


def summarise(trades: Sequence[Trade], *, seed: int = 0, resamples: int = RESAMPLES) -> Summary:
    closed = [t for t in trades if t.outcome.closed]
    rs = [t.outcome.r for t in closed if t.outcome.r is not None]

    def share(status: str) -> float | None:
        return sum(t.outcome.status == status for t in closed) / len(closed) if closed else None

    h1 = hit_rate([t.right_1d for t in trades])
    h5 = hit_rate([t.right_5d for t in trades])
    return Summary(
        signals=len(trades),
        closed=len(closed),
        open=len(trades) - len(closed),
        target_first=share("target"),
        stop_first=share("stop"),
        expired=share("expired"),
        reversed=share("reversed"),
        avg_r=sum(rs) / len(rs) if rs else None,
        avg_r_ci=bootstrap_mean_ci(rs, seed=seed, resamples=resamples),
        expectancy_r=expectancy(rs),
        profit_factor=profit_factor(rs),
        hit_rate_1d=h1[0],
        hit_rate_1d_ci=h1[1],
        hit_rate_5d=h5[0],
        hit_rate_5d_ci=h5[1],
    )


def expectancy(rs: Sequence[float]) -> float | None:
    if not rs:
        return None
    wins = [r for r in rs if r > 0]
    losses = [-r for r in rs if r <= 0]
    win_rate = len(wins) / len(rs)
    avg_win = sum(wins) / len(wins) if wins else 0.0
    avg_loss = sum(losses) / len(losses) if losses else 0.0
    return win_rate * avg_win - (1 - win_rate) * avg_loss


def profit_factor(rs: Sequence[float]) -> float | None:
    won = sum(r for r in rs if r > 0)
    lost = -sum(r for r in rs if r < 0)
    return won / lost if lost > 0 else None


def bootstrap_mean_ci(
    values: Sequence[float], *, seed: int = 0, resamples: int = RESAMPLES
) -> tuple[float, float] | None:
    """A 95% percentile-bootstrap interval for the mean (None with fewer than two values)."""
    if len(values) < 2:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[min(int(0.975 * resamples), resamples - 1)]


def hit_rate(
    rights: Iterable[bool | None],
) -> tuple[float | None, tuple[float, float] | None]:
    """The share of True among the known ones, with its 95% Wilson interval."""
    known = [r for r in rights if r is not None]
    if not known:
        return None, None
    n, k = len(known), sum(known)
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return p, (max(0.0, centre - half), min(1.0, centre + half))


def confidence_bucket(confidence: float) -> str:
    """ "50-60%" ... "90-100%"; below 50% (never signalled today) is "<50%"."""
    pct = int(confidence * 100)
    if pct < 50:
        return "<50%"
    low = min(pct // 10 * 10, 90)
    return f"{low}-{low + 10}%"


def grouped(
    trades: Sequence[Trade], key: Callable[[Trade], str], *, seed: int = 0
) -> dict[str, Summary]:
    """A summary per group, groups in sorted order."""
    groups: dict[str, list[Trade]] = defaultdict(list)
    for t in trades:
        groups[key(t)].append(t)
    return {k: summarise(groups[k], seed=seed) for k in sorted(groups)}
