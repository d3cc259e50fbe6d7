"""Charts in the chats: /chart and /signal send a photo with the card as its caption on Telegram
(the fake Bot API receives sendPhoto), a card too long for a caption comes after its photo, and
the morning digest broadcast to many chats renders each of its charts once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from support.botworld import NOW, open_world
from support.fake_telegram import TOKEN, FakeTelegram, Sent, serve

from adapters.telegram import render
from adapters.telegram.adapter import SendPolicy, TelegramAdapter
from bot.scheduler import DigestScheduler
from chat import BotCore, BotSettings, build_registry
from chat.replies import Card, Headline, Image, Reply
from chat.schedule import Planner
from engine.market import MarketCalendar
from engine.symbols import SymbolIndex

ALICE = 1001
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Bot:
    tg: FakeTelegram
    core: BotCore
    adapter: TelegramAdapter

    async def ask(self, text: str, count: int = 1) -> list[Sent]:
        before = len(self.tg.to(ALICE))
        await self.tg.say(text, chat_id=ALICE)
        return (await self.tg.wait_sent(ALICE, before + count))[before:]


@pytest_asyncio.fixture
async def bot(tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar) -> AsyncIterator[Bot]:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _), serve() as tg:
        settings = BotSettings(
            digest_times=("08:00",), timezone="America/Phoenix", rate_limit_per_minute=0
        )
        core = BotCore(engine, build_registry(), settings)
        adapter = TelegramAdapter.build(
            core, TOKEN, base_url=tg.base_url, policy=SendPolicy(backoff=0.01)
        )
        await adapter.start()
        try:
            yield Bot(tg, core, adapter)
        finally:
            await adapter.stop()


@pytest.mark.asyncio
async def test_chart_sends_a_photo_with_the_signal_as_its_caption(bot: Bot) -> None:
    (sent,) = await bot.ask("/chart tsla")
    method, params = next(c for c in bot.tg.calls if c[0] in ("sendPhoto", "sendMessage"))
    assert method == "sendPhoto" and sent.photo is not None and sent.photo.startswith(PNG)
    assert sent.visible.startswith("🟢 TSLA BULLISH · Tesla")
    assert "Entry 275.00 · Stop 270.50 · Target 284.00" in sent.visible
    assert "Tesla beats delivery" not in sent.visible  # the chart marks the headlines instead
    assert sent.buttons and sent.buttons[0][0] == "Why TSLA?"
    assert bot.core.charts.renders == 1


@pytest.mark.asyncio
async def test_signal_for_one_ticker_comes_with_its_chart(bot: Bot) -> None:
    (sent,) = await bot.ask("/signal INTC")
    assert sent.photo is not None and sent.visible.startswith("🔴 INTC BEARISH · Intel")
    assert "Intel" in sent.visible and "Price: " in sent.visible


@pytest.mark.asyncio
async def test_chart_without_or_with_an_unknown_ticker_answers_like_signal(bot: Bot) -> None:
    for arg in ("", " ZZZZQX"):
        (chart,) = await bot.ask(f"/chart{arg}")
        (signal,) = await bot.ask(f"/signal{arg}")
        assert chart.visible == signal.visible and chart.photo is None
    (none,) = await bot.ask("/chart NVDA")  # in the news, but no price file
    assert none.photo is None and none.visible.startswith("no prices for NVDA to chart")
    (two,) = await bot.ask("/chart TSLA INTC")
    assert two.visible == "One ticker per /chart, e.g. /chart TSLA."


def test_a_card_too_long_for_a_caption_follows_its_photo() -> None:
    chart = Image(PNG + b"rest", "TSLA daily chart", "TSLA-1.png")
    long = tuple(
        Headline("x" * 250, "https://a.example", "Wire", "positive", 0.9, "1 h") for _ in range(5)
    )
    short = Card("TSLA", "Tesla", "bullish", chart=chart, card_id=1)
    assert [(m.photo is not None, bool(m.html)) for m in render.split(Reply((short,)))] == [
        (True, True)
    ]
    messages = render.split(Reply((Card("TSLA", "Tesla", "bullish", headlines=long, chart=chart),)))
    assert [(m.photo is not None, bool(m.html)) for m in messages] == [(True, False), (False, True)]
    assert messages[1].html.startswith("🟢 <b>TSLA BULLISH · Tesla</b>")


@pytest.mark.asyncio
async def test_a_digest_to_many_chats_renders_each_chart_once(bot: Bot) -> None:
    chats = [3001 + i for i in range(6)]
    for chat in chats:
        bot.tg.chat(chat)
        await bot.core.state.subscribe("telegram", str(chat), NOW - timedelta(days=1))
    planner = Planner(
        trading_days_only=True,
        is_trading_day=MarketCalendar().is_trading_day,
        grace=timedelta(hours=2),
    )
    clock = bot.core.engine.clock
    scheduler = DigestScheduler(bot.core, [bot.adapter], planner, clock=clock)  # type: ignore[arg-type]
    (run,) = await scheduler.tick()
    assert run.reports["telegram"].delivered == [str(c) for c in chats]
    assert bot.core.charts.renders == 3  # TSLA, INTC, BA: once each, for six chats
    for chat in chats:
        photos = [s for s in bot.tg.to(chat) if s.photo is not None]
        assert sorted(p.visible.split("\n")[0] for p in photos) == [
            "🔴 BA BEARISH · Boeing",
            "🔴 INTC BEARISH · Intel",
            "🟢 TSLA BULLISH · Tesla",
        ]
        assert bot.tg.to(chat)[0].visible.startswith("TradeTheHype digest")
    # the same chart bytes went to every chat: one render, kept by its card
    assert len({s.photo for s in bot.tg.sent if s.photo is not None}) == 3


# -- tradethehype chart --------------------------------------------------------------------------

SAMPLE_PRICES = Path(__file__).resolve().parents[1] / "bot" / "sample" / "prices"


def test_the_chart_command_writes_the_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no config.toml: the defaults, a store that does not exist
    args = ["--prices-csv", str(SAMPLE_PRICES), "--at", "2026-11-20T15:30:00Z"]
    assert main(["chart", "$tsla", *args]) == 0
    png = (tmp_path / "TSLA.png").read_bytes()
    assert png.startswith(PNG) and capsys.readouterr().out.startswith("Wrote TSLA.png (")
    assert main(["chart", "Tesla", "-o", "t.png", "--palette", "dark", *args]) == 0
    assert (tmp_path / "t.png").read_bytes().startswith(PNG)
    for ticker, error in (
        ("ZZZZQX", "unknown ticker or company 'ZZZZQX'"),
        ("MSFT", "no prices for MSFT to chart: no price file MSFT.csv"),
    ):
        assert main(["chart", ticker, *args]) == 2
        assert capsys.readouterr().err == f"tradethehype: error: {error}\n"
    assert main(["chart", "TSLA", "-o", "nowhere/t.png", *args]) == 2
    assert capsys.readouterr().err == "tradethehype: error: -o: the folder nowhere does not exist\n"
    assert not (tmp_path / "tradethehype.db").exists()  # nothing created
