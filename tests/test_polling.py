"""News polled into the store (`run`): the digest and /signal read stored stories."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import rss
from support.botworld import NOW, open_world

from chat import BotCore, Caller, build_registry
from engine.market import MarketCalendar
from engine.news.polling import POLL_STATE, PolledNews
from engine.symbols import SymbolIndex

MIN = timedelta(minutes=1)


@pytest.mark.asyncio
async def test_readers_get_stored_stories_and_a_poll_only_when_one_is_due(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, clock, news):
        polled = PolledNews(
            engine.news, [str(news)], engine.store, every=10 * MIN, keep=timedelta(hours=6)
        )
        engine._headlines = polled
        core = BotCore(engine, build_registry())
        me = Caller("console", "1", "1")

        first = await core.handle("signal", "TSLA", me)  # nothing polled yet: polls first
        assert "TSLA BULLISH" in first.plain_text
        state, polled_at = await engine.store.state(POLL_STATE)
        assert polled_at == NOW and state["stories"] == 5 and state["failed"] == []

        # a new story and a dead feed appear; until the next poll, readers see the stored ones
        (news / "c.xml").write_bytes(
            rss([("Microsoft soars on record cloud sales", "https://c.example/m", NOW)])
        )
        (news / "dead.xml").write_text("<rss><channel><item>")
        clock.set(NOW + 5 * MIN)
        assert "No fresh news on MSFT" in (await core.handle("signal", "MSFT", me)).plain_text
        assert (await engine.store.state(POLL_STATE))[1] == NOW  # no poll in between

        clock.set(NOW + 10 * MIN)  # the poll is due: the reader polls first
        assert "news +0.86 (1 headline)" in (await core.handle("signal", "MSFT", me)).plain_text
        state, polled_at = await engine.store.state(POLL_STATE)
        assert polled_at == NOW + 10 * MIN and state["new"] == 1
        assert [f["source"] for f in state["failed"]] == [str(news / "dead.xml")]

        # every feed down: the stories stored earlier still count, the failure is said
        for f in news.iterdir():
            f.write_text("<rss><channel><item>")  # cut off mid-download
        clock.set(NOW + 20 * MIN)
        preview = await core.handle("digest", "", me)
        assert "TSLA BULLISH" in preview.plain_text and "Preview" in preview.plain_text
        assert "a.xml: parse: not a valid RSS/Atom feed" in preview.plain_text

        # stories older than the window are forgotten at the next poll
        clock.set(NOW + 7 * 60 * MIN)
        await polled.poll_if_due(clock.now())
        assert await engine.store.recent_articles(NOW - timedelta(days=1)) == []
