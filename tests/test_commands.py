"""The command registry and the bot core, below any chat platform."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from support.botworld import NOW, open_world

from chat import (
    Access,
    BotCore,
    BotSettings,
    Caller,
    ChatKind,
    Command,
    Registry,
    build_registry,
)
from chat.core import RateLimiter
from chat.replies import Reply, text
from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.symbols import SymbolIndex


async def _noop(ctx: object) -> Reply:
    return text("ok")


def test_every_builtin_command_is_valid_everywhere_and_documented() -> None:
    registry = build_registry()
    names = [c.name for c in registry]
    assert names == [
        "start",
        "help",
        "subscribe",
        "unsubscribe",
        "signal",
        "why",
        "chart",
        "watch",
        "unwatch",
        "watchlist",
        "digest",
        "performance",
        "settings",
    ]
    assert all(c.help and len(c.help) <= 100 for c in registry)  # Discord's description limit
    admin_only = {c.name for c in registry if c.access is Access.CHAT_ADMIN}
    assert admin_only == {"subscribe", "unsubscribe", "watch", "unwatch"}
    assert registry.get("signal").usage == "/signal TICKER"  # type: ignore[union-attr]
    assert registry.get("why").usage == "/why [TICKER]"  # type: ignore[union-attr]
    assert "/start" not in registry.help_text()  # not in menus; /help covers it


def test_registry_refuses_duplicates_and_names_a_platform_would_reject() -> None:
    registry = Registry()
    registry.add(Command("ping", "ping", _noop))
    with pytest.raises(ValueError, match="registered twice"):
        registry.add(Command("ping", "again", _noop))
    for bad in ("Ping", "pi ng", "", "x" * 33, "1up"):
        with pytest.raises(ValueError, match="not valid"):
            Command(bad, "bad", _noop)


def test_rate_limit_window_slides_with_the_clock() -> None:
    clock = FixedClock(NOW)
    limiter = RateLimiter(2, clock)
    assert limiter.wait_for("u") == 0 and limiter.wait_for("u") == 0
    assert limiter.wait_for("u") == 60
    assert limiter.wait_for("v") == 0  # per user
    clock.set(NOW + timedelta(seconds=45))
    assert limiter.wait_for("u") == 15
    clock.set(NOW + timedelta(seconds=61))
    assert limiter.wait_for("u") == 0
    assert RateLimiter(0, clock).wait_for("u") == 0  # 0 disables the limit


@pytest.mark.asyncio
async def test_a_failing_handler_is_an_apology_not_a_traceback(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar, caplog
) -> None:
    async def broken(ctx: object) -> Reply:
        raise RuntimeError("database on fire")

    registry = Registry()
    registry.add(Command("boom", "fails", broken))
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        core = BotCore(engine, registry)
        reply = await core.handle("boom", "", Caller("console", "1", "1"))
    assert not reply.ok and reply.private
    assert (
        reply.plain_text == "Sorry, something went wrong on our side. Please try again in a minute."
    )
    assert "database on fire" in caplog.text  # the details go to the log


@pytest.mark.asyncio
async def test_admin_check_is_asked_only_in_groups(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    asked: list[str] = []

    async def never() -> bool:
        asked.append("x")
        return False

    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        core = BotCore(engine, build_registry())
        private = Caller("console", "7", "7", ChatKind.PRIVATE, is_chat_admin=never)
        assert (await core.handle("subscribe", "", private)).ok and asked == []
        group = Caller("console", "-9", "7", ChatKind.GROUP, is_chat_admin=never)
        assert not (await core.handle("subscribe", "", group)).ok and asked == ["x"]
        assert (await core.handle("signal", "MSFT", group)).ok and asked == ["x"]


@pytest.mark.asyncio
async def test_todays_digest_means_today_in_the_configured_timezone(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, clock, _):
        core = BotCore(engine, build_registry(), BotSettings(timezone="America/Phoenix"))
        asker = Caller("console", "1", "1")
        clock.set(NOW - timedelta(hours=12))  # 03:00 UTC, but still yesterday in Phoenix
        yesterday = await core.handle("digest", "", asker)
        clock.set(NOW)  # 08:00 in Phoenix
        today = await core.handle("digest", "", asker)
        assert "Mon 09 Mar 2026 20:00 MST" in yesterday.plain_text
        assert "Tue 10 Mar 2026 08:00 MST" in today.plain_text  # built anew, not yesterday's
        again = await core.handle("digest", "", asker)
        assert again.plain_text == today.plain_text


@pytest.mark.asyncio
async def test_a_digest_of_nothing_but_failures_is_not_kept_for_the_day(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, news):
        core = BotCore(engine, build_registry())
        asker = Caller("console", "1", "1")
        working = engine.settings
        engine.settings = replace(working, feeds=[str(tmp_path / "down.xml")])
        down = await core.handle("digest", "", asker)
        assert "No new signals" in down.plain_text and "Source failed" in down.plain_text
        engine.settings = working  # the feed is back
        assert "TSLA BULLISH" in (await core.handle("digest", "", asker)).plain_text


@pytest.mark.asyncio
async def test_why_in_a_chat_days_later_counts_ages_from_now(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, clock, _):
        core = BotCore(engine, build_registry())
        asker = Caller("console", "1", "1")
        await core.handle("digest", "", asker)
        fresh = (await core.handle("why", "TSLA", asker)).plain_text
        assert fresh.startswith("Why BULLISH on TSLA (Tesla), signalled 2026-03-10 15:00 UTC\n")
        clock.set(NOW + timedelta(days=8, hours=2))
        later = (await core.handle("why", "TSLA", asker)).plain_text
        assert "signalled 2026-03-10 15:00 UTC, 8 days 2 h ago" in later.splitlines()[0]
