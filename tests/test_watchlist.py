"""/watch, /unwatch, /watchlist and the alert settings: what a chat sees, bad input included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from support.botworld import open_world

from chat import BotCore, BotSettings, Caller, ChatKind, build_registry
from engine.market import MarketCalendar
from engine.symbols import SymbolIndex

ME = Caller("console", "1", "1")


async def _never() -> bool:
    return False


GROUP_MEMBER = Caller("console", "-5", "9", ChatKind.GROUP, is_chat_admin=_never)


@pytest_asyncio.fixture
async def core(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> AsyncIterator[BotCore]:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        yield BotCore(engine, build_registry(), BotSettings(max_watchlist=5))


async def say(core: BotCore, command: str, args: str = "", who: Caller = ME) -> str:
    return (await core.handle(command, args, who)).plain_text


@pytest.mark.asyncio
async def test_watch_takes_tickers_dollar_tickers_and_company_names(core: BotCore) -> None:
    said = await say(core, "watch", "TSLA NVDA $AMD Apple")
    assert said.startswith("Watching TSLA, NVDA, AMD, AAPL: an alert comes here")
    assert await core.alerts.watchlist(("console", "1")) == ["AAPL", "AMD", "NVDA", "TSLA"]
    assert (await say(core, "unwatch", "TSLA")) == "Stopped watching TSLA."
    listed = await say(core, "watchlist")
    assert listed.splitlines()[0] == "Watching 3 of at most 5 tickers:"
    assert "NVDA: no signal recorded yet" in listed and "TSLA" not in listed


@pytest.mark.asyncio
async def test_known_tickers_are_added_and_unknown_ones_named(core: BotCore) -> None:
    said = await say(core, "watch", "TSLA ZZZZQ <b>")
    assert said == (
        "Watching TSLA: an alert comes here when breaking news makes a signal. "
        "Unknown ticker or company: ZZZZQ, <b>."
    )
    assert await core.alerts.watchlist(("console", "1")) == ["TSLA"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "Which tickers? e.g. /watch TSLA NVDA $AMD Apple"),
        ("x" * 5000, "That is too long for /watch. Try /watch TICKERS."),
        (" ".join(["TSLA"] * 100), "That is too long for /watch. Try /watch TICKERS."),
        ("ZZZZQ", "Unknown ticker or company: ZZZZQ. Try e.g. /watch TSLA NVDA $AMD Apple"),
        (
            "TSLA NVDA AMD AAPL MSFT INTC",
            "This chat can watch at most 5 tickers; it watches 0, so there is room for 5 more "
            "(you asked for 6). /unwatch some first.",
        ),
    ],
)
async def test_bad_watch_input_gets_one_helpful_line(
    core: BotCore, args: str, expected: str
) -> None:
    reply = await core.handle("watch", args, ME)
    assert reply.plain_text == expected and not reply.ok
    assert await core.alerts.watchlist(("console", "1")) == []


@pytest.mark.asyncio
async def test_in_groups_only_admins_change_the_list_but_anyone_views(core: BotCore) -> None:
    assert not (await core.handle("watch", "TSLA", GROUP_MEMBER)).ok
    assert not (await core.handle("settings", "alerts off", GROUP_MEMBER)).ok
    assert (await say(core, "watchlist", who=GROUP_MEMBER)).startswith("This chat watches no")


@pytest.mark.asyncio
async def test_alert_settings_change_and_are_described(core: BotCore) -> None:
    assert (await say(core, "settings", "alerts min 0.6")) == (
        "Done. Alerts are on for watched tickers scoring at least 0.60."
    )
    assert (await say(core, "settings", "quiet 22:00-07:00 Europe/London")).endswith(
        "at least 0.60, quiet 22:00-07:00 Europe/London."
    )
    assert (await say(core, "settings", "alerts off")) == (
        "Done. Alerts are off in this chat (/settings alerts on)."
    )
    assert "Alerts are off" in await say(core, "settings")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("quiet 25:00-07:00", "'25:00' is not a time of day: write it as HH:MM, e.g. 07:15"),
        (
            "quiet 7pm-8am",
            "'7pm' is not a time of day: write it as HH:MM, e.g. 07:15",
        ),
        (
            "quiet 22:00-07:00 Mars/Olympus",
            "'Mars/Olympus' is not a time zone: use a name like America/New_York, "
            "Europe/London or UTC",
        ),
        (
            "quiet 22:00",
            "'22:00' is not a time range: write quiet hours as HH:MM-HH:MM, "
            "e.g. /settings quiet 22:00-07:00",
        ),
        ("alerts min 7", "'7' is not a score: give one from 0 to 1, e.g. 0.6"),
        ("alerts min nan", "'nan' is not a score: give one from 0 to 1, e.g. 0.6"),
    ],
)
async def test_bad_alert_settings_get_one_helpful_line(
    core: BotCore, args: str, expected: str
) -> None:
    reply = await core.handle("settings", args, ME)
    assert reply.plain_text == expected and not reply.ok
