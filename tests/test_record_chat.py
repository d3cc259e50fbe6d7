"""The record where users look: the outcome notices (exactly once per receiving chat, across a
restart), the digest's 30-day line, /why with an outcome and /performance, on the scheduler's
FixedClock with an in-memory chat platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from support.botworld import open_world
from support.record import record_signal, write_prices
from test_schedule import MemoryChats

from bot.outcomes_job import OutcomeJob
from bot.scheduler import DigestScheduler
from chat import BotCore, BotSettings, Caller, build_registry
from chat.schedule import Planner
from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.prices.csv import CsvPriceProvider
from engine.symbols import SymbolIndex

PHOENIX = ZoneInfo("America/Phoenix")
SIGNAL_AT = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # Tue 06:00 in Phoenix, before the open
AFTER_CLOSE = datetime(2026, 3, 11, 20, 30, tzinfo=UTC)  # Wednesday's close + 30 min
NOTICE = "TSLA bullish from Tue 10 Mar hit its target 110.00: +2.0R"
ALICE = Caller("console", "A", "u1")
World = tuple[BotCore, FixedClock, CsvPriceProvider]


@dataclass
class Bot:
    core: BotCore
    chats: MemoryChats
    scheduler: DigestScheduler
    job: OutcomeJob
    clock: FixedClock

    def inbox(self, chat: str) -> str:
        return "".join(self.chats.inbox[chat])


@pytest_asyncio.fixture
async def world(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> AsyncIterator[World]:
    prices = tmp_path / "outcome-prices"
    days = ["2026-03-10", "2026-03-11", "2026-03-12"]
    bars = [(100, 101, 99, 100), (101, 111, 100, 109), (109, 110, 108, 109)]
    write_prices(prices, "TSLA", list(zip(days, bars, strict=True)))
    async with open_world(tmp_path, symbols, calendar) as (engine, clock, _):
        core = BotCore(
            engine,
            build_registry(),
            BotSettings(digest_times=("08:00",), timezone="America/Phoenix"),
        )
        for chat in "ABC":
            await core.state.subscribe("console", chat, SIGNAL_AT - timedelta(days=1))
        digest = await record_signal(engine.store, "TSLA", "bullish", SIGNAL_AT, (100, 95, 110))
        for chat, status in (("A", "delivered"), ("B", "delivered"), ("C", "failed")):
            await core.state.record_delivery(
                digest.id, "console", chat, parts_sent=3, status=status, now=SIGNAL_AT
            )
        yield core, clock, CsvPriceProvider(prices, calendar)


def start(core: BotCore, clock: FixedClock, prices: CsvPriceProvider, cal: MarketCalendar) -> Bot:
    """The bot as `run` wires it: a scheduler with the outcome job on the same clock."""
    chats = MemoryChats(core)
    job = OutcomeJob(
        core,
        {"console": chats},
        clock=clock,
        calendar=cal,
        prices=prices,
        horizon=5,
        delay=timedelta(minutes=30),
        tz=PHOENIX,
    )
    planner = Planner(
        trading_days_only=True, is_trading_day=cal.is_trading_day, grace=timedelta(hours=2)
    )
    scheduler = DigestScheduler(core, [chats], planner, clock=clock, jobs=[job])
    return Bot(core, chats, scheduler, job, clock)


async def after_the_close(world: World, calendar: MarketCalendar, **failing: int) -> Bot:
    """A bot started on `world`, ticked at Wednesday's close + 30 min (the target was hit that
    day); `failing`: chats whose next sends fail."""
    core, clock, prices = world
    bot = start(core, clock, prices, calendar)
    bot.chats.failing.update(failing)
    clock.set(AFTER_CLOSE)
    await bot.scheduler.tick()
    return bot


@pytest.mark.asyncio
async def test_the_outcome_reaches_each_receiving_chat_once(
    world: World, calendar: MarketCalendar
) -> None:
    core, clock, prices = world
    bot = start(core, clock, prices, calendar)
    clock.set(datetime(2026, 3, 11, 18, 0, tzinfo=UTC))  # Wednesday's session: Tuesday's close
    await bot.scheduler.tick()  # is done (a first start catches up), the target not hit yet
    clock.set(AFTER_CLOSE - timedelta(minutes=1))
    await bot.scheduler.tick()
    assert not bot.chats.inbox  # not due before Wednesday's close + 30 min
    assert await bot.scheduler._next_wake(clock.now()) == AFTER_CLOSE

    clock.set(AFTER_CLOSE)
    await bot.scheduler.tick()
    assert bot.inbox("A") == NOTICE and bot.inbox("B") == NOTICE
    assert "C" not in bot.chats.inbox  # its digest never arrived: it never saw the signal

    await bot.scheduler.tick()  # the same close again: nothing more
    again = start(core, clock, prices, calendar)  # a restart: new process, same store
    await again.job.send_notices(clock.now())
    await again.scheduler.tick()
    assert bot.inbox("A") == NOTICE and not again.chats.inbox


@pytest.mark.asyncio
async def test_a_notice_that_failed_goes_out_after_a_restart(
    world: World, calendar: MarketCalendar
) -> None:
    core, clock, prices = world
    bot = await after_the_close(world, calendar, B=1)
    assert bot.inbox("A") == NOTICE and "B" not in bot.chats.inbox

    clock.set(AFTER_CLOSE + timedelta(days=1))  # the next close, in a restarted bot
    again = start(core, clock, prices, calendar)
    await again.scheduler.tick()
    assert again.inbox("B") == NOTICE and "A" not in again.chats.inbox


@pytest.mark.asyncio
async def test_an_old_outcome_resolved_late_is_recorded_but_not_told(
    world: World, calendar: MarketCalendar
) -> None:
    core, clock, prices = world
    bot = start(core, clock, prices, calendar)
    clock.set(AFTER_CLOSE + timedelta(days=8))  # e.g. the first run after an upgrade
    await bot.scheduler.tick()
    assert await core.engine.store.resolved_since(SIGNAL_AT) and not bot.chats.inbox


@pytest.mark.asyncio
async def test_notify_false_resolves_but_tells_nobody(
    world: World, calendar: MarketCalendar
) -> None:
    core, clock, prices = world
    bot = start(core, clock, prices, calendar)
    bot.job.notify = False
    clock.set(AFTER_CLOSE)
    result = await bot.job.tick(clock.now())
    assert result is not None and len(result.resolved) == 1 and not bot.chats.inbox


@pytest.mark.asyncio
async def test_the_digest_ends_with_the_30_day_record(
    world: World, calendar: MarketCalendar
) -> None:
    core, clock, _ = world
    bot = await after_the_close(world, calendar)
    clock.set(datetime(2026, 3, 12, 15, 0, tzinfo=UTC))  # Thursday 08:00 in Phoenix
    [run] = await bot.scheduler.tick()
    assert run.digest is not None
    line = (
        "Record, last 30 days: 1 closed (0 open) · target first 100% · stop first 0% · "
        "average +2.0R."
    )
    assert bot.inbox("C").endswith(line)  # C is subscribed: it gets the digest
    assert (await core.todays_digest(ALICE)).plain_text.endswith(line)  # /digest: the same


@pytest.mark.asyncio
async def test_why_shows_the_outcome_once_there_is_one(
    world: World, calendar: MarketCalendar
) -> None:
    core, clock, prices = world
    clock.set(AFTER_CLOSE - timedelta(hours=2))
    before = (await core.handle("why", "TSLA", ALICE)).plain_text
    assert before.startswith("Why BULLISH on TSLA") and "Outcome: open (still followed)" in before

    await after_the_close(world, calendar)
    after = (await core.handle("why", "TSLA", ALICE)).plain_text
    assert after.endswith(
        "Outcome: hit its target 110.00 on 2026-03-11, +2.0R (2 sessions held; "
        "best +2.2R, worst -0.2R)"
    )


@pytest.mark.asyncio
async def test_performance_through_the_registry(world: World, calendar: MarketCalendar) -> None:
    core, clock, prices = world
    clock.set(AFTER_CLOSE - timedelta(hours=2))
    nothing = await core.handle("performance", "", ALICE)
    assert nothing.ok and nothing.plain_text.startswith(
        "Record, all time: no closed signals yet (1 open).\nRules: "
    )
    await after_the_close(world, calendar)
    reply = await core.handle("performance", "30d", ALICE)
    lines = reply.plain_text.splitlines()
    assert lines[0] == "Record, last 30 days: 1 signal, 1 closed, 0 open"
    assert lines[1] == "Closed: target first 100%"
    assert lines[2].startswith("Average +2.0R · expectancy +2.0R · profit factor n/a")
    assert "Bullish: 1 closed, average +2.0R" in lines and "Best: TSLA +2.0R (1)" in lines
    bad = await core.handle("performance", "soon", ALICE)
    assert not bad.ok and "'soon' is not a period" in bad.plain_text
