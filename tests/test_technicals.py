"""Indicators against hand-computed values, the technical score's sign, and levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.models import Bar
from engine.technicals import atr, levels, rsi, sma, technical_score

T0 = datetime(2025, 1, 2, 21, 0, tzinfo=UTC)


def bar(i: int, high: float, low: float, close: float, open_: float | None = None) -> Bar:
    return Bar(
        ts=T0 + timedelta(days=i),
        open=close if open_ is None else open_,
        high=high,
        low=low,
        close=close,
        volume=1000,
        daily=True,
    )


def bars_from_closes(closes: list[float]) -> list[Bar]:
    return [bar(i, c + 0.5, c - 0.5, c) for i, c in enumerate(closes)]


def zigzag(start: float, step: float, n: int) -> list[float]:
    """Two steps with the trend, one against it: a trend with pullbacks."""
    closes, price = [], start
    for i in range(n):
        price += step if i % 3 else -step * 1.2
        closes.append(round(price, 2))
    return closes


# -- SMA / RSI / ATR ------------------------------------------------------------------------


def test_sma() -> None:
    assert sma([1, 2, 3, 4, 5], 3) == pytest.approx(4.0)
    assert sma([1, 2, 3, 4, 5], 5) == pytest.approx(3.0)
    assert sma([1, 2], 3) is None
    assert sma([], 1) is None


def test_rsi_wilder_by_hand() -> None:
    # changes: +1, -0.5, +1, +0.5, -1
    closes = [10, 11, 10.5, 11.5, 12, 11]
    # period 3: seed gain (1+0+1)/3 = 2/3, loss 0.5/3 = 1/6
    # next: gain (2/3*2 + 0.5)/3 = 11/18, loss (1/6*2 + 0)/3 = 1/9 -> RS 5.5 -> RSI 84.615
    assert rsi(closes[:5], 3) == pytest.approx(100 - 100 / 6.5)
    # next: gain (11/18*2 + 0)/3 = 11/27, loss (1/9*2 + 1)/3 = 11/27 -> RS 1 -> RSI 50
    assert rsi(closes, 3) == pytest.approx(50.0)
    # seed only
    assert rsi(closes[:4], 3) == pytest.approx(100 - 100 / (1 + (2 / 3) / (1 / 6)))


def test_rsi_edges() -> None:
    assert rsi([1.0, 2.0, 3.0], 3) is None  # needs period + 1 closes
    assert rsi([float(i) for i in range(20)]) == 100.0
    assert rsi([5.0] * 20) == 50.0
    assert rsi([float(20 - i) for i in range(20)]) == pytest.approx(0.0)


def test_atr_wilder_by_hand() -> None:
    bars = [
        bar(0, 11, 9, 10),
        bar(1, 12, 10, 11),  # TR = max(2, |12-10|, |10-10|) = 2
        bar(2, 11.5, 10.5, 11),  # TR = max(1, 0.5, 0.5) = 1
        bar(3, 14, 12, 13.5),  # gap up: TR = max(2, |14-11|, |12-11|) = 3
        bar(4, 13, 9, 10),  # TR = max(4, 0.5, |9-13.5|) = 4.5
    ]
    assert atr(bars[:2], 2) is None
    assert atr(bars[:3], 2) == pytest.approx(1.5)  # seed (2+1)/2
    assert atr(bars[:4], 2) == pytest.approx(2.25)  # (1.5*1 + 3)/2
    assert atr(bars, 2) == pytest.approx(3.375)  # (2.25*1 + 4.5)/2


# -- technical score ------------------------------------------------------------------------


def test_score_positive_on_uptrend_negative_on_downtrend() -> None:
    up = bars_from_closes(zigzag(100, 1.0, 60))
    down = bars_from_closes(zigzag(200, -1.0, 60))
    t_up = technical_score(up, up[-1].close)
    t_down = technical_score(down, down[-1].close)
    assert t_up.score > 0.5
    assert t_down.score < -0.5
    assert t_up.score == pytest.approx(-t_down.score)
    assert t_up.sma20 is not None and t_up.sma50 is not None and t_up.sma20 > t_up.sma50
    assert t_up.rsi14 is not None and 30 <= t_up.rsi14 <= 70
    assert t_up.atr14 is not None and t_up.atr14 > 0
    assert "price above SMA20 (+)" in t_up.notes
    assert "SMA20 above SMA50 (+)" in t_up.notes
    assert "price below SMA50 (-)" in t_down.notes
    assert all(-1 <= t.score <= 1 for t in (t_up, t_down))


def test_overbought_leans_against_a_straight_uptrend() -> None:
    up = bars_from_closes([100 + i for i in range(60)])
    t = technical_score(up, up[-1].close)
    assert t.rsi14 == 100.0
    assert 0 < t.score < 0.6  # trend still up, but RSI 100 overbought pulls it down
    assert any("overbought (-)" in n for n in t.notes)
    down = bars_from_closes([200 - i for i in range(60)])
    t_down = technical_score(down, down[-1].close)
    assert -0.6 < t_down.score < 0
    assert any("oversold (+)" in n for n in t_down.notes)


def test_score_with_few_bars_uses_what_exists() -> None:
    assert technical_score([], 10.0).score == 0.0
    short = bars_from_closes([float(10 + i) for i in range(10)])
    t = technical_score(short, 20.0)
    assert (t.sma20, t.sma50, t.rsi14, t.atr14) == (None, None, None, None)
    assert t.score == 0.0
    assert any("not enough bars for SMA20" in n for n in t.notes)
    # 25 bars: SMA20 exists, SMA50 does not -> only "price vs SMA20" votes in the trend
    closes = zigzag(100, 1.0, 25)
    t25 = technical_score(bars_from_closes(closes), closes[-1])
    assert t25.sma20 is not None and t25.sma50 is None
    assert t25.score > 0
    assert any("not enough bars for SMA50 (0)" in n for n in t25.notes)


def test_price_below_averages_in_uptrend_history_scores_lower() -> None:
    up = bars_from_closes(zigzag(100, 1.0, 60))
    crash = technical_score(up, 50.0)  # current price far below both averages
    assert crash.score < technical_score(up, up[-1].close).score
    assert "price below SMA20 (-)" in crash.notes


# -- levels ---------------------------------------------------------------------------------


def test_levels_bullish_and_bearish_are_mirrored() -> None:
    bull = levels("bullish", 100.0, 2.0)
    bear = levels("bearish", 100.0, 2.0)
    assert (bull.entry, bull.stop, bull.target) == (100.0, 97.0, 106.0)
    assert (bear.entry, bear.stop, bear.target) == (100.0, 103.0, 94.0)
    assert "stop = entry - 1.5 x ATR(14)" in bull.formula
    assert "stop = entry + 1.5 x ATR(14)" in bear.formula
    assert "ATR(14) = 2.00" in bull.formula


def test_levels_without_atr_use_two_percent() -> None:
    lv = levels("bullish", 50.0, None)
    assert (lv.stop, lv.target) == (48.5, 53.0)  # unit 1.00
    assert "2% of entry" in lv.formula and "no ATR" in lv.formula
    assert levels("bearish", 50.0, 0.0).stop == 51.5


def test_levels_custom_multiples_and_rounding() -> None:
    lv = levels("bullish", 123.456, 1.2, stop_atr=1.0, target_atr=2.0)
    assert (lv.entry, lv.stop, lv.target) == (123.46, 122.26, 125.86)
    penny = levels("bearish", 0.5123, 0.01234)
    assert (penny.entry, penny.stop, penny.target) == (0.5123, 0.5308, 0.4753)


def test_levels_never_below_zero_and_reject_bad_input() -> None:
    lv = levels("bullish", 2.0, 5.0)
    assert lv.stop == 0.01
    with pytest.raises(ValueError):
        levels("bullish", 0.0, 1.0)
    with pytest.raises(ValueError):
        levels("sideways", 10.0, 1.0)  # type: ignore[arg-type]
