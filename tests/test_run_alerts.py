"""Breaking-news alerts in the real `tradethehype run` process: a feed served from 127.0.0.1 gains
a story while the bot runs, and the chat watching that ticker gets the alert from the fake Bot API.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FeedServer, rss
from support.botworld import NOW, write_world
from support.fake_telegram import TOKEN, bot_process, serve

from chat.alerts_state import AlertState
from engine.store import Store

WATCHER, OTHER = 5001, 5002
QUIET = [("Apple to hold shareholder meeting", "https://a.example/aapl", NOW - timedelta(hours=1))]
NEWS = [
    ("Tesla beats delivery estimates", "https://a.example/tsla", NOW),
    ("Tesla raises outlook after record quarter", "https://a.example/tsla2", NOW),
]


@pytest.mark.asyncio
async def test_a_story_added_to_a_live_feed_reaches_the_watching_chat(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _, prices = write_world(tmp_path)
    feed_server.routes["/wire.xml"] = rss(QUIET)
    async with serve() as tg:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[news]\nfeeds = ["{feed_server.url("/wire.xml")}"]\npoll_minutes = 0.05\n'
            f'[prices]\nprovider = "csv"\ncsv_dir = "{prices}"\n'
            f'[sentiment]\nbackend = "lite"\n[store]\npath = "{tmp_path / "bot.db"}"\n'
            f'[telegram]\nbase_url = "{tg.base_url}"\n'
            '[digest]\ntimes = ["12:00"]\ntimezone = "America/Phoenix"\n'
        )
        async with await Store.open(tmp_path / "bot.db") as store:
            await AlertState(store).watch(("telegram", str(WATCHER)), ["TSLA"], NOW)
            await AlertState(store).watch(("telegram", str(OTHER)), ["AAPL"], NOW)
        for chat in (WATCHER, OTHER):
            tg.chat(chat)
        async with bot_process(config, "--at", NOW.isoformat()) as run:
            await run.until("Polled 1 feeds")  # the first poll: the backlog is not news
            feed_server.routes["/wire.xml"] = rss(QUIET + NEWS)
            try:
                heading, card = await tg.wait_sent(WATCHER, count=2, within=60)
            except TimeoutError:
                run.proc.kill()
                raise AssertionError(run.text) from None
            assert await run.stop() == 0, run.text
    assert heading.visible.startswith("Alert: TSLA bullish · 2 stories in the last")
    assert card.photo is not None  # the chart, as /signal's card carries it
    assert card.visible.startswith("🟢 TSLA BULLISH · Tesla")  # the card is its caption
    assert tg.to(OTHER) == []  # no new story on its ticker
    assert "alert TSLA bullish (send)" in run.text
    assert TOKEN not in run.text and "Traceback" not in run.text
