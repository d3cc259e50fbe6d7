"""Times and durations as every channel writes them: UTC really converted, ages from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chat.text import age, render_why, span, utc_time
from engine.records import SignalRecord

NEW_YORK_WINTER = timezone(timedelta(hours=-5))
MADE = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_utc_time_converts_whatever_the_offset() -> None:
    assert utc_time(datetime(2026, 11, 20, 10, 30, tzinfo=NEW_YORK_WINTER)) == (
        "2026-11-20 15:30 UTC"
    )
    assert utc_time(datetime(2026, 11, 21, 1, 0, tzinfo=timezone(timedelta(hours=9)))) == (
        "2026-11-20 16:00 UTC"
    )
    assert utc_time(datetime(2026, 11, 20, 15, 30)) == "2026-11-20 15:30 UTC"  # naive: UTC


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=-30), "0 min"),
        (timedelta(seconds=59), "0 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=1, minutes=5), "1 h 05 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=8, hours=2, minutes=59), "8 days 2 h"),
    ],
)
def test_span_in_words(delta: timedelta, words: str) -> None:
    assert span(delta) == words
    assert age(MADE - delta, MADE) == f"{words} ago"


def payload() -> dict[str, object]:
    return {
        "symbol": "NVDA",
        "name": "Nvidia",
        "direction": "bullish",
        "generated_at": datetime(2026, 11, 20, 10, 30, tzinfo=NEW_YORK_WINTER).isoformat(),
        "sentiment": 0.8,
        "technical": 0.2,
        "score": 0.62,
        "confidence": 0.7,
        "articles": [
            {
                "title": "Nvidia lifts guidance",
                "source": "Wire",
                "published": (MADE - timedelta(hours=1, minutes=25)).isoformat(),
                "label": "positive",
                "scores": {"positive": 0.9, "negative": 0.05, "neutral": 0.05},
            }
        ],
    }


def test_why_at_signal_time_reads_as_before() -> None:
    lines = render_why(SignalRecord.parse(payload()), MADE).splitlines()
    assert lines[0] == "Why BULLISH on NVDA (Nvidia), signalled 2026-11-20 15:30 UTC"
    assert lines[5] == "   Wire, 1 h 25 min ago; positive (pos 0.90 neg 0.05 neu 0.05)"


def test_why_eight_days_later_counts_from_now() -> None:
    lines = render_why(SignalRecord.parse(payload()), MADE + timedelta(days=8)).splitlines()
    assert lines[0] == ("Why BULLISH on NVDA (Nvidia), signalled 2026-11-20 15:30 UTC, 8 days ago")
    assert lines[5] == (
        "   Wire, 8 days 1 h ago (1 h 25 min before the signal); "
        "positive (pos 0.90 neg 0.05 neu 0.05)"
    )
