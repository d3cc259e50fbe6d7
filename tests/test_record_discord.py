"""/performance on Discord, from the command registry (the bot of tests/test_discord.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.botworld import NOW
from support.record import one_closed_signal
from test_discord import Bot, bot  # noqa: F401  (the fixture)


@pytest.mark.asyncio
async def test_performance_on_discord(bot: Bot) -> None:  # noqa: F811
    commands = {c["name"]: c for c in bot.discord.commands()}
    assert [o["name"] for o in commands["performance"]["options"]] == ["period"]

    await one_closed_signal(bot.engine.store, NOW - timedelta(hours=2))
    shown = await bot.slash("performance", {"period": "90d"})
    assert not shown.ephemeral
    assert "Record, last 90 days: 1 signal, 1 closed, 0 open" in shown.text
    [(name, png)] = bot.discord.uploads  # the equity curve, shown inside the record's embed
    assert name == "record.png" and png.startswith(b"\x89PNG")
    assert shown.messages[-1].embeds[-1]["image"]["url"] == "attachment://record.png"
    assert "Average +2.0R" in shown.text and "Rules: each signal is followed" in shown.text

    bad = await bot.slash("performance", {"period": "1y"})
    assert bad.ephemeral and "'1y' is not a period" in bad.text
