"""Technical indicators (RSI, SMA, ATR), the technical score, and stop/target levels.

Indicators are computed from completed daily bars; the current price (`last`) is compared
against them. Every function returns None rather than guess when there are too few values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from engine.models import Bar, Levels, Technicals

TREND_WEIGHT = 0.6
MOMENTUM_WEIGHT = 0.4
OVERBOUGHT = 70.0
OVERSOLD = 30.0
EXTREME_LEAN = 0.5  # how strongly an overbought/oversold RSI leans against the move
ATR_FALLBACK_PCT = 0.02


def sma(values: Sequence[float], n: int) -> float | None:
    """Mean of the last `n` values; None with fewer than `n` values."""
    if n <= 0 or len(values) < n:
        return None
    return sum(values[-n:]) / n


def _wilder(values: Sequence[float], period: int) -> float:
    """Wilder's smoothing: seed with the mean of the first `period`, then (prev*(p-1)+x)/p."""
    average = sum(values[:period]) / period
    for value in values[period:]:
        average = (average * (period - 1) + value) / period
    return average


def rsi(closes: Sequence[float], period: int = 14) -> float | None:
    """Wilder's RSI over `closes` (oldest first); needs `period + 1` closes, else None."""
    if period <= 0 or len(closes) < period + 1:
        return None
    changes = [b - a for a, b in zip(closes, closes[1:], strict=False)]
    gain = _wilder([max(c, 0.0) for c in changes], period)
    loss = _wilder([max(-c, 0.0) for c in changes], period)
    if loss == 0:
        return 100.0 if gain > 0 else 50.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


def atr(bars: Sequence[Bar], period: int = 14) -> float | None:
    """Wilder's average true range; needs `period + 1` bars (each TR uses the previous close)."""
    if period <= 0 or len(bars) < period + 1:
        return None
    ranges = [
        max(bar.high - bar.low, abs(bar.high - prev.close), abs(bar.low - prev.close))
        for prev, bar in zip(bars, bars[1:], strict=False)
    ]
    return _wilder(ranges, period)


def _side(a: float, b: float) -> int:
    if a == b:
        return 0
    return 1 if a > b else -1


def _mark(sign: int) -> str:
    return {1: "(+)", -1: "(-)", 0: "(0)"}[sign]


def technical_score(bars: Sequence[Bar], last: float) -> Technicals:
    """Score in [-1, 1] from trend and momentum, with the reasons in `notes`.

    trend (weight 0.6) = mean of three votes: price vs SMA20, price vs SMA50, SMA20 vs SMA50
    (+1 above, -1 below, 0 when a value is missing).
    momentum (weight 0.4) = RSI(14): above 70 overbought leans bearish (-0.5), below 30 oversold
    leans bullish (+0.5), in between it follows the trend (= trend).
    """
    closes = [bar.close for bar in bars]
    sma20, sma50 = sma(closes, 20), sma(closes, 50)
    rsi14, atr14 = rsi(closes, 14), atr(bars, 14)
    notes: list[str] = []

    votes = []
    comparisons = (
        ("price", last, "SMA20", sma20),
        ("price", last, "SMA50", sma50),
        ("SMA20", sma20, "SMA50", sma50),
    )
    for name, value, other_name, other in comparisons:
        if value is None or other is None:
            missing = name if value is None else other_name
            notes.append(f"{name} vs {other_name}: not enough bars for {missing} (0)")
            votes.append(0)
            continue
        vote = _side(value, other)
        where = {1: "above", -1: "below", 0: "at"}[vote]
        notes.append(f"{name} {where} {other_name} {_mark(vote)}")
        votes.append(vote)
    trend = sum(votes) / len(votes)

    if rsi14 is None:
        momentum = 0.0
        notes.append("RSI14: not enough bars (0)")
    elif rsi14 > OVERBOUGHT:
        momentum = -EXTREME_LEAN
        notes.append(f"RSI14 {rsi14:.0f} overbought (-)")
    elif rsi14 < OVERSOLD:
        momentum = EXTREME_LEAN
        notes.append(f"RSI14 {rsi14:.0f} oversold (+)")
    else:
        momentum = trend
        sign = 1 if trend > 0 else -1 if trend < 0 else 0
        notes.append(f"RSI14 {rsi14:.0f} mid-range, follows trend {_mark(sign)}")

    score = max(-1.0, min(1.0, TREND_WEIGHT * trend + MOMENTUM_WEIGHT * momentum))
    return Technicals(
        rsi14=rsi14,
        sma20=sma20,
        sma50=sma50,
        atr14=atr14,
        score=round(score, 4) + 0.0,  # no -0.0
        notes=tuple(notes),
    )


def price_decimals(price: float) -> int:
    """2 decimals for prices of 1 and up, 4 for penny stocks."""
    return 2 if abs(price) >= 1 else 4


def levels(
    direction: Literal["bullish", "bearish"],
    entry: float,
    atr: float | None,
    *,
    stop_atr: float = 1.5,
    target_atr: float = 3.0,
) -> Levels:
    """Stop and target `stop_atr` / `target_atr` ATRs from `entry` (mirrored for bearish).

    Without a usable ATR the unit is 2% of entry, and `formula` says so. A bullish stop never
    or bearish target goes below one price tick.
    """
    if direction not in ("bullish", "bearish"):
        raise ValueError(f"direction must be bullish or bearish, got {direction!r}")
    if not entry > 0:
        raise ValueError(f"entry must be a positive price, got {entry!r}")
    decimals = price_decimals(entry)
    if atr is not None and atr > 0:
        unit, unit_name = atr, "ATR(14)"
        unit_note = f"ATR(14) = {atr:.{decimals}f}"
    else:
        unit, unit_name = entry * ATR_FALLBACK_PCT, "2% of entry"
        unit_note = "no ATR available, 2% of entry used instead"
    sign = 1 if direction == "bullish" else -1
    tick = 10.0**-decimals
    stop = max(entry - sign * stop_atr * unit, tick)
    target = max(entry + sign * target_atr * unit, tick)
    stop_op, target_op = ("-", "+") if sign == 1 else ("+", "-")
    formula = (
        f"stop = entry {stop_op} {stop_atr:g} x {unit_name}, "
        f"target = entry {target_op} {target_atr:g} x {unit_name} ({unit_note})"
    )
    return Levels(
        entry=round(entry, decimals),
        stop=round(stop, decimals),
        target=round(target, decimals),
        formula=formula,
    )
