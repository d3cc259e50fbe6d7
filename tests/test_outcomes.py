"""Signal outcomes on hand-made price paths whose answers are known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.models import Bar
from engine.outcomes import Followed, Reversal, Step, follow

SIGNAL_AT = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # before Tuesday's open
BULL = Followed("bullish", entry=100.0, stop=95.0, target=110.0, signalled_at=SIGNAL_AT)
BEAR = Followed("bearish", entry=100.0, stop=105.0, target=90.0, signalled_at=SIGNAL_AT)


def daily(*bars: tuple[float, float, float, float], start: int = 0) -> list[Step]:
    """Daily bars (open, high, low, close), one session a day from Tuesday 10 March 2026."""
    steps = []
    for i, (o, h, lo, c) in enumerate(bars, start):
        day = date(2026, 3, 10) + timedelta(days=i)
        opens = datetime(day.year, day.month, day.day, 13, 30, tzinfo=UTC)
        bar = Bar(opens + timedelta(hours=6, minutes=30), o, h, lo, c, 1000.0, daily=True)
        steps.append(Step(opens, day, bar))
    return steps


FLAT = (100.0, 101.0, 99.0, 100.0)


def test_the_target_reached_first_is_a_win_of_two_r() -> None:
    out = follow(BULL, daily(FLAT, (101, 111, 100, 109)))
    assert out.status == "target" and out.exit_price == 110.0
    assert out.r == pytest.approx(2.0) and out.sessions == 2 and out.right
    assert out.best_r == pytest.approx(2.2) and out.worst_r == pytest.approx(-0.2)


def test_the_stop_reached_first_is_minus_one_r() -> None:
    out = follow(BEAR, daily(FLAT, (101, 106, 100, 104)))
    assert out.status == "stop" and out.exit_price == 105.0
    assert out.r == pytest.approx(-1.0) and not out.right


def test_a_bar_that_reaches_both_counts_as_stop_first() -> None:
    out = follow(BULL, daily((100, 112, 94, 105)))
    assert out.status == "stop" and out.both_in_one_bar and out.r == pytest.approx(-1.0)


def test_a_gap_through_the_stop_exits_at_the_open() -> None:
    out = follow(BULL, daily(FLAT, (92, 93, 90, 91)))
    assert out.status == "stop" and out.exit_price == 92.0
    assert out.r == pytest.approx(-1.6)


def test_neither_within_the_horizon_expires_at_the_last_close() -> None:
    late_rally = (103, 120, 103, 119)
    path = daily(FLAT, FLAT, FLAT, (100, 104, 99, 103), (103, 104, 102, 103.5), late_rally)
    out = follow(BULL, path, horizon=5)
    assert out.status == "expired" and out.exit_price == 103.5  # the 6th day's rally is too late
    assert out.r == pytest.approx(0.7) and out.sessions == 5 and out.right


def test_before_the_horizon_with_nothing_hit_it_stays_open() -> None:
    out = follow(BULL, daily(FLAT, FLAT))
    assert out.status == "open" and not out.closed and out.exit_price is None
    assert out.sessions == 2


def test_an_opposite_signal_first_closes_it_at_that_price() -> None:
    flip = Reversal(datetime(2026, 3, 11, 23, 0, tzinfo=UTC), 98.5)
    out = follow(BULL, daily(FLAT, FLAT, FLAT, (99, 111, 98, 110)), reversal=flip)
    assert out.status == "reversed" and out.exit_price == 98.5
    assert out.r == pytest.approx(-0.3)


def test_bars_before_the_signal_do_not_count() -> None:
    during = Followed("bullish", 100.0, 95.0, 110.0, SIGNAL_AT + timedelta(hours=2))
    out = follow(during, daily((100, 111, 99, 100), FLAT))  # the target was hit before it
    assert out.status == "open" and out.sessions == 1


def test_a_signal_without_levels_is_scored_for_direction_only() -> None:
    plain = Followed("bearish", 100.0, None, None, SIGNAL_AT)
    out = follow(plain, daily(*[FLAT] * 4, (99, 99, 96, 97)), horizon=5)
    assert out.status == "expired" and out.right and out.r is None and out.best_r is None


def test_intraday_bars_tell_which_came_first() -> None:
    day = date(2026, 3, 10)
    opens = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)

    def bar(minutes: int, high: float, low: float) -> Step:
        at = opens + timedelta(minutes=minutes)
        return Step(at, day, Bar(at, 100.0, high, low, 100.0, 10.0))

    out = follow(BULL, [bar(0, 101, 99), bar(30, 111, 100), bar(60, 100, 94)])
    assert out.status == "target" and not out.both_in_one_bar
