"""The Telegram bot, driven the way users drive it.

A real python-telegram-bot `Application` polls a fake Bot API server on 127.0.0.1
(tests/support/fake_telegram.py). The engine behind it is the real one on local feeds and replayed
prices (tests/support/botworld.py); only sentiment is the keyword stand-in. Each test sends what a
user would send and reads what the user would see.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from support.botworld import open_world
from support.fake_telegram import TOKEN, FakeTelegram, Sent, serve

from adapters.base import broadcast
from adapters.telegram.adapter import SendPolicy, TelegramAdapter
from chat import BotCore, BotSettings, build_registry
from chat.charts import ChartSettings
from chat.replies import Card, Headline, Reply, Text
from engine.market import MarketCalendar
from engine.models import Sentiment
from engine.pipeline import SignalEngine
from engine.symbols import SymbolIndex

ALICE = 1001  # a private chat with Alice (chat id = user id)
GROUP = -100200  # a group where 501 is an administrator and 502 is not
ADMIN, MEMBER = 501, 502


@dataclass
class Bot:
    tg: FakeTelegram
    adapter: TelegramAdapter
    core: BotCore
    engine: SignalEngine

    async def ask(self, text: str, chat: int = ALICE, user: int | None = None) -> Sent:
        """Send `text`, return the bot's next message in that chat."""
        before = len(self.tg.to(chat))
        await self.tg.say(text, chat_id=chat, user_id=user)
        return (await self.tg.wait_sent(chat, before + 1))[-1]


@pytest_asyncio.fixture
async def bot(tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar) -> AsyncIterator[Bot]:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _), serve() as tg:
        tg.chat(GROUP, "supergroup", "Traders")
        tg.admins[GROUP] = {ADMIN}
        core = BotCore(
            engine,
            build_registry(),
            # no charts in digests here: tests read a digest's cards in its first message
            BotSettings(max_tickers=3, charts=ChartSettings(in_digest=0)),
        )
        adapter = TelegramAdapter.build(
            core, TOKEN, base_url=tg.base_url, policy=SendPolicy(backoff=0.01)
        )
        await adapter.start()
        try:
            yield Bot(tg, adapter, core, engine)
        finally:
            await adapter.stop()


# -- the command menu and help come from the registry ----------------------------------------


@pytest.mark.asyncio
async def test_menu_and_help_are_generated_from_the_registry(bot: Bot) -> None:
    menu = [(c["command"], c["description"]) for c in bot.tg.commands]
    assert menu == [(c.name, c.help) for c in bot.core.registry.menu()]
    assert {"help", "subscribe", "unsubscribe", "signal", "why", "digest"} <= dict(menu).keys()

    help_text = (await bot.ask("/help")).visible
    for command in bot.core.registry.menu():
        assert command.usage in help_text and command.help in help_text


@pytest.mark.asyncio
async def test_start_offers_a_subscribe_button_that_subscribes(bot: Bot) -> None:
    welcome = await bot.ask("/start")
    assert "TradeTheHype" in welcome.visible and welcome.buttons == [("Subscribe", "subscribe")]

    await bot.tg.press(welcome, "subscribe")
    answer = (await bot.tg.wait_sent(ALICE, 2))[-1]
    assert answer.visible.startswith("Subscribed")
    assert answer.reply_to == welcome.message_id
    subs = await bot.core.state.subscriptions("telegram")
    assert [s.chat_id for s in subs] == [str(ALICE)]


# -- /signal and the Why? button ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_signal_card_has_price_time_levels_headlines_and_why(bot: Bot) -> None:
    card = await bot.ask("/signal TSLA")
    text = card.visible
    assert text.startswith("🟢 TSLA BULLISH · Tesla")
    assert "Price: 275.00 at Tue 10 Mar 10:55 ET" in text
    assert "Entry 275.00 · Stop " in text and " · Target " in text
    assert "Tesla beats delivery estimates (Wire A" in text or "Tesla Beats" in text
    assert '<a href="https://' in card.text  # headlines link to the story
    assert card.parse_mode == "HTML"
    [(label, action)] = card.buttons
    assert label == "Why TSLA?" and action.startswith("why:")

    await bot.tg.press(card, action)
    why = (await bot.tg.wait_sent(ALICE, 2))[-1]
    assert why.reply_to == card.message_id  # answered in place, under the card
    assert why.visible.startswith("Why BULLISH on TSLA (Tesla")
    assert "Score = 0.70 x" in why.visible
    assert bot.tg.callback_answers  # the button's spinner was stopped

    # /why with no ticker explains the last card this chat saw; /why TSLA the newest TSLA signal
    assert (await bot.ask("/why")).visible == why.visible
    assert (await bot.ask("/why tesla")).visible == why.visible


@pytest.mark.parametrize("query", ["$TSLA", "tsla", "Tesla"])
@pytest.mark.asyncio
async def test_signal_accepts_cashtags_lowercase_and_company_names(bot: Bot, query: str) -> None:
    assert (await bot.ask(f"/signal {query}")).visible.startswith("🟢 TSLA BULLISH")


@pytest.mark.asyncio
async def test_signal_without_fresh_news_says_so_plainly(bot: Bot) -> None:
    reply = await bot.ask("/signal MSFT")
    assert "No fresh news on MSFT in the last 6 h." in reply.visible
    assert reply.buttons == []  # nothing to explain

    neutral = await bot.ask("/signal AAPL")
    assert neutral.visible.startswith("⚪ AAPL · Apple")
    assert "Apple to hold shareholder meeting" in neutral.visible


@pytest.mark.asyncio
async def test_stale_price_is_marked_and_gets_no_levels(bot: Bot) -> None:
    reply = await bot.ask("/signal BA")
    assert "STALE (last quote Tue 10 Mar 09:00 ET)" in reply.visible
    assert "Entry" not in reply.visible


@pytest.mark.asyncio
async def test_several_tickers_in_one_signal(bot: Bot) -> None:
    reply = await bot.ask("/signal TSLA, intc")
    assert "TSLA BULLISH" in reply.visible and "INTC BEARISH" in reply.visible
    assert [label for label, _ in reply.buttons] == ["Why TSLA?", "Why INTC?"]


# -- bad input: a short helpful reply, or nothing ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/signal", "Usage: /signal TICKER"),
        ("/signal TSLA AAPL MSFT NVDA AMZN META", "At most 3 tickers per /signal (you sent 6)"),
        ("/signal <b>x</b>", "'<b>x</b>' is not a ticker or company name"),
        ("/signal " + "A" * 5000, "That is too long for /signal"),
        ("/signal ../../etc/passwd", "'../../etc/passwd' is not a ticker or company name"),
        ("/signal XYZ123", "unknown ticker or company 'XYZ123'"),
        ("/why NOPE", "unknown ticker or company 'NOPE'"),
        ("/why INTC", "No signal recorded for INTC yet"),
        ("/why", "Nothing to explain in this chat yet"),
        ("/frobnicate", "I don't know /frobnicate. /help lists what I can do."),
    ],
)
@pytest.mark.asyncio
async def test_bad_input_gets_one_helpful_line(bot: Bot, text: str, expected: str) -> None:
    reply = await bot.ask(text)
    assert expected in reply.visible
    assert "Traceback" not in reply.visible and len(reply.visible) < 300


@pytest.mark.asyncio
async def test_unknown_commands_in_groups_are_answered_only_when_addressed_to_us(bot: Bot) -> None:
    await bot.tg.say("/weather", chat_id=GROUP, user_id=MEMBER)  # likely another bot's command
    reply = await bot.ask("/weather@tth_test_bot", chat=GROUP, user=MEMBER)
    assert "I don't know /weather" in reply.visible
    await bot.adapter.stop()
    assert len(bot.tg.to(GROUP)) == 1


@pytest.mark.asyncio
async def test_edits_stickers_and_other_bots_commands_are_ignored(bot: Bot) -> None:
    await bot.tg.edit("/signal TSLA")
    await bot.tg.sticker()
    await bot.tg.say("hello there")
    await bot.tg.say("/signal@some_other_bot TSLA")
    await bot.tg.say("/help@tth_test_bot")  # addressed to us: answered
    await bot.tg.wait_sent(ALICE, 1)
    await bot.tg.drained()
    await bot.adapter.stop()  # finishes every update already fetched
    [only] = bot.tg.to(ALICE)
    assert only.visible.startswith("Commands")


# -- groups and rights ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_only_group_admins_change_the_group_subscription(bot: Bot) -> None:
    refused = await bot.ask("/subscribe", chat=GROUP, user=MEMBER)
    assert "Only this chat's administrators can use /subscribe here." in refused.visible
    assert await bot.core.state.subscriptions("telegram") == []

    anyone = await bot.ask("/signal INTC", chat=GROUP, user=MEMBER)  # anyone may ask
    assert "INTC BEARISH" in anyone.visible

    ok = await bot.ask("/subscribe", chat=GROUP, user=ADMIN)
    assert ok.visible.startswith("Subscribed")
    assert [s.chat_id for s in await bot.core.state.subscriptions("telegram")] == [str(GROUP)]

    refused = await bot.ask("/unsubscribe", chat=GROUP, user=MEMBER)
    assert "administrators" in refused.visible
    assert (await bot.ask("/unsubscribe", chat=GROUP, user=ADMIN)).visible.startswith(
        "Unsubscribed"
    )


@pytest.mark.asyncio
async def test_a_member_pressing_subscribe_in_a_group_gets_a_private_popup(bot: Bot) -> None:
    welcome = await bot.ask("/start", chat=GROUP, user=MEMBER)
    await bot.tg.press(welcome, "subscribe", user_id=MEMBER)
    await bot.tg.wait_call("answerCallbackQuery")
    [answer] = bot.tg.callback_answers
    assert answer.get("show_alert") in (True, "true", "True")
    assert "administrators" in answer["text"]
    assert len(bot.tg.to(GROUP)) == 1  # nothing posted in the group


@pytest.mark.asyncio
async def test_settings_time_in_a_group_is_for_its_admins(bot: Bot) -> None:
    shown = await bot.ask("/settings", chat=GROUP, user=MEMBER)
    assert shown.visible.startswith("The digest comes at 06:30 America/Phoenix on trading days")
    refused = await bot.ask("/settings time 07:15 America/New_York", chat=GROUP, user=MEMBER)
    assert refused.visible == "Only this chat's administrators can change its digest time."
    done = await bot.ask("/settings time 07:15 America/New_York")  # a private chat: its own
    assert done.visible.startswith("Done. The digest comes at 07:15 America/New_York")
    assert await bot.core.state.chat_time("telegram", str(ALICE)) == ("07:15", "America/New_York")
    assert await bot.core.state.chat_time("telegram", str(GROUP)) is None


@pytest.mark.asyncio
async def test_configured_admins_may_subscribe_any_group(bot: Bot) -> None:
    bot.core.settings = BotSettings(admins={"telegram": frozenset({str(MEMBER)})})
    ok = await bot.ask("/subscribe", chat=GROUP, user=MEMBER)
    assert ok.visible.startswith("Subscribed")


# -- /digest ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_digest_is_built_once_a_day_and_reused(bot: Bot) -> None:
    first = await bot.ask("/digest")
    assert first.visible.startswith("TradeTheHype digest · Tue 10 Mar 2026 08:00 MST")
    assert "TSLA BULLISH" in first.visible and "INTC BEARISH" in first.visible
    assert {label for label, _ in first.buttons} == {"Why TSLA?", "Why INTC?", "Why BA?"}
    recorded = await bot.engine.store.signal_rows()

    second = await bot.ask("/digest")
    assert second.visible == first.visible and second.buttons == first.buttons
    assert await bot.engine.store.signal_rows() == recorded  # not rebuilt, nothing re-recorded

    why = dict(first.buttons)["Why INTC?"]
    await bot.tg.press(second, why)
    answer = (await bot.tg.wait_sent(ALICE, 3))[-1]
    assert answer.visible.startswith("Why BEARISH on INTC")


class GatedSentiment:
    """Keyword-free stand-in that holds digest-sized batches until released."""

    name = "gated"
    model_id = "gate"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        if len(texts) > 1:
            self.entered.set()
            await self.release.wait()
        return [Sentiment("neutral", {"positive": 0.1, "negative": 0.1, "neutral": 0.8})] * len(
            texts
        )


@pytest.mark.asyncio
async def test_signal_answers_while_a_digest_is_being_built(bot: Bot) -> None:
    gate = GatedSentiment()
    bot.engine.sentiment = gate
    await bot.tg.say("/digest")
    await asyncio.wait_for(gate.entered.wait(), 60)  # the digest is in the model now

    reply = await bot.ask("/signal MSFT", chat=GROUP, user=MEMBER)
    assert "No fresh news on MSFT" in reply.visible
    assert bot.tg.to(ALICE) == []  # the digest is still being built

    gate.release.set()
    digest = (await bot.tg.wait_sent(ALICE, 1))[0]
    assert digest.visible.startswith("TradeTheHype digest")


@pytest.mark.asyncio
async def test_slow_replies_show_typing(bot: Bot) -> None:
    bot.adapter.policy = SendPolicy(typing_after=0.0)
    await bot.ask("/signal TSLA")
    action = await bot.tg.wait_call("sendChatAction")
    assert action["action"] == "typing" and int(action["chat_id"]) == ALICE


@pytest.mark.asyncio
async def test_per_user_rate_limit_is_answered_politely(bot: Bot) -> None:
    for _ in range(5):
        assert "No signal recorded" in (await bot.ask("/why INTC")).visible
    limited = await bot.ask("/why INTC")
    assert "Easy there: at most 5 signal or why requests a minute" in limited.visible
    other = await bot.ask("/why INTC", chat=GROUP, user=MEMBER)  # another user is not limited
    assert "No signal recorded" in other.visible
    assert (await bot.ask("/help")).visible.startswith("Commands")  # help is never limited


# -- delivery: escaping, splitting, 403, 429, retries -------------------------------------------


def long_card(i: int) -> Card:
    return Card(
        symbol=f"T{i}",
        name="Test & <Co>",
        direction="bullish",
        score=0.5,
        confidence=0.6,
        sentiment=0.5,
        technical=0.1,
        headlines=tuple(
            Headline(
                title=f'Story {i}.{j}: "quotes" & <tags> ' + "x" * 150,
                url=f"https://news.example/{i}/{j}?a=1&b=2",
                source="Wire",
                label="positive",
                score=0.9,
                age="5 min ago",
            )
            for j in range(6)
        ),
        card_id=i,
    )


async def subscribe(bot: Bot, *chats: int) -> None:
    for chat in chats:
        bot.tg.chats.setdefault(chat, {"id": chat, "type": "private", "first_name": "x"})
        await bot.core.state.subscribe("telegram", str(chat), bot.engine.clock.now())


@pytest.mark.asyncio
async def test_long_digest_is_split_between_cards_and_everything_is_escaped(bot: Bot) -> None:
    await subscribe(bot, ALICE)
    reply = Reply((Text("Digest <heading> & more", "title"), *(long_card(i) for i in range(30))))
    report = await broadcast(bot.adapter, reply)
    assert report.delivered == [str(ALICE)]

    sent = bot.tg.to(ALICE)
    assert len(sent) > 1  # over 4,096 characters: several messages, each accepted by the API
    assert all(s.parse_mode == "HTML" for s in sent)  # no plain-text fallback was needed
    assert all(len(s.visible) <= 4096 for s in sent)
    text = "\n".join(s.visible for s in sent)
    assert text.startswith("Digest <heading> & more")
    for i in range(30):  # every card arrives whole, in order, inside one message
        assert sum(f"T{i} BULLISH" in s.visible for s in sent) == 1
        holder = next(s for s in sent if f"T{i} BULLISH" in s.visible)
        assert f'Story {i}.5: "quotes" & <tags>' in holder.visible
        assert (f"Why T{i}?", f"why:{i}") in holder.buttons
    assert text.index("T9 BULLISH") < text.index("T10 BULLISH")


@pytest.mark.asyncio
async def test_a_block_longer_than_a_message_is_cut_between_lines(bot: Bot) -> None:
    await subscribe(bot, ALICE)
    lines = [f"line {i}: a < b & c > d" for i in range(600)]
    await broadcast(bot.adapter, Reply((Text("\n".join(lines), preformatted=True),)))
    sent = bot.tg.to(ALICE)
    assert len(sent) >= 3 and all(s.text.startswith("<pre>") for s in sent)
    assert all(s.parse_mode == "HTML" for s in sent)
    assert "\n".join(s.visible for s in sent).split("\n") == lines


@pytest.mark.asyncio
async def test_blocked_chats_are_unsubscribed_and_others_still_get_the_digest(bot: Bot) -> None:
    blocked, flooded, flaky = 2001, 2002, 2003
    await subscribe(bot, ALICE, blocked, flooded, flaky)
    bot.tg.blocked.add(blocked)
    bot.tg.flood[flooded] = 1  # one 429 with retry_after = 1 s, then accepted
    bot.tg.failing[flaky] = 2  # two 502s, then accepted

    report = await broadcast(bot.adapter, Reply((Text("Morning digest"),)))

    assert sorted(report.delivered) == sorted(str(c) for c in (ALICE, flooded, flaky))
    assert report.unsubscribed == [str(blocked)] and report.failed == {}
    for chat in (ALICE, flooded, flaky):
        assert [s.visible for s in bot.tg.to(chat)] == ["Morning digest"]  # exactly once
    remaining = {s.chat_id for s in await bot.core.state.subscriptions("telegram")}
    assert remaining == {str(ALICE), str(flooded), str(flaky)}


@pytest.mark.asyncio
async def test_a_chat_that_keeps_failing_is_reported_and_kept(bot: Bot) -> None:
    await subscribe(bot, ALICE, 2004)
    bot.tg.failing[2004] = 99
    report = await broadcast(bot.adapter, Reply((Text("Morning digest"),)))
    assert report.delivered == [str(ALICE)] and list(report.failed) == ["2004"]
    assert len(await bot.core.state.subscriptions("telegram")) == 2  # kept for next time


@pytest.mark.asyncio
async def test_commands_in_a_channel_the_bot_cannot_write_to_do_no_harm(bot: Bot) -> None:
    bot.tg.chat(-100300, "channel", "Read only")
    bot.tg.blocked.add(-100300)
    await bot.tg.channel_post("/signal TSLA", -100300)
    await bot.tg.drained()
    assert (await bot.ask("/help")).visible.startswith("Commands")  # still serving
    assert bot.tg.to(-100300) == []


@pytest.mark.asyncio
async def test_a_channel_post_by_the_channel_may_subscribe_it(bot: Bot) -> None:
    bot.tg.chat(-100400, "channel", "Signals")
    await bot.tg.channel_post("/subscribe", -100400)
    reply = (await bot.tg.wait_sent(-100400, 1))[0]
    assert reply.visible.startswith("Subscribed")
