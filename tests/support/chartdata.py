"""Bars and chart specs for chart tests and the chart benchmark: a steady market, and the bad
inputs a chart must survive (one bar, a flat price, a gap of months, huge and tiny prices)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from chat.charts import ChartSpec
from engine.models import Bar, Levels, Quote

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York
FIRST_CLOSE = datetime(2025, 9, 1, 21, 0, tzinfo=UTC)


def bars(
    count: int = 120, *, base: float = 250.0, wave: float = 0.04, gap_after: int | None = None
) -> list[Bar]:
    """Daily bars closing on weekdays up to the day before AT; `gap_after` bars, then 4 months
    without data."""
    out: list[Bar] = []
    day = AT.replace(hour=21) - timedelta(days=1)
    for i in range(count):
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        out.append(_bar(day, base * (1 + wave * math.sin(i / 6)), i, wave))
        day -= timedelta(days=1)
        if gap_after is not None and i == gap_after:
            day -= timedelta(days=120)
    return out[::-1]


def _bar(ts: datetime, close: float, i: int, wave: float) -> Bar:
    swing = close * wave / 4
    opened = close - swing * (1 if i % 3 else -1)
    return Bar(
        ts=ts,
        open=opened,
        high=max(opened, close) + swing / 2,
        low=min(opened, close) - swing / 2,
        close=close,
        volume=1_000_000 + 50_000 * (i % 7),
        daily=True,
    )


def spec(
    last: float = 250.0,
    *,
    direction: str | None = "bullish",
    stale: bool = False,
    levels: bool = True,
    headlines: int = 2,
) -> ChartSpec:
    """A signal at AT whose entry is `last`, stop 5% below and target 10% above."""
    quote = Quote(
        "TSLA", last, AT - timedelta(minutes=5 if not stale else 60 * 24 * 3), stale, True, "csv"
    )
    lv = Levels(last, last * 0.95, last * 1.10) if levels and not stale else None
    times = tuple(AT - timedelta(hours=h) for h in range(1, headlines + 1))
    return ChartSpec(
        "TSLA", "Tesla, Inc.", AT, direction, 0.62 if direction else None, quote, lv, times
    )
