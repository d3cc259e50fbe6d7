"""/performance on Telegram, from the command registry (the bot of tests/test_telegram.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.botworld import NOW
from support.record import one_closed_signal
from test_telegram import Bot, bot  # noqa: F401  (the fixture)


@pytest.mark.asyncio
async def test_performance_on_telegram(bot: Bot) -> None:  # noqa: F811
    empty = (await bot.ask("/performance")).visible
    assert empty.startswith("Record, all time: no closed signals yet (0 open).")

    assert not [s for s in bot.tg.sent if s.photo]  # nothing closed: no curve to show

    await one_closed_signal(bot.engine.store, NOW - timedelta(hours=2))
    shown = (await bot.ask("/performance 30d")).visible
    assert shown.startswith("Record, last 30 days: 1 signal, 1 closed, 0 open")
    assert "Closed: target first 100%" in shown and "Best: TSLA +2.0R (1)" in shown
    [curve] = [s for s in bot.tg.sent if s.photo]  # the equity curve, the record as caption
    assert curve.photo.startswith(b"\x89PNG") and curve.visible == shown

    bad = (await bot.ask("/performance always")).visible
    assert "'always' is not a period" in bad
