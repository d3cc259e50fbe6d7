"""The record's figures on trades whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.outcomes import Outcome
from engine.performance import (
    Trade,
    bootstrap_mean_ci,
    confidence_bucket,
    grouped,
    hit_rate,
    summarise,
)

AT = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def trade(status: str, r: float | None, *, confidence: float = 0.8, right: bool = True) -> Trade:
    out = Outcome(status, exit_price=1.0 if status != "open" else None, r=r)  # type: ignore[arg-type]
    return Trade("TSLA", "bullish", confidence, AT, out, right_1d=right, right_5d=right)


def test_shares_average_r_expectancy_and_profit_factor() -> None:
    trades = [
        trade("target", 2.0),
        trade("target", 2.0),
        trade("stop", -1.0, right=False),
        trade("expired", 0.5),
        trade("open", None),
    ]
    s = summarise(trades)
    assert (s.signals, s.closed, s.open) == (5, 4, 1)
    assert (s.target_first, s.stop_first, s.expired, s.reversed) == (0.5, 0.25, 0.25, 0.0)
    assert s.avg_r == pytest.approx(0.875)
    assert s.expectancy_r == pytest.approx(0.875)  # 3/4 x 1.5 - 1/4 x 1.0
    assert s.profit_factor == pytest.approx(4.5)  # 4.5 won / 1.0 lost
    assert s.hit_rate_1d == pytest.approx(0.8)  # an open trade's direction counts once known
    low, high = s.avg_r_ci
    assert -1.0 <= low < 0.875 < high <= 2.0


def test_nothing_closed_says_nothing() -> None:
    s = summarise([trade("open", None)])
    assert s.closed == 0 and s.avg_r is None and s.target_first is None
    assert s.profit_factor is None and s.avg_r_ci is None


def test_no_losses_has_no_profit_factor() -> None:
    assert summarise([trade("target", 2.0), trade("target", 2.0)]).profit_factor is None


def test_the_bootstrap_is_seeded() -> None:
    values = [2.0, -1.0, 0.5, -1.0, 2.0, 0.1]
    assert bootstrap_mean_ci(values, seed=1) == bootstrap_mean_ci(values, seed=1)
    assert bootstrap_mean_ci([1.0]) is None


def test_wilson_interval_of_a_known_case() -> None:
    p, (low, high) = hit_rate([True] * 55 + [False] * 45 + [None] * 3)
    assert p == 0.55
    assert low == pytest.approx(0.4524, abs=1e-4) and high == pytest.approx(0.6438, abs=1e-4)


def test_confidence_buckets_and_groups() -> None:
    assert [confidence_bucket(c) for c in (0.49, 0.5, 0.67, 0.9, 1.0)] == [
        "<50%",
        "50-60%",
        "60-70%",
        "90-100%",
        "90-100%",
    ]
    trades = [trade("target", 2.0, confidence=0.95), trade("stop", -1.0, confidence=0.62)]
    groups = grouped(trades, lambda t: confidence_bucket(t.confidence))
    assert list(groups) == ["60-70%", "90-100%"]
    assert groups["90-100%"].avg_r == 2.0 and groups["60-70%"].avg_r == -1.0
