"""The scheduled digest in the real `tradethehype run` process, against the fake Bot API.

The process runs on a rehearsal clock (`run --at`): real time moving on from a chosen instant, so
the 08:00 digest fires two seconds after start instead of at the next real 08:00.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.botworld import NOW, write_bot_config
from support.fake_telegram import TOKEN, FakeTelegram, bot_process, serve

from chat.state import ChatState
from engine.store import Store

CONCURRENCY = 4


async def subscribe(tmp: Path, tg: FakeTelegram, chats: range) -> Path:
    """A config whose digest is at 08:00 Phoenix (the world's NOW), and `chats` subscribed the
    day before."""
    config = write_bot_config(
        tmp,
        f'[telegram]\nbase_url = "{tg.base_url}"\n'
        f'[digest]\ntimes = ["08:00"]\ntimezone = "America/Phoenix"\n'
        f"delivery_concurrency = {CONCURRENCY}\n"
        # charts off: these tests count each chat's digests by their heading message
        "[charts]\nin_digest = 0\n",
    )
    async with await Store.open(tmp / "bot.db") as store:
        state = ChatState(store)
        for chat in chats:
            tg.chat(chat)
            await state.subscribe("telegram", str(chat), NOW - timedelta(days=1))
    return config


def digests_to(tg: FakeTelegram, chat: int) -> int:
    return sum(s.visible.startswith("TradeTheHype digest") for s in tg.to(chat))


@pytest.mark.asyncio
async def test_the_digest_goes_out_at_its_time_to_every_subscribed_chat(tmp_path: Path) -> None:
    chats = range(2001, 2006)
    async with serve() as tg:
        config = await subscribe(tmp_path, tg, chats)
        at = (NOW - timedelta(seconds=2)).isoformat()  # 07:59:58 in Phoenix
        async with bot_process(config, "--at", at) as run:
            await run.until("telegram adapter started")
            try:
                await tg.wait_until(lambda: all(digests_to(tg, c) for c in chats), within=30)
            except TimeoutError:  # show what the bot said
                run.proc.kill()
                raise AssertionError(run.text + (await run.proc.stderr.read()).decode()) from None
            await run.until("Delivered digest #1")
            assert all(digests_to(tg, c) == 1 for c in chats)
            first = tg.to(chats[0])[0].visible
            assert first.startswith("TradeTheHype digest · Tue 10 Mar 2026 08:00 MST")
            assert await run.stop() == 0, run.text
    assert "Found 5 recent articles" in run.text and "Generated " in run.text
    assert "Built digest #1 for 08:00 America/Phoenix 2026-03-10 08:00" in run.text
    assert TOKEN not in run.text and "Traceback" not in run.text


@pytest.mark.asyncio
async def test_kill_9_mid_delivery_then_restart_delivers_the_rest_once(tmp_path: Path) -> None:
    chats = range(3001, 3041)
    async with serve() as tg:
        config = await subscribe(tmp_path, tg, chats)
        tg.hold_after = 15  # then every request is delivered but never answered
        async with bot_process(config, "--at", (NOW + timedelta(seconds=30)).isoformat()) as first:
            await tg.wait_until(lambda: tg.held == CONCURRENCY, within=60)
            first.proc.kill()  # SIGKILL with CONCURRENCY messages in flight
            assert await first.proc.wait() == -9
        got_before = {c: digests_to(tg, c) for c in chats}
        assert sum(got_before.values()) == 15 + CONCURRENCY
        assert tg.held == CONCURRENCY  # nothing else was sent while they hung

        tg.hold_after = None
        async with bot_process(config, "--at", (NOW + timedelta(minutes=2)).isoformat()) as second:
            await tg.wait_until(lambda: all(digests_to(tg, c) for c in chats), within=60)
            await second.until("Delivered digest #1")
            assert await second.stop() == 0, second.text
    twice = [c for c in chats if digests_to(tg, c) > 1]
    assert all(digests_to(tg, c) >= 1 for c in chats)  # every chat got it
    assert len(twice) <= CONCURRENCY  # only those in flight at the kill came twice
    assert all(digests_to(tg, c) <= 2 for c in chats)
    # the restart reused the digest built before the kill: same heading, no second build
    assert "Built digest" not in second.text
    headings = {s.visible.split("\n")[0] for s in tg.sent}
    assert headings == {"TradeTheHype digest · Tue 10 Mar 2026 08:00 MST"}
