"""Breaking-news alerts: the rules on a fixed clock, and the job after each poll (in-memory chats).

The world's feeds are local files; a story is added to them between polls, as a wire would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from conftest import rss
from support.botworld import NOW, open_world
from test_schedule import MemoryChats

from bot.alerts_job import AlertJob
from bot.scheduler import DigestScheduler
from chat import BotCore, BotSettings, Caller, build_registry
from chat.alerts import AlertRules, decide, in_quiet, parse_quiet, split_stale, why_now
from chat.alerts_state import AlertRow
from chat.schedule import Planner
from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.news.polling import PolledNews
from engine.symbols import SymbolIndex

MIN = timedelta(minutes=1)
H = timedelta(hours=1)
RULES = AlertRules(cooldown=12 * H, max_per_hour=2, stale_after=6 * H)


def row(symbol: str, direction: str, at: datetime, status: str = "send") -> AlertRow:
    return AlertRow(1, "console", "A", symbol, direction, "card", status, 1, "", at)


# -- the rules ----------------------------------------------------------------------------------


def test_one_alert_per_ticker_and_direction_within_the_cooldown_a_reversal_allowed() -> None:
    past = [row("TSLA", "bullish", NOW - 11 * H)]
    assert decide(past, "TSLA", "bullish", NOW, RULES, quiet=False).verdict == "skip"
    turned = decide(past, "TSLA", "bearish", NOW, RULES, quiet=False)
    assert turned.verdict == "send" and turned.reversal
    later = decide(past, "TSLA", "bullish", NOW + 2 * H, RULES, quiet=False)
    assert later.verdict == "send" and not later.reversal  # the cooldown is over
    assert decide(past, "NVDA", "bullish", NOW, RULES, quiet=False).verdict == "send"


def test_the_hourly_cap_holds_the_rest_and_quiet_hours_hold_everything() -> None:
    past = [row("A", "bullish", NOW - 50 * MIN), row("B", "bullish", NOW - 10 * MIN)]
    assert decide(past, "C", "bullish", NOW, RULES, quiet=False).verdict == "held"
    assert decide(past, "C", "bullish", NOW + 11 * MIN, RULES, quiet=False).verdict == "send"
    assert decide([], "C", "bullish", NOW, RULES, quiet=True).verdict == "held"


def test_quiet_hours_across_midnight_in_the_chats_zone() -> None:
    london = ZoneInfo("Europe/London")
    quiet = parse_quiet("22:00-7:00")
    assert quiet == "22:00-07:00"
    assert in_quiet(quiet, london, datetime(2026, 3, 10, 23, 30, tzinfo=london))
    assert in_quiet(quiet, london, datetime(2026, 3, 11, 6, 59, tzinfo=london))
    assert not in_quiet(quiet, london, datetime(2026, 3, 11, 7, 0, tzinfo=london))
    assert not in_quiet("", london, NOW)


def test_held_alerts_older_than_stale_after_are_dropped() -> None:
    held = [row("A", "bullish", NOW - 7 * H, "held"), row("B", "bearish", NOW - H, "held")]
    fresh, stale = split_stale(held, NOW, RULES)
    assert [r.symbol for r in fresh] == ["B"] and [r.symbol for r in stale] == ["A"]


def test_why_now_says_how_many_stories_and_over_what_time() -> None:
    assert why_now(3, NOW - 40 * MIN, NOW) == "3 stories in the last 40 min"
    assert why_now(1, NOW, NOW) == "1 story in the last 1 min"


# -- the job after each poll --------------------------------------------------------------------


@dataclass
class Bot:
    core: BotCore
    chats: MemoryChats
    job: AlertJob
    scheduler: DigestScheduler
    clock: FixedClock
    news: Path

    def inbox(self, chat: str) -> str:
        return "".join(self.chats.inbox[chat])

    def add_story(self, title: str, at: datetime, name: str = "late.xml") -> None:
        (self.news / name).write_bytes(rss([(title, f"https://c.example/{name}", at)]))

    async def poll_at(self, at: datetime) -> None:
        self.clock.set(at)
        await self.scheduler.tick()


def restart(bot: Bot) -> Bot:
    """The same store with a new job and scheduler, as after a kill and a new `run`."""
    chats = MemoryChats(bot.core)
    job = AlertJob(bot.core, {"console": chats}, clock=bot.clock, rules=RULES)
    planner = Planner(trading_days_only=True, is_trading_day=lambda d: True, grace=2 * H)
    poller = bot.scheduler.poller
    scheduler = DigestScheduler(
        bot.core, [chats], planner, clock=bot.clock, poller=poller, jobs=[job]
    )
    return Bot(bot.core, chats, job, scheduler, bot.clock, bot.news)


@pytest_asyncio.fixture
async def bot(tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar) -> AsyncIterator[Bot]:
    async with open_world(tmp_path, symbols, calendar) as (engine, clock, news):
        engine._headlines = PolledNews(
            engine.news, [str(news)], engine.store, every=5 * MIN, keep=6 * H
        )
        core = BotCore(
            engine,
            build_registry(),
            BotSettings(digest_times=("23:59",), timezone="America/Phoenix"),
        )
        first = Bot(core, MemoryChats(core), None, None, clock, news)  # type: ignore[arg-type]
        first.scheduler = DigestScheduler(
            core,
            [],
            Planner(trading_days_only=True, is_trading_day=lambda d: True, grace=H),
            clock=clock,
            poller=engine._headlines,
        )
        bot = restart(first)
        await bot.poll_at(NOW)  # the first poll: the backlog is not news
        yield bot


async def watch(bot: Bot, chat: str, args: str, settings: str = "") -> None:
    who = Caller("console", chat, chat)
    assert (await bot.core.handle("watch", args, who)).ok
    if settings:
        assert (await bot.core.handle("settings", settings, who)).ok


@pytest.mark.asyncio
async def test_a_new_story_on_a_watched_ticker_alerts_the_watchers_once(bot: Bot) -> None:
    await watch(bot, "A", "TSLA")
    await watch(bot, "B", "NVDA")
    assert not bot.chats.inbox  # nothing before a new story
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)
    await bot.poll_at(NOW + 6 * MIN)
    got = bot.inbox("A")
    assert got.startswith("Alert: TSLA bullish · 1 story in the last 4 min")
    assert "TSLA BULLISH" in got  # the signal card, as /signal shows it
    assert not bot.inbox("B")
    bot.add_story("Tesla jumps again", NOW + 7 * MIN, "later.xml")
    await bot.poll_at(NOW + 12 * MIN)
    assert bot.inbox("A") == got  # the cooldown: one alert per direction


@pytest.mark.asyncio
async def test_a_chat_threshold_above_the_score_gets_no_alert(bot: Bot) -> None:
    await watch(bot, "A", "TSLA", "alerts min 1")
    await watch(bot, "B", "TSLA", "alerts off")
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)
    await bot.poll_at(NOW + 6 * MIN)
    assert not bot.chats.inbox


@pytest.mark.asyncio
async def test_two_watchers_in_different_zones_one_in_quiet_hours(bot: Bot) -> None:
    # NOW is 15:00 UTC: 15:00 in London, 11:00 in New York
    await watch(bot, "L", "TSLA", "quiet 22:00-07:00 Europe/London")
    await watch(bot, "N", "TSLA", "quiet 09:00-15:30 America/New_York")
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)
    await bot.poll_at(NOW + 6 * MIN)
    assert bot.inbox("L").startswith("Alert: TSLA bullish")
    assert not bot.inbox("N")  # held: quiet in New York
    await bot.poll_at(NOW + 4 * H + 31 * MIN)  # 15:31 in New York: the quiet hours are over
    summary = bot.inbox("N")
    assert summary.startswith("Alerts held back: 1\n11:06 TSLA bullish · 1 story")
    await bot.poll_at(NOW + 4 * H + 40 * MIN)
    assert bot.inbox("N") == summary  # once


@pytest.mark.asyncio
async def test_alerts_held_past_stale_after_are_dropped_not_sent(bot: Bot) -> None:
    await watch(bot, "N", "TSLA", "quiet 09:00-22:00 America/New_York")
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)
    await bot.poll_at(NOW + 6 * MIN)
    await bot.poll_at(NOW + 11 * H)  # 22:00 in New York: 11 h on, past the 6 h
    assert not bot.chats.inbox


@pytest.mark.asyncio
async def test_a_chat_that_blocked_the_bot_loses_digest_and_alerts(bot: Bot) -> None:
    await watch(bot, "A", "TSLA")
    await bot.core.state.subscribe("console", "A", NOW)
    bot.chats.blocked.add("A")
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)
    await bot.poll_at(NOW + 6 * MIN)
    assert not await bot.core.state.is_subscribed("console", "A")
    assert not (await bot.core.alerts.settings(("console", "A"))).enabled


@pytest.mark.asyncio
async def test_a_restart_between_scored_and_delivered_sends_the_alert_once(bot: Bot) -> None:
    await watch(bot, "A", "TSLA")
    bot.chats.hang_after, bot.chats.hang_count = 0, 1  # the first part reaches the chat, the
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)  # confirmation never comes
    bot.clock.set(NOW + 6 * MIN)
    ticking = asyncio.create_task(bot.scheduler.tick())
    await asyncio.wait_for(bot.chats.all_hanging.wait(), 60)
    ticking.cancel()  # the kill
    await asyncio.gather(ticking, return_exceptions=True)
    first_part = bot.inbox("A")
    again = restart(bot)
    await again.poll_at(NOW + 7 * MIN)
    await again.poll_at(NOW + 13 * MIN)
    assert again.inbox("A").startswith("Alert: TSLA bullish")  # the whole alert, once
    assert again.inbox("A").count("Alert: TSLA") == 1 and first_part
    assert len(await bot.core.alerts.recent(("console", "A"), NOW)) == 1  # recorded once


@pytest.mark.asyncio
async def test_an_alerted_ticker_is_still_in_the_next_digest_marked_alerted_at(bot: Bot) -> None:
    await watch(bot, "A", "TSLA")
    for chat in ("A", "B"):
        await bot.core.state.subscribe("console", chat, NOW - 24 * H)
        await bot.core.state.set_chat_time("console", chat, "09:00", "America/Phoenix", NOW)
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)
    await bot.poll_at(NOW + 6 * MIN)  # 08:06 in Phoenix
    alert = bot.inbox("A")
    await bot.poll_at(NOW + H)  # 09:00 in Phoenix: the digest
    digest = bot.inbox("A").removeprefix(alert)
    assert digest.startswith("TradeTheHype digest") and "TSLA BULLISH" in digest
    assert "Alerted here earlier: TSLA at 08:06." in digest
    assert "TSLA BULLISH" in bot.inbox("B") and "Alerted here" not in bot.inbox("B")


@pytest.mark.asyncio
async def test_everything_alerts_subscribed_chats_on_every_strong_signal(bot: Bot) -> None:
    await bot.core.state.subscribe("console", "S", NOW - 24 * H)  # subscribed, watching nothing
    await bot.core.handle("settings", "alerts off", Caller("console", "X", "X"))
    await bot.core.state.subscribe("console", "X", NOW - 24 * H)  # ...but alerts off
    everything = AlertJob(
        bot.core, {"console": bot.chats}, clock=bot.clock, rules=RULES, everything=True
    )
    bot.scheduler.jobs = (everything,)
    bot.add_story("Tesla soars on record orders", NOW + 2 * MIN)
    await bot.poll_at(NOW + 6 * MIN)
    assert bot.inbox("S").startswith("Alert: TSLA bullish")
    assert not bot.inbox("X")
