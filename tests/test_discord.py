"""The Discord bot, driven the way Discord drives it.

A real discord.py client logs in, publishes its slash commands and connects to a fake Discord on
127.0.0.1 (tests/support/fake_discord.py: REST API and gateway). Tests push INTERACTION_CREATE
events as the gateway sends them when someone runs a command or presses a button, and read what
Discord would show: the interaction's response, its follow-ups, the messages in a channel. The
engine behind it is the real one on local feeds and replayed prices (tests/support/botworld.py);
only sentiment is the keyword stand-in.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from conftest import rss
from support.botworld import NOW, open_world
from support.fake_discord import (
    ADMIN,
    ADMINISTRATOR,
    GUILD,
    LOBBY,
    MANAGE_CHANNELS,
    MEMBER,
    MEMBER_PERMS,
    SEND_MESSAGES,
    SIGNALS,
    TOKEN,
    VIEW_CHANNEL,
    Answer,
    FakeDiscord,
    limit_errors,
    serve,
)

from adapters.base import broadcast
from adapters.discord.adapter import ANSWERED, DiscordAdapter
from chat import BotCore, BotSettings, Caller, Command, Context, build_registry
from chat.core import SORRY
from chat.replies import Card, Headline, Levels, PriceLine, Reply, Text, text
from engine.errors import UserError
from engine.market import MarketCalendar
from engine.pipeline import SignalEngine
from engine.symbols import SymbolIndex

GREEN, RED, GREY = 0x2ECC71, 0xE74C3C, 0x979C9F  # discord.Colour green(), red(), light_grey()
CONFIG_ADMIN = 1400000000000000077  # a bot admin from the config: no Manage Channels needed


@dataclass
class Bot:
    discord: FakeDiscord
    adapter: DiscordAdapter
    core: BotCore
    engine: SignalEngine
    news: Path

    async def run(self, interaction: dict[str, Any]) -> Answer:
        """Push an interaction through the gateway; return what the user sees once answered."""
        client = self.adapter.client
        assert client is not None
        answered = client.wait_for(
            ANSWERED, check=lambda i: i.id == int(interaction["id"]), timeout=10
        )
        await self.discord.dispatch("INTERACTION_CREATE", interaction)
        await answered
        return self.discord.answer(interaction)

    async def slash(self, name: str, options: dict[str, Any] | None = None, **kw: Any) -> Answer:
        return await self.run(self.discord.slash(name, options, **kw))

    def adapter_for(self, **kw: Any) -> DiscordAdapter:
        return DiscordAdapter(self.core, TOKEN, connector_factory=self.discord.connector, **kw)

    async def restart(self, **kw: Any) -> None:
        """Stop the bot and start a new adapter (a fresh client), as after a restart."""
        await self.adapter.stop()
        self.adapter = self.adapter_for(**kw)
        await self.adapter.start()


@pytest_asyncio.fixture
async def bot(tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar) -> AsyncIterator[Bot]:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, news), serve() as fake:
        settings = BotSettings(max_tickers=3, admins={"discord": frozenset({str(CONFIG_ADMIN)})})
        core = BotCore(engine, build_registry(), settings)
        adapter = DiscordAdapter(core, TOKEN, connector_factory=fake.connector)
        await adapter.start()
        bot = Bot(fake, adapter, core, engine, news)
        try:
            yield bot
        finally:
            await bot.adapter.stop()  # the one running now (some tests restart it)


def embed(answer: Answer, i: int = 0, message: int = 0) -> dict[str, Any]:
    return answer.messages[message].embeds[i]


def fields(e: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in e.get("fields", [])}


# -- start: commands from the registry, no intents --------------------------------------------


@pytest.mark.asyncio
async def test_slash_commands_are_generated_from_the_registry(bot: Bot) -> None:
    published = {c["name"]: c for c in bot.discord.commands()}
    menu = bot.core.registry.menu()
    assert list(published) == [c.name for c in menu]  # /start is Telegram's, not in the menu
    for command in menu:
        cmd = published[command.name]
        assert cmd["description"] == command.help
        assert [
            (o["name"], o["description"], o["type"], bool(o.get("required")))
            for o in cmd["options"]
        ] == [(a.name, a.help, 3, a.required) for a in command.args]
    for name in ("subscribe", "unsubscribe"):  # Manage Channels, servers only
        assert int(published[name]["default_member_permissions"]) == MANAGE_CHANNELS
        assert published[name]["contexts"] == [0] and published[name]["dm_permission"] is False
    for name in ("help", "signal", "why", "digest"):
        assert published[name]["default_member_permissions"] is None
        assert published[name]["dm_permission"] is True
    assert published["signal"]["options"][0]["max_length"] == 200
    # the client asked for no gateway intent at all (none privileged): interactions need none
    assert [i["intents"] for i in bot.discord.identifies] == [0]


@pytest.mark.asyncio
async def test_guild_ids_publish_to_those_servers_at_once(bot: Bot) -> None:
    bot.discord.global_commands = None
    await bot.restart(guild_ids=[GUILD])
    assert bot.discord.global_commands is None  # nothing published globally
    assert [c["name"] for c in bot.discord.commands(GUILD)] == [
        c.name for c in bot.core.registry.menu()
    ]
    answer = await bot.slash("help")  # a server command carries its guild_id: still found
    assert embed(answer)["title"] == "Commands"


@pytest.mark.asyncio
async def test_a_server_the_bot_is_not_in_is_one_clear_error(bot: Bot) -> None:
    adapter = bot.adapter_for(guild_ids=[GUILD, 999999999999999999])
    with pytest.raises(UserError, match="not in that server or was invited without the"):
        await adapter.start()
    assert adapter.client is None  # cleaned up


@pytest.mark.asyncio
async def test_a_rejected_token_is_one_clear_error(bot: Bot) -> None:
    bot.discord.token = "another-token"  # Discord answers 401 to ours
    adapter = bot.adapter_for()
    with pytest.raises(UserError, match=r"Discord refused the bot token \(401 Unauthorized\)"):
        await adapter.start()
    assert adapter.client is None


# -- commands ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_help_lists_every_command(bot: Bot) -> None:
    answer = await bot.slash("help")
    assert not answer.deferred and not answer.ephemeral
    assert answer.calls[0].body["type"] == 4  # answered at once
    e = embed(answer)
    assert e["title"] == "Commands"
    for command in bot.core.registry.menu():
        assert command.usage in e["description"]
    # no message may mention anyone
    assert answer.calls[0].body["data"]["allowed_mentions"] == {"parse": []}


@pytest.mark.asyncio
async def test_signal_defers_then_follows_up_with_embeds(bot: Bot) -> None:
    answer = await bot.slash("signal", {"ticker": "TSLA, intc, Apple"})
    # slow: "thinking..." first (Discord drops interactions not acknowledged in 3 s)
    assert [c.body.get("type") for c in answer.calls] == [5, None]
    assert answer.deferred and not answer.ephemeral and len(answer.messages) == 1
    tsla, intc, aapl = answer.messages[0].embeds
    assert (tsla["title"], tsla["color"]) == ("TSLA BULLISH · Tesla", GREEN)
    assert fields(tsla) == {
        "Price": "275.00 at Tue 10 Mar 10:55 ET",  # the price with its time
        "Entry": "275.00",
        "Stop": "270.50",
        "Target": "284.00",
    }
    assert (
        "[Tesla beats delivery estimates](https://a.example/tsla) · Wire A" in tsla["description"]
    )
    assert (intc["title"], intc["color"]) == ("INTC BEARISH · Intel", RED)
    assert (aapl["title"], aapl["color"]) == ("AAPL · Apple", GREY)  # no signal: grey, no levels
    assert set(fields(aapl)) == {"Price"}
    # a Why? button for each signal card, none for the view without a signal
    labels = [b["label"] for b in answer.messages[0].buttons]
    assert labels == ["Why TSLA?", "Why INTC?"]
    assert all(b["custom_id"].startswith("tth:why:") for b in answer.messages[0].buttons)


@pytest.mark.asyncio
async def test_a_stale_price_says_so_and_shows_no_levels(bot: Bot) -> None:
    answer = await bot.slash("signal", {"ticker": "BA"})
    ba = embed(answer)
    assert ba["title"] == "BA BEARISH · Boeing"
    assert fields(ba) == {"Price": "115.00 STALE (last quote Tue 10 Mar 09:00 ET)"}
    assert "price is stale: no levels" in ba["description"]


@pytest.mark.asyncio
async def test_no_fresh_news_is_said_plainly(bot: Bot) -> None:
    answer = await bot.slash("signal", {"ticker": "MSFT"}, dm=True)
    assert answer.messages[0].text == "MSFT · Microsoft\nNo fresh news on MSFT in the last 6 h."
    assert not answer.ephemeral


@pytest.mark.asyncio
async def test_chart_is_an_attachment_shown_inside_the_signal_embed(bot: Bot) -> None:
    answer = await bot.slash("chart", {"ticker": "TSLA"})
    [message] = answer.messages
    [embed] = message.embeds
    [attachment] = message.payload["attachments"]
    assert embed["title"] == "TSLA BULLISH · Tesla" and fields(embed)["Target"] == "284.00"
    assert embed["image"]["url"] == f"attachment://{attachment['filename']}"
    assert attachment["filename"].startswith("TSLA-") and attachment["filename"].endswith(".png")
    [(name, png)] = bot.discord.uploads
    assert name == attachment["filename"] and png.startswith(b"\x89PNG\r\n\x1a\n")
    unknown = await bot.slash("chart", {"ticker": "ZZZZQX"})
    assert unknown.ephemeral and not bot.discord.uploads[1:]
    assert unknown.text == (await bot.slash("signal", {"ticker": "ZZZZQX"})).text


@pytest.mark.asyncio
async def test_why_button_explains_privately_and_still_works_after_a_restart(bot: Bot) -> None:
    card = (await bot.slash("signal", {"ticker": "TSLA"})).messages[0]
    [button] = card.buttons
    answer = await bot.run(bot.discord.press(card, button["custom_id"], user_id=ADMIN))
    assert answer.ephemeral and not answer.deferred  # only the person who pressed sees it
    assert answer.text.startswith("```\nWhy BULLISH on TSLA (Tesla)")

    # a new process: a fresh client answers a button an earlier one sent
    await bot.restart()
    again = await bot.run(bot.discord.press(card, button["custom_id"]))
    assert again.text == answer.text and again.ephemeral


@pytest.mark.asyncio
async def test_why_with_and_without_a_ticker(bot: Bot) -> None:
    nothing = await bot.slash("why", channel_id=LOBBY)
    assert nothing.ephemeral and "Nothing to explain in this chat yet" in nothing.text

    await bot.slash("signal", {"ticker": "INTC"}, channel_id=LOBBY)
    last = await bot.slash("why", channel_id=LOBBY)  # the last card shown in this channel
    assert not last.ephemeral and "Why BEARISH on INTC (Intel)" in last.text

    unknown = await bot.slash("why", {"ticker": "ZZZZZZ"})
    assert unknown.ephemeral and "unknown ticker or company 'ZZZZZZ'" in unknown.text


@pytest.mark.asyncio
async def test_digest_builds_once_a_day_and_shows_every_card(bot: Bot) -> None:
    answer = await bot.slash("digest")
    assert answer.deferred and not answer.ephemeral
    embeds = [e for m in answer.messages for e in m.embeds]
    assert embeds[0]["title"].startswith("TradeTheHype digest · Tue 10 Mar 2026 08:00 MST")
    assert "3 signals from" in embeds[0]["description"]
    titles = [e.get("title", "") for e in embeds[1:4]]
    assert sorted(t.split()[0] for t in titles) == ["BA", "INTC", "TSLA"]
    assert "other tickers were in the news without a signal" in embeds[-1]["description"]
    again = await bot.slash("digest", channel_id=LOBBY)
    assert [e.get("title") for m in again.messages for e in m.embeds] == [
        e.get("title") for e in embeds
    ]  # the stored digest of today, not a new one


# -- rights -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_subscribing_needs_manage_channels_in_that_channel(bot: Bot) -> None:
    state = bot.core.state
    refused = await bot.slash("subscribe", user_id=MEMBER)
    assert refused.ephemeral and not refused.deferred
    assert refused.text == "Only this chat's administrators can use /subscribe here."
    assert not await state.is_subscribed("discord", str(SIGNALS))

    ok = await bot.slash("subscribe", user_id=ADMIN, permissions=MEMBER_PERMS | MANAGE_CHANNELS)
    assert not ok.ephemeral and ok.text.startswith(
        "Subscribed: the digest will come to this chat at 06:30 America/Phoenix on trading days."
    )
    [sub] = await state.subscriptions("discord")
    assert (sub.chat_id, sub.title, sub.subscribed_by) == (str(SIGNALS), "#signals", str(ADMIN))
    twice = await bot.slash("subscribe", user_id=ADMIN, permissions=MEMBER_PERMS | MANAGE_CHANNELS)
    assert "already subscribed" in twice.text

    assert (await bot.slash("unsubscribe", user_id=MEMBER)).ephemeral
    assert await state.is_subscribed("discord", str(SIGNALS))
    server_admin = MEMBER_PERMS | ADMINISTRATOR  # Administrator implies Manage Channels
    gone = await bot.slash("unsubscribe", user_id=ADMIN, permissions=server_admin)
    assert gone.text.startswith("Unsubscribed") and not await state.is_subscribed(
        "discord", str(SIGNALS)
    )
    # a bot admin from the config needs no permission in the channel
    assert (await bot.slash("subscribe", user_id=CONFIG_ADMIN)).text.startswith("Subscribed")


@pytest.mark.asyncio
async def test_a_channel_picks_its_own_digest_time_with_settings(bot: Bot) -> None:
    state = bot.core.state
    asked = await bot.slash("settings", user_id=MEMBER)
    assert asked.text.startswith("The digest comes at 06:30 America/Phoenix on trading days")
    refused = await bot.slash(
        "settings", {"setting": "time 07:15 America/New_York"}, user_id=MEMBER
    )
    assert refused.ephemeral and "Only this chat's administrators" in refused.text
    done = await bot.slash(
        "settings",
        {"setting": "time 07:15 America/New_York"},
        user_id=ADMIN,
        permissions=MEMBER_PERMS | MANAGE_CHANNELS,
    )
    assert done.text.startswith("Done. The digest comes at 07:15 America/New_York")
    assert await state.chat_time("discord", str(SIGNALS)) == ("07:15", "America/New_York")


@pytest.mark.asyncio
async def test_subscribing_a_channel_the_bot_cannot_post_in_is_refused(bot: Bot) -> None:
    can_manage = MEMBER_PERMS | MANAGE_CHANNELS
    no_embeds = VIEW_CHANNEL | SEND_MESSAGES
    refused = await bot.slash(
        "subscribe", user_id=ADMIN, permissions=can_manage, bot_permissions=no_embeds
    )
    assert refused.ephemeral
    assert refused.text.startswith("I cannot post the digest in this channel: give me Embed Links")
    assert not await bot.core.state.is_subscribed("discord", str(SIGNALS))
    ok = await bot.slash("subscribe", user_id=ADMIN, permissions=can_manage)
    assert ok.text.startswith("Subscribed")


@pytest.mark.asyncio
async def test_a_direct_message_cannot_be_subscribed(bot: Bot) -> None:
    for name in ("subscribe", "unsubscribe"):
        answer = await bot.slash(name, dm=True)
        assert answer.ephemeral
        assert f"/{name} only works in a server channel" in answer.text
    assert await bot.core.state.subscriptions("discord") == []
    assert (await bot.slash("help", dm=True)).messages[0].embeds[0]["title"] == "Commands"


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"ticker": ""}, "Usage: /signal TICKER"),
        ({"ticker": "TSLA AAPL MSFT NVDA AMZN META"}, "At most 3 tickers per /signal (you sent 6)"),
        ({"ticker": "<b>x</b>"}, "'<b>x</b>' is not a ticker or company name"),
        ({"ticker": "A" * 5000}, "That is too long for /signal. Try /signal TICKER."),
        ({"ticker": "../../etc/passwd"}, "'../../etc/passwd' is not a ticker or company name"),
        ({"ticker": 42}, "The ticker option must be text."),  # a forged option type
        ({}, "/signal has changed since Discord loaded it"),  # a required option missing
        ({"ticker": "TSLA", "extra": "x"}, None),  # an unknown option is ignored
    ],
)
async def test_bad_input_gets_a_clear_private_reply(
    bot: Bot, options: dict[str, Any], says: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await bot.slash("signal", options)
    if says is None:
        assert embed(answer)["title"] == "TSLA BULLISH · Tesla"
        return
    assert answer.ephemeral, answer.text  # the refusal is for the asker only
    assert says in answer.text
    if answer.deferred:  # the public "thinking..." message was removed first
        assert answer.original_deleted
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.asyncio
async def test_an_unknown_or_stale_command_is_answered(bot: Bot) -> None:
    answer = await bot.slash("frobnicate")
    assert answer.ephemeral and "I don't know /frobnicate" in answer.text


@pytest.mark.asyncio
async def test_outside_strings_are_escaped_and_links_kept_safe(bot: Bot) -> None:
    (bot.news / "c.xml").write_bytes(
        rss(
            [
                (
                    "Tesla *beats* [estimates](http://evil.example) @everyone `x` __y__",
                    "https://c.example/tsla_(1)",
                    NOW - timedelta(minutes=20),
                )
            ],
            title="Wire *C*",
        )
    )
    answer = await bot.slash("signal", {"ticker": "TSLA"})
    description = embed(answer)["description"]
    assert (
        "[Tesla \\*beats\\* \\[estimates\\](http://evil.example) @everyone \\`x\\` \\_\\_y\\_\\_]"
        "(https://c.example/tsla_%281%29) · Wire \\*C\\*"
    ) in description
    assert "](http://evil.example)" not in description.replace("\\](http://evil", "")


@pytest.mark.asyncio
async def test_any_command_running_late_is_acknowledged_then_answered(bot: Bot) -> None:
    """Not only slow commands: one that has not answered within `ack_after` is deferred too."""
    release = asyncio.Event()

    async def nap(ctx: Context) -> Reply:
        await release.wait()
        return text("awake")

    bot.core.registry.add(Command("nap", "a command that takes its time", nap))
    await bot.restart(ack_after=0.05)
    assert "nap" in [c["name"] for c in bot.discord.commands()]  # from the registry, like all
    interaction = bot.discord.slash("nap")
    running = asyncio.create_task(bot.run(interaction))
    await bot.discord.answer(interaction).acked.wait()  # "thinking..." while it still runs
    release.set()
    answer = await running
    assert [c.body.get("type") for c in answer.calls] == [5, None]
    assert answer.text == "awake" and not answer.ephemeral


@pytest.mark.asyncio
async def test_a_failing_command_is_an_apology_and_a_late_answer_a_warning(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(ctx: Context) -> Reply:
        raise RuntimeError("bug")

    bot.core.registry.add(Command("boom", "fails", boom))
    await bot.restart()
    answer = await bot.slash("boom")
    assert answer.ephemeral and answer.text == SORRY
    assert "command failed for discord" in caplog.text  # logged with its traceback

    caplog.clear()
    interaction = bot.discord.slash("help")
    bot.discord.answer(interaction).expired = True  # Discord gave up waiting for us
    answer = await bot.run(interaction)
    assert answer.messages == []
    assert "a Discord interaction (/help) expired before it was answered" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- limits and splitting ---------------------------------------------------------------------


def big_digest(cards: int = 14) -> Reply:
    """A digest far over one message: long headlines, a long note, a long preformatted text."""
    blocks: list[Text | Card] = [Text("TradeTheHype digest · test\n14 signals", "title")]
    for i in range(cards):
        headlines = tuple(
            Headline(
                title=f"Headline {j} for card {i} " + "with a *very* long [tail] " * 20,
                url=f"https://news.example/{i}/{j}?q=" + "x" * 300,
                source="Wire",
                label="positive",
                score=0.9,
                age="5 min ago",
            )
            for j in range(12)
        )
        blocks.append(
            Card(
                symbol=f"T{i:02d}",
                name="Test Corp " * 40,
                direction="bullish" if i % 2 else "bearish",
                score=0.6,
                confidence=0.8,
                sentiment=0.7,
                technical=0.3,
                price=PriceLine(10.0, NOW, False, True),
                levels=Levels(10.0, 9.5, 11.0),
                headlines=headlines,
                card_id=1000 + i,
            )
        )
    blocks.append(Text("Source failed: " + "a very long reason " * 400, "note"))
    blocks.append(Text("line\n" * 2500, preformatted=True))
    return Reply(tuple(blocks))


@pytest.mark.asyncio
async def test_a_big_digest_is_split_within_every_discord_limit(bot: Bot) -> None:
    await bot.core.state.subscribe("discord", str(SIGNALS), NOW)
    report = await broadcast(bot.adapter, big_digest())
    assert report.delivered == [str(SIGNALS)] and not report.failed
    sent = bot.discord.channels[SIGNALS]
    assert bot.discord.channel_hits[SIGNALS] == len(sent) > 3  # every message accepted
    for msg in sent:
        assert not limit_errors(msg.payload)
        assert len(msg.buttons) == sum(1 for e in msg.embeds if e.get("fields"))
    embeds = [e for m in sent for e in m.embeds]
    cards = [e for e in embeds if e.get("fields")]
    assert [e["title"][:3] for e in cards] == [f"T{i:02d}" for i in range(14)]  # in order
    assert all(len(e["description"]) <= 4096 and "more" in e["description"] for e in cards)
    assert max(len(e["title"]) for e in cards) == 256  # the long name was cut, with "…"
    buttons = [b["custom_id"] for m in sent for b in m.buttons]
    assert buttons == [f"tth:why:{1000 + i}" for i in range(14)]
    assert all(m.payload["flags"] == 0 for m in sent)
    posts = [c for c in bot.discord.calls if c.method == "POST" and c.path.endswith("/messages")]
    assert posts and all(c.body["allowed_mentions"] == {"parse": []} for c in posts)


@pytest.mark.asyncio
@pytest.mark.parametrize("slow", [False, True])
async def test_a_long_answer_is_split_across_follow_ups(bot: Bot, slow: bool) -> None:
    async def big(ctx: Context) -> Reply:
        return big_digest()

    bot.core.registry.add(Command("big", "a very long answer", big, slow=slow))
    await bot.restart()
    answer = await bot.slash("big")
    assert len(answer.messages) > 3 and not answer.ephemeral
    assert [c.body.get("type") for c in answer.calls][0] == (5 if slow else 4)
    assert all(c.status == 200 for c in answer.calls)  # nothing refused by Discord's limits
    assert all(not limit_errors(m.payload) for m in answer.messages)
    cards = [e["title"][:3] for m in answer.messages for e in m.embeds if e.get("fields")]
    assert cards == [f"T{i:02d}" for i in range(14)]


# -- delivery ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_delivery_unsubscribes_gone_channels_and_waits_out_rate_limits(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    state = bot.core.state
    ok, deleted, kicked, limited, broken = (1300000000000000100 + i for i in range(5))
    for channel in (ok, deleted, kicked, limited, broken):
        await state.subscribe("discord", str(channel), NOW)
    await state.subscribe("telegram", "1001", NOW)  # another platform's: not Discord's to send
    bot.discord.fail_channel(deleted, 404, 10003, "Unknown Channel")
    bot.discord.fail_channel(kicked, 403, 50001, "Missing Access")
    bot.discord.fail_channel(limited, 429, 20028, "You are being rate limited.", retry_after=0.01)
    bot.discord.fail_channel(broken, 400, 50035, "Invalid Form Body", times=5)

    digest = (await bot.slash("digest")).messages  # today's digest, as /digest shows it
    todays = await bot.core.todays_digest(Caller("discord", str(SIGNALS), "1"))
    report = await broadcast(bot.adapter, todays)

    assert sorted(report.delivered) == sorted([str(ok), str(limited)])
    assert sorted(report.unsubscribed) == sorted([str(deleted), str(kicked)])
    assert report.failed == {str(broken): "400 Invalid Form Body"}
    assert bot.discord.channel_hits[limited] == len(bot.discord.channels[limited]) + 1  # retried
    assert [m.embeds for m in bot.discord.channels[ok]] == [m.embeds for m in digest]
    remaining = {s.chat_id for s in await state.subscriptions("discord")}
    assert remaining == {str(ok), str(limited), str(broken)}  # a 400 is not a reason to leave
    assert f"discord chat {deleted} is gone (404 Unknown Channel): unsubscribed" in caplog.text
    # /why in a channel that got the digest explains its last card
    why = await bot.slash("why", channel_id=ok)
    assert "Why" in why.text and not why.ephemeral


@pytest.mark.asyncio
async def test_delivery_when_not_running_reports_every_channel(bot: Bot) -> None:
    await bot.core.state.subscribe("discord", str(SIGNALS), NOW)
    await bot.adapter.stop()
    report = await broadcast(bot.adapter, Reply((Text("hello"),)))
    assert report.failed == {str(SIGNALS): "the Discord adapter is not running"}
    assert await bot.core.state.is_subscribed("discord", str(SIGNALS))


def test_messages_never_carry_raw_markdown_from_a_card_name() -> None:
    from adapters.discord.render import render

    card = Card("X", "A_b*c [d](e)", None, note="under_score")
    [msg] = render(Reply((card,)))
    e = msg.embeds[0].to_dict()
    assert e["title"] == "X · A\\_b\\*c \\[d\\](e)"
    assert e["description"] == "under\\_score"


@pytest.mark.parametrize(
    "body", ["x" * 10_000, "\\" * 9_000, "📈" * 3_000, "word " * 3_000, "line\n" * 3_000]
)
def test_any_text_fits_in_discord_and_nothing_is_lost(body: str) -> None:
    from adapters.discord.render import render

    messages = render(Reply((Text(body),)))
    descriptions = []
    for m in messages:
        payload = {"embeds": [e.to_dict() for e in m.embeds]}
        assert not limit_errors(payload)
        descriptions += [e.description or "" for e in m.embeds]
    shown = re.sub(r"\\(.)", r"\1", "".join(descriptions))
    assert shown.replace("\n", "") == body.replace("\n", "")
