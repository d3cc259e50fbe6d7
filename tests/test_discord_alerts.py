"""Alerts through the real discord.py client: a channel's admin runs /watch, a story comes in, the
channel gets the alert card; a deleted channel loses its subscription and its alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from conftest import rss
from support.botworld import NOW, open_world
from support.fake_discord import MANAGE_CHANNELS, MEMBER_PERMS, SIGNALS, TOKEN, FakeDiscord, serve

from adapters.discord.adapter import ANSWERED, DiscordAdapter
from bot.alerts_job import AlertJob
from chat import BotCore, build_registry
from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.news.polling import PolledNews
from engine.symbols import SymbolIndex

MIN = timedelta(minutes=1)
GONE = 1300000000000000201


class World:
    def __init__(self, fake: FakeDiscord, adapter: DiscordAdapter, clock: FixedClock, news: Path):
        self.fake, self.adapter, self.clock, self.news = fake, adapter, clock, news
        self.job = AlertJob(adapter.core, {"discord": adapter}, clock=clock)

    async def slash(self, name: str, options: dict[str, Any], **kw: Any) -> str:
        interaction = self.fake.slash(name, options, **kw)
        client = self.adapter.client
        assert client is not None
        answered = client.wait_for(
            ANSWERED, check=lambda i: i.id == int(interaction["id"]), timeout=10
        )
        await self.fake.dispatch("INTERACTION_CREATE", interaction)
        await answered
        return self.fake.answer(interaction).text

    async def poll_at(self, minutes: int) -> None:
        self.clock.set(NOW + minutes * MIN)
        await self.adapter.core.engine.headlines.recent(self.clock.now(), timedelta(hours=6))
        await self.job.tick(self.clock.now())


@pytest_asyncio.fixture
async def world(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> AsyncIterator[World]:
    async with open_world(tmp_path, symbols, calendar) as (engine, clock, news), serve() as fake:
        engine._headlines = PolledNews(
            engine.news, [str(news)], engine.store, every=5 * MIN, keep=timedelta(hours=6)
        )
        adapter = DiscordAdapter(
            BotCore(engine, build_registry()), TOKEN, connector_factory=fake.connector
        )
        await adapter.start()
        try:
            yield World(fake, adapter, clock, news)
        finally:
            await adapter.stop()


@pytest.mark.asyncio
async def test_a_watched_ticker_alerts_the_channel_and_a_gone_one_is_turned_off(
    world: World,
) -> None:
    refused = await world.slash("watch", {"tickers": "TSLA"}, permissions=MEMBER_PERMS)
    assert "Only this chat's administrators" in refused
    said = await world.slash("watch", {"tickers": "TSLA"}, permissions=MANAGE_CHANNELS)
    assert said.startswith("Watching TSLA")
    alerts = world.adapter.core.alerts
    await alerts.watch(("discord", str(GONE)), ["TSLA"], NOW)
    world.fake.fail_channel(GONE, 404, 10003, "Unknown Channel")
    await world.poll_at(0)  # the first poll: the backlog is not news
    (world.news / "late.xml").write_bytes(
        rss([("Tesla soars on record orders", "https://c.example/t", NOW + 2 * MIN)])
    )
    await world.poll_at(6)
    [alert] = world.fake.channels[SIGNALS]
    shown = alert.payload.get("content", "") + str(alert.embeds)
    assert "Alert: TSLA bullish · 1 story in the last 4 min" in shown
    assert "TSLA BULLISH · Tesla" in str(alert.embeds)
    assert not (await alerts.settings(("discord", str(GONE)))).enabled
