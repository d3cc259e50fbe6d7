"""A backtest trade: a signal (or a baseline's pick) entered at the next price and followed.

The engine makes its levels around the last price it sees at the digest (the previous close,
for a digest before the open). A backtest cannot trade at that price: it enters at the first
price at or after the signal (the session's open when the digest is at or before the open,
else that session's close), and moves the stop and the target by the same distance as the entry,
so the distances the engine chose (1.5 and 3 ATR) are kept. The outcome is then followed on the
daily bars with `engine.outcomes.follow` (stop first when one bar reaches both).

Directional hit rates compare the entry with the first and the fifth close after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.backtest.prices import Series
from engine.models import Direction, Levels
from engine.outcomes import Followed, Outcome, Reversal, follow
from engine.performance import Trade
from engine.technicals import price_decimals


@dataclass(frozen=True)
class Pick:
    """A direction taken on a ticker at a replay instant, with the engine's levels for it."""

    symbol: str
    direction: Direction
    confidence: float
    signalled_at: datetime
    levels: Levels | None  # made around the engine's last price; None: direction only


@dataclass(frozen=True)
class Entered:
    """A pick entered: the entry price and time, the moved levels, where its path starts."""

    pick: Pick
    followed: Followed
    start: int  # index of the first bar that can begin the path
    first_close: int  # index of the first close after the entry


@dataclass(frozen=True)
class BacktestTrade:
    entered: Entered
    trade: Trade

    def row(self) -> dict[str, Any]:
        """The trade as reported (JSON `trades`, --trades CSV)."""
        f, o = self.entered.followed, self.trade.outcome
        return {
            "symbol": self.trade.symbol,
            "direction": self.trade.direction,
            "signalled_at": self.trade.signalled_at.isoformat(),
            "entry": f.entry,
            "stop": f.stop,
            "target": f.target,
            "outcome": o.status,
            "exit": o.exit_price,
            "exit_at": o.exit_at.isoformat() if o.exit_at else None,
            "r": None if o.r is None else round(o.r, 4),
            "confidence": round(self.trade.confidence, 4),
        }


def enter(pick: Pick, series: Series) -> Entered | None:
    """The pick entered at the first price at or after it; None when the data ends before."""
    found = series.first_at_or_after(pick.signalled_at)
    if found is None:
        return None
    index, price, at = found
    stop = target = None
    if pick.levels is not None:
        shift = price - pick.levels.entry
        decimals = price_decimals(price)
        stop = round(pick.levels.stop + shift, decimals)
        target = round(pick.levels.target + shift, decimals)
    at_open = at == series.opens[index]
    followed = Followed(pick.direction, price, stop, target, at)
    return Entered(pick, followed, index, index if at_open else index + 1)


def settle(
    entered: Entered,
    series: Series,
    horizon: int,
    reversal: Reversal | None = None,
) -> BacktestTrade:
    """What became of an entered pick, with its 1- and 5-session direction."""
    path = series.steps(entered.start, horizon + 1)
    outcome: Outcome = follow(entered.followed, path, horizon=horizon, reversal=reversal)
    pick = entered.pick
    trade = Trade(
        symbol=pick.symbol,
        direction=pick.direction,
        confidence=pick.confidence,
        signalled_at=pick.signalled_at,
        outcome=outcome,
        right_1d=_right_after(entered, series, 1),
        right_5d=_right_after(entered, series, 5),
    )
    return BacktestTrade(entered, trade)


def _right_after(entered: Entered, series: Series, sessions: int) -> bool | None:
    i = entered.first_close + sessions - 1
    if i >= len(series.bars):
        return None
    f = entered.followed
    return (series.bars[i].close - f.entry) * f.sign > 0


def reversals(entered: Sequence[Entered]) -> list[Reversal | None]:
    """For each entered signal (in time order), the next opposite signal on its ticker."""
    out: list[Reversal | None] = [None] * len(entered)
    by_symbol: dict[str, list[int]] = {}
    for i, e in enumerate(entered):
        by_symbol.setdefault(e.pick.symbol, []).append(i)
    for indexes in by_symbol.values():
        for pos, i in enumerate(indexes):
            for j in indexes[pos + 1 :]:
                later = entered[j]
                if later.pick.direction != entered[i].pick.direction:
                    out[i] = Reversal(later.followed.signalled_at, later.followed.entry)
                    break
    return out
