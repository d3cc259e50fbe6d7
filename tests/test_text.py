"""What the terminal shows for a price: live, at close, or stale (never passed off as current)."""

from __future__ import annotations

from datetime import UTC, datetime

from chat.text import format_quote
from engine.models import Quote

AS_OF = datetime(2026, 3, 10, 14, 55, tzinfo=UTC)  # 10:55 in New York


def quote(*, stale: bool, market_open: bool) -> Quote:
    return Quote("TSLA", 251.3, AS_OF, stale=stale, market_open=market_open)


def test_live_price_shows_its_time() -> None:
    assert (
        format_quote(quote(stale=False, market_open=True)) == "price 251.30 at Tue 10 Mar 10:55 ET"
    )


def test_out_of_hours_shows_the_close() -> None:
    assert format_quote(quote(stale=False, market_open=False)) == (
        "price 251.30 at close Tue 10 Mar 10:55 ET (market closed)"
    )


def test_stale_price_says_so_and_no_levels() -> None:
    for market_open in (True, False):
        assert format_quote(quote(stale=True, market_open=market_open)) == (
            "price 251.30 is STALE (last quote Tue 10 Mar 10:55 ET): no levels"
        )
