"""The digest schedule: slots on trading days, exactly-once delivery, grace, /settings time.

The scheduler runs on the test's FixedClock: time is stepped, never slept through. Chats live in an
in-memory adapter that splits each digest into three messages, so resuming mid-digest shows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from support.botworld import NOW, open_world

from adapters.base import ChatGone, DeliveryFailed
from bot.scheduler import DigestScheduler
from chat import BotCore, BotSettings, Caller, build_registry
from chat.replies import Reply
from chat.schedule import Planner, Schedule
from chat.state import ChatState
from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.pipeline import SignalEngine
from engine.symbols import SymbolIndex

MIN = timedelta(minutes=1)
PHOENIX_0800 = NOW  # the world's NOW is Tuesday 2026-03-10 08:00 in Phoenix
CHATS = [str(100 + i) for i in range(12)]


class MemoryChats:
    """A chat platform in memory: what each chat received, failures on demand."""

    platform = "console"

    def __init__(self, core: BotCore) -> None:
        self.core = core
        self.inbox: dict[str, list[str]] = defaultdict(list)
        self.blocked: set[str] = set()
        self.failing: dict[str, int] = {}  # chat -> failures left
        self.hang_after: int | None = None  # messages confirmed before the "kill"
        self.hanging = 0
        self.all_hanging = asyncio.Event()
        self.hang_count = 0

    def messages_for(self, reply: Reply) -> list[str]:
        text = reply.plain_text
        third = len(text) // 3 + 1
        return [text[i : i + third] for i in range(0, len(text), third)]

    async def send_message(self, chat_id: str, message: object) -> None:
        if chat_id in self.blocked:
            raise ChatGone("Forbidden: bot was blocked by the user")
        if self.failing.get(chat_id):
            self.failing[chat_id] -= 1
            raise DeliveryFailed("Too Many Requests: retry after 3600")
        self.inbox[chat_id].append(str(message))  # the platform has it now
        if self.hang_after is not None and self._confirmed() > self.hang_after:
            self.hanging += 1  # ...but the confirmation never comes back: a kill -9 now
            if self.hanging == self.hang_count:
                self.all_hanging.set()
            await asyncio.Event().wait()

    def _confirmed(self) -> int:
        return sum(len(v) for v in self.inbox.values())


@dataclass
class World:
    engine: SignalEngine
    clock: FixedClock
    news: Path
    calendar: MarketCalendar

    @property
    def state(self) -> ChatState:
        """The chat tables in the world's store."""
        return ChatState(self.engine.store)

    def core(self, times: Sequence[str] = ("08:00",)) -> BotCore:
        return BotCore(
            self.engine,
            build_registry(),
            BotSettings(digest_times=tuple(times), timezone="America/Phoenix"),
        )

    def start(
        self, times: Sequence[str] = ("08:00",)
    ) -> tuple[BotCore, MemoryChats, DigestScheduler]:
        """A bot with its core, its chats and its scheduler, as `run` wires them."""
        core = self.core(times)
        chats = MemoryChats(core)
        return core, chats, self.scheduler(core, chats)

    def scheduler(self, core: BotCore, chats: MemoryChats, grace_h: float = 2) -> DigestScheduler:
        planner = Planner(
            trading_days_only=True,
            is_trading_day=self.calendar.is_trading_day,
            grace=timedelta(hours=grace_h),
        )
        return DigestScheduler(core, [chats], planner, clock=self.clock, concurrency=4)


@pytest.fixture
def world_factory(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
):  # -> a context manager
    @asynccontextmanager
    async def make() -> AsyncIterator[World]:
        async with open_world(tmp_path, symbols, calendar) as (engine, clock, news):
            for chat in CHATS:  # subscribed the day before
                await ChatState(engine.store).subscribe("console", chat, NOW - timedelta(days=1))
            yield World(engine, clock, news, calendar)

    return make


def digest_texts(chats: MemoryChats, chat: str) -> str:
    return "".join(chats.inbox[chat])


# -- the planner ------------------------------------------------------------------------------


def test_slots_skip_weekends_and_exchange_holidays(calendar: MarketCalendar) -> None:
    planner = Planner(
        trading_days_only=True, is_trading_day=calendar.is_trading_day, grace=timedelta(hours=2)
    )
    morning = Schedule((time(6, 30),), "America/Phoenix")
    thanksgiving = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # NYSE closed
    assert planner.last_slot(morning, thanksgiving).key == "06:30 America/Phoenix 2026-11-25 06:30"
    assert planner.next_slot(morning, thanksgiving).key == "06:30 America/Phoenix 2026-11-27 06:30"
    friday_evening = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    assert planner.next_slot(morning, friday_evening).local().date() == date(2026, 11, 30)
    # a moment before a slot, the next one is that slot (not the one a day later)
    slot = planner.next_slot(morning, thanksgiving)
    assert planner.next_slot(morning, slot.at - timedelta(milliseconds=300)) == slot
    # every day when asked
    daily = Planner(trading_days_only=False, is_trading_day=calendar.is_trading_day, grace=MIN)
    assert daily.last_slot(morning, thanksgiving).local().date() == date(2026, 11, 26)


def test_slots_keep_local_time_across_daylight_saving(calendar: MarketCalendar) -> None:
    planner = Planner(trading_days_only=True, is_trading_day=calendar.is_trading_day, grace=MIN)
    ny = Schedule((time(7, 15),), "America/New_York")
    before = planner.next_slot(ny, datetime(2026, 3, 6, 0, 0, tzinfo=UTC))  # Friday, EST
    after = planner.next_slot(ny, before.at)  # Monday after the change, EDT
    assert [s.local().strftime("%a %H:%M %Z") for s in (before, after)] == [
        "Fri 07:15 EST",
        "Mon 07:15 EDT",
    ]
    assert after.at - before.at == timedelta(days=3, hours=-1)  # both in UTC


def test_grace_decides_whether_a_missed_slot_is_still_sent(calendar: MarketCalendar) -> None:
    planner = Planner(
        trading_days_only=True, is_trading_day=calendar.is_trading_day, grace=timedelta(hours=2)
    )
    slot = planner.last_slot(Schedule((time(6, 30),), "America/Phoenix"), NOW)
    assert slot is not None and slot.at == NOW - timedelta(hours=1, minutes=30)
    assert planner.is_due(slot, slot.at) and planner.is_due(slot, slot.at + 2 * 60 * MIN)
    assert not planner.is_due(slot, slot.at + 2 * 60 * MIN + MIN)


# -- building and delivering ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_digest_is_built_once_at_its_time_and_every_chat_gets_it_once(
    world_factory,
) -> None:
    async with world_factory() as w:
        core, chats, scheduler = w.start()
        w.clock.set(NOW - MIN)  # 07:59: nothing yet
        assert await scheduler.tick() == [] and not chats.inbox

        w.clock.set(NOW)
        [run] = await scheduler.tick()
        assert run.digest is not None and run.slot.key == "08:00 America/Phoenix 2026-03-10 08:00"
        first = digest_texts(chats, CHATS[0])
        assert first.startswith("TradeTheHype digest · Tue 10 Mar 2026 08:00 MST")
        assert "TSLA BULLISH" in first
        assert all(digest_texts(chats, c) == first for c in CHATS)
        assert all(len(chats.inbox[c]) == 3 for c in CHATS)  # three parts each, once
        # its signals were recorded with it: the cooldown holds them
        rows = await w.engine.store.signal_rows()
        assert {r["symbol"] for r in rows} == {"TSLA", "INTC", "BA"}

        w.clock.set(NOW + 5 * MIN)  # later ticks find nothing to do
        assert await scheduler.tick() == []
        assert all(len(chats.inbox[c]) == 3 for c in CHATS)
        counts = await w.state.delivery_counts(run.digest.id)
        assert counts == {"delivered": len(CHATS)}

        # /digest shows the same digest the chats got, not a new one
        asked = await core.handle("digest", "", Caller("console", CHATS[0], "1"))
        assert asked.plain_text == first
        assert len(await w.engine.store.signal_rows()) == 3


@pytest.mark.asyncio
async def test_digest_before_its_time_is_a_preview_that_records_nothing(world_factory) -> None:
    async with world_factory() as w:
        core = w.core(times=("09:00",))
        asked = await core.handle("digest", "", Caller("console", "1", "1"))
        assert "Preview: not recorded" in asked.plain_text
        assert "(09:00 America/Phoenix, trading days)" in asked.plain_text
        assert "TSLA BULLISH" in asked.plain_text
        assert await w.engine.store.signal_rows() == []
        # the scheduled digest later still carries TSLA
        chats = MemoryChats(core)
        w.clock.set(NOW + 60 * MIN)
        await w.scheduler(core, chats).tick()
        assert "TSLA BULLISH" in digest_texts(chats, CHATS[0])


@pytest.mark.asyncio
async def test_a_restart_within_the_grace_sends_the_rest_and_nobody_twice(world_factory) -> None:
    async with world_factory() as w:
        core = w.core()
        killed = MemoryChats(core)
        killed.hang_after, killed.hang_count = 10, 4  # 10 confirmed, then 4 in flight at the kill
        w.clock.set(NOW + MIN)
        tick = asyncio.create_task(w.scheduler(core, killed).tick())
        await asyncio.wait_for(killed.all_hanging.wait(), 60)
        tick.cancel()  # kill -9: nothing after this point runs
        await asyncio.gather(tick, return_exceptions=True)
        assert killed.hanging == 4  # the in-flight window is the delivery concurrency

        restarted_core = w.core()  # a new process: same store, fresh memory
        restarted = MemoryChats(restarted_core)
        w.clock.set(NOW + 3 * MIN)
        [run] = await w.scheduler(restarted_core, restarted).tick()
        assert run.digest is not None
        full = run.digest  # the same digest as before the kill: built once
        assert len(await w.engine.store.signal_rows()) == 3

        duplicates = 0
        for chat in CHATS:
            before, after = killed.inbox[chat], restarted.inbox[chat]
            parts = before + after
            got = set(parts)
            assert len(got) == 3, chat  # every chat has the whole digest
            duplicates += len(parts) - len(got)
        assert 0 < duplicates <= 4  # only messages that were in flight at the kill came twice
        counts = await w.state.delivery_counts(full.id)
        assert counts == {"delivered": len(CHATS)}


@pytest.mark.asyncio
async def test_a_restart_after_the_grace_sends_nothing_stale(
    world_factory, caplog: pytest.LogCaptureFixture
) -> None:
    async with world_factory() as w:
        core = w.core()
        chats = MemoryChats(core)
        w.clock.set(NOW + 2 * 60 * MIN + MIN)  # 10:01, the 08:00 digest is 2 h 01 min late
        with caplog.at_level(logging.WARNING):
            assert await w.scheduler(core, chats).tick() == []
        assert not chats.inbox and await w.engine.store.signal_rows() == []
        assert (
            "Not sending the 08:00 America/Phoenix 2026-03-10 08:00 digest: it is 2 h 01 min late,"
            " past the 2 h 00 min grace"
        ) in caplog.text


@pytest.mark.asyncio
async def test_blocked_chats_leave_and_a_429_only_delays_delivery(world_factory) -> None:
    async with world_factory() as w:
        core = w.core()
        chats = MemoryChats(core)
        chats.blocked.add(CHATS[0])
        chats.failing[CHATS[1]] = 1  # a long flood wait on the first try
        scheduler = w.scheduler(core, chats)
        w.clock.set(NOW)
        [run] = await scheduler.tick()
        assert run.reports["console"].unsubscribed == [CHATS[0]]
        assert CHATS[1] in run.reports["console"].failed and not chats.inbox[CHATS[1]]
        assert not await w.state.is_subscribed("console", CHATS[0])

        w.clock.set(NOW + MIN)  # the next tick tries again
        [again] = await scheduler.tick()
        assert again.reports["console"].delivered == [CHATS[1]]
        assert len(chats.inbox[CHATS[1]]) == 3
        assert all(len(chats.inbox[c]) == 3 for c in CHATS[2:])  # nobody else twice
        assert await w.state.delivery_counts(run.digest.id) == {
            "delivered": len(CHATS) - 1,
            "gone": 1,
        }


@pytest.mark.asyncio
async def test_no_digest_on_an_exchange_holiday(world_factory) -> None:
    async with world_factory() as w:
        core = w.core()
        chats = MemoryChats(core)
        w.clock.set(datetime(2026, 4, 3, 15, 0, tzinfo=UTC))  # Good Friday, 08:00 in Phoenix
        assert await w.scheduler(core, chats).tick() == [] and not chats.inbox


@pytest.mark.asyncio
async def test_a_chat_with_its_own_time_gets_its_own_digest_and_misses_no_signal(
    world_factory,
) -> None:
    async with world_factory() as w:
        core = w.core(times=("08:30",))
        chats = MemoryChats(core)
        early, member = CHATS[0], Caller("console", CHATS[0], "7")
        reply = await core.handle("settings", "time 09:45 America/New_York", member)
        assert reply.plain_text == (
            "Done. The digest comes at 09:45 America/New_York on trading days "
            "(this chat's own time)."
        )
        assert core.schedule_changed.is_set()
        await w.state.set_chat_time(
            "console", early, "09:45", "America/New_York", NOW - timedelta(days=1)
        )
        scheduler = w.scheduler(core, chats)

        w.clock.set(NOW - 15 * MIN)  # 09:45 in New York = 07:45 in Phoenix
        [mine] = await scheduler.tick()
        assert mine.slot.key == "09:45 America/New_York 2026-03-10 09:45"
        assert list(chats.inbox) == [early]
        assert "TSLA BULLISH" in digest_texts(chats, early)

        w.clock.set(NOW + 30 * MIN)  # 08:30 in Phoenix: everyone else
        [theirs] = await scheduler.tick()
        others = digest_texts(chats, CHATS[1])
        # TSLA was signalled by the other schedule's digest (its cooldown keeps it out of this
        # one): carried over, so these chats still see it, and the early chat gets nothing twice
        assert "Also signalled since this chat's last digest, elsewhere" in others
        assert "TSLA BULLISH" in others
        assert len(chats.inbox[early]) == 3
        assert len(await w.engine.store.signal_rows()) == 3


@pytest.mark.asyncio
async def test_settings_time_is_checked_and_only_admins_change_it(world_factory) -> None:
    from chat import ChatKind

    async with world_factory() as w:
        core = w.core()

        async def no() -> bool:
            return False

        member = Caller("console", "-5", "9", ChatKind.GROUP, is_chat_admin=no)
        me = Caller("console", "5", "5")
        shown = await core.handle("settings", "", member)
        assert shown.plain_text.startswith(
            "The digest comes at 08:00 America/Phoenix on trading days (the bot's default). "
            "This chat is not subscribed: /subscribe starts it."
        )
        refused = await core.handle("settings", "time 07:00", member)
        assert refused.plain_text == "Only this chat's administrators can change its digest time."
        for bad, says in (
            ("time 25:00", "'25:00' is not a time of day"),
            ("time 7pm", "'7pm' is not a time of day"),
            ("time 1²:00", "'1²:00' is not a time of day"),  # a digit int() cannot read
            ("time 07:15 Mars/Olympus", "'Mars/Olympus' is not a time zone"),
            ("time 07:15 ../../etc/passwd", "is not a time zone"),
            ("colour blue", "I can set the digest time"),
        ):
            reply = await core.handle("settings", bad, me)
            assert not reply.ok and says in reply.plain_text, bad
        assert await w.state.chat_time("console", "5") is None
        ok = await core.handle("settings", "time 7:05", me)
        assert "at 07:05 America/Phoenix" in ok.plain_text
        back = await core.handle("settings", "time default", me)
        assert "(the bot's default)" in back.plain_text
        assert await w.state.chat_time("console", "5") is None


@pytest.mark.asyncio
async def test_the_loop_wakes_at_the_slot_when_the_clock_gets_there(world_factory) -> None:
    async with world_factory() as w:
        core, chats, scheduler = w.start()
        w.clock.set(NOW - 30 * MIN)
        stop = asyncio.Event()
        loop = asyncio.create_task(scheduler.run(stop))
        await asyncio.wait_for(scheduler.ticked.wait(), 60)
        scheduler.ticked.clear()
        assert not chats.inbox
        w.clock.set(NOW)  # 08:00: the loop was asleep until exactly now
        await asyncio.wait_for(scheduler.ticked.wait(), 60)
        assert all(len(chats.inbox[c]) == 3 for c in CHATS)
        stop.set()
        await asyncio.wait_for(loop, 60)


@pytest.mark.asyncio
async def test_a_chat_that_moves_its_time_after_its_digest_waits_for_the_next_day(
    world_factory,
) -> None:
    async with world_factory() as w:
        core, chats, scheduler = w.start()
        w.clock.set(NOW)
        await scheduler.tick()  # 08:00: everyone has today's digest
        mover = Caller("console", CHATS[0], "1")
        await core.handle("settings", "time 09:00", mover)
        w.clock.set(NOW + 60 * MIN)  # 09:00 the same day: not a second digest
        assert await scheduler.tick() == [] and len(chats.inbox[CHATS[0]]) == 3
        w.clock.set(NOW + timedelta(days=1, hours=1))  # 09:00 the next trading day
        runs = {run.slot.key for run in await scheduler.tick()}
        assert runs == {  # the others' 08:00 is an hour old: within the grace, so it goes too
            "09:00 America/Phoenix 2026-03-11 09:00",
            "08:00 America/Phoenix 2026-03-11 08:00",
        }
        assert all(len(chats.inbox[c]) == 6 for c in CHATS)  # one digest a day each


@pytest.mark.asyncio
async def test_a_digest_run_by_hand_does_not_keep_its_signals_from_the_chats(world_factory) -> None:
    async with world_factory() as w:
        w.clock.set(NOW - 30 * MIN)
        by_hand = await w.engine.build_digest()  # `tradethehype digest` at 07:30
        assert "TSLA" in {s.symbol for s in by_hand.signals}
        core = w.core()
        chats = MemoryChats(core)
        w.clock.set(NOW)
        [run] = await w.scheduler(core, chats).tick()
        text = digest_texts(chats, CHATS[0])
        # the cooldown kept TSLA out of the new signals, so it is carried, with its Why? card
        assert run.digest.payload["digest"]["signals"] == []
        assert "Also signalled since this chat's last digest, elsewhere" in text
        assert "TSLA BULLISH" in text
        assert all(c["card_id"] for c in run.digest.payload["carried"])


class SlowPoll:
    """A news poll that takes two seconds of the clock's time: the tick that starts at 07:59:59
    ends at 08:00:01, past the slot it did not see yet."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.polls = 0

    async def poll_if_due(self, now: datetime) -> None:
        self.polls += 1
        if self.polls == 1:
            self.clock.set(now + timedelta(seconds=2))

    def next_poll(self) -> datetime | None:
        return None


@pytest.mark.asyncio
async def test_a_tick_that_runs_past_a_slot_wakes_at_once_for_it(world_factory) -> None:
    """The race behind a digest headed 08:01: the first tick looked at 07:59:59 (yesterday's
    slot, stale) and finished after 08:00; the next wake must be that 08:00 slot, now, not a
    minute on. The clock never moves again here, so a wake a minute on never comes."""
    async with world_factory() as w:
        core = w.core()
        chats = MemoryChats(core)
        w.clock.set(NOW - timedelta(seconds=1))
        planner = Planner(
            trading_days_only=True, is_trading_day=w.calendar.is_trading_day, grace=2 * 60 * MIN
        )
        poll = SlowPoll(w.clock)
        scheduler = DigestScheduler(core, [chats], planner, clock=w.clock, poller=poll)
        stop = asyncio.Event()
        loop = asyncio.create_task(scheduler.run(stop))
        for _ in range(2):  # the first tick (nothing due at 07:59:59), then the slot's
            await asyncio.wait_for(scheduler.ticked.wait(), 60)
            scheduler.ticked.clear()
        assert poll.polls == 2
        assert all(len(chats.inbox[c]) == 3 for c in CHATS)
        assert digest_texts(chats, CHATS[0]).startswith(
            "TradeTheHype digest · Tue 10 Mar 2026 08:00 MST"
        )
        stop.set()
        await asyncio.wait_for(loop, 60)
