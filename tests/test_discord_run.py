"""Discord in `tradethehype run`: the token checked first, Discord and Telegram served together.

`run_bot` builds the adapters from `bot.run.SPECS`. Discord's address cannot be configured (there
is one Discord), so the test swaps in a spec whose adapter's HTTP connector leads to the fake
Discord on 127.0.0.1; everything else, Telegram included, is what `tradethehype run` runs.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import KeywordSentiment
from support.botworld import NOW, write_bot_config
from support.fake_discord import SIGNALS
from support.fake_discord import TOKEN as DISCORD_TOKEN
from support.fake_discord import serve as serve_discord
from support.fake_telegram import TOKEN as TELEGRAM_TOKEN
from support.fake_telegram import serve as serve_telegram

from adapters.base import broadcast
from adapters.discord.adapter import ANSWERED, DiscordAdapter
from bot import run
from bot.cli import main
from bot.config import Config, DiscordConfig, load_config, parse_config
from bot.setup_discord import build_discord, discord_token
from chat import BotCore, Caller
from engine.clock import FixedClock
from engine.errors import ConfigError, UserError


def write_config(
    tmp: Path, *, telegram: bool, telegram_url: str = "http://127.0.0.1:9/bot"
) -> Path:
    return write_bot_config(
        tmp,
        f'[telegram]\nenabled = {str(telegram).lower()}\nbase_url = "{telegram_url}"\n'
        "[discord]\nenabled = true\n",
    )


# -- the token --------------------------------------------------------------------------------


def test_the_environment_wins_over_the_config() -> None:
    config = Config(discord=DiscordConfig(enabled=True, token="x.y.z"))
    assert discord_token(config, {"DISCORD_BOT_TOKEN": f" {DISCORD_TOKEN}\n"}) == DISCORD_TOKEN
    with pytest.raises(UserError, match=r"\[discord\] token in built-in defaults is malformed"):
        discord_token(config, {})


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("", "no Discord bot token: set DISCORD_BOT_TOKEN"),
        (f"Bot {DISCORD_TOKEN}", "starts with 'Bot ': give the token alone"),
        ("secret-but-not-a-token", "DISCORD_BOT_TOKEN is malformed"),
        (DISCORD_TOKEN + ".extra", "DISCORD_BOT_TOKEN is malformed"),
    ],
)
def test_a_missing_or_malformed_token_is_one_line_without_the_token(token: str, says: str) -> None:
    with pytest.raises(UserError) as err:
        discord_token(Config(), {"DISCORD_BOT_TOKEN": token})
    message = str(err.value)
    assert says in message and "\n" not in message
    assert not token or token.split()[-1] not in message


def test_the_command_line_says_it_in_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    assert main(["run", "--config", str(write_config(tmp_path, telegram=False))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no Discord bot token: set DISCORD_BOT_TOKEN" in err


def test_discord_config_section() -> None:
    config = parse_config(
        {"discord": {"enabled": True, "guild_ids": [1200000000000000001], "admins": [7]}}, "t"
    )
    assert config.discord.guild_ids == [1200000000000000001] and config.discord.admins == [7]
    assert not Config().discord.enabled  # off unless asked for
    assert "token" not in repr(DiscordConfig(token="secret"))
    with pytest.raises(ConfigError, match=r"\[discord\] guild_ids: expected a list of whole"):
        parse_config({"discord": {"guild_ids": ["my server"]}}, "t")
    with pytest.raises(ConfigError, match=r"\[discord\] guild_ids: expected Discord ids"):
        parse_config({"discord": {"guild_ids": [-1]}}, "t")
    settings = run.bot_settings(config)
    assert settings.admins["discord"] == frozenset({"7"})


# -- both adapters under `run` ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_run_serves_discord_and_telegram_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    async with serve_telegram() as tg, serve_discord() as dc:
        built: list[DiscordAdapter] = []

        def discord_spec() -> run.AdapterSpec:
            def build(config: Config, token: str, core: BotCore) -> DiscordAdapter:
                built.append(build_discord(config, token, core, connector_factory=dc.connector))
                return built[-1]

            return replace(run._discord(), build=build)

        monkeypatch.setattr(run, "SPECS", (run._telegram, discord_spec))
        config = load_config(write_config(tmp_path, telegram=True, telegram_url=tg.base_url))
        stop, started = asyncio.Event(), asyncio.Event()
        env = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "DISCORD_BOT_TOKEN": DISCORD_TOKEN}
        task = asyncio.create_task(
            run.run_bot(
                config,
                clock=FixedClock(NOW),
                env=env,
                stop=stop,
                started=started,
                sentiment=KeywordSentiment(),
            )
        )
        await asyncio.wait_for(started.wait(), 20)
        [adapter] = built
        assert adapter.client is not None

        # Discord: an admin subscribes #signals, a member asks for a signal
        interaction = dc.slash("subscribe", user_id=1400000000000000001, permissions=1 << 4)
        answered = adapter.client.wait_for(ANSWERED, timeout=10)
        await dc.dispatch("INTERACTION_CREATE", interaction)
        await answered
        assert dc.answer(interaction).text.startswith("Subscribed")
        interaction = dc.slash("signal", {"ticker": "TSLA"})
        answered = adapter.client.wait_for(ANSWERED, timeout=10)
        await dc.dispatch("INTERACTION_CREATE", interaction)
        await answered
        assert dc.answer(interaction).messages[0].embeds[0]["title"] == "TSLA BULLISH · Tesla"

        # Telegram, at the same time, on the same loop and the same engine
        await tg.say("/signal TSLA")
        [card] = await tg.wait_sent(1001)
        assert card.visible.startswith("🟢 TSLA BULLISH · Tesla")

        # one store: the Discord subscription is there for the digest
        todays = await adapter.core.todays_digest(Caller("discord", str(SIGNALS), "1"))
        report = await broadcast(adapter, todays)
        assert report.delivered == [str(SIGNALS)]
        assert dc.channels[SIGNALS][0].embeds[0]["title"].startswith("TradeTheHype digest")

        stop.set()
        assert await asyncio.wait_for(task, 20) == 0
        assert adapter.client is None  # stopped with the rest
    assert "discord adapter started" in caplog.text and "telegram adapter started" in caplog.text
    assert DISCORD_TOKEN not in caplog.text and TELEGRAM_TOKEN not in caplog.text
