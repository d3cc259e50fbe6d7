"""Discord in `tradethehype run`: the token (checked before anything loads), the adapter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.config import Config
from bot.tokens import read_token
from chat import BotCore
from engine.errors import UserError

if TYPE_CHECKING:  # discord.py is imported only when Discord is enabled
    from adapters.discord.adapter import ConnectorFactory, DiscordAdapter

ENV_TOKEN = "DISCORD_BOT_TOKEN"
# three base64url parts: the bot's id, a timestamp, a signature (lengths vary between tokens)
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{17,40}\.[A-Za-z0-9_-]{4,12}\.[A-Za-z0-9_-]{25,80}$")


def discord_token(config: Config, env: Mapping[str, str]) -> str:
    """The bot token: $DISCORD_BOT_TOKEN, else [discord] token. Never echoed in errors."""
    token = read_token(
        env,
        ENV_TOKEN,
        "discord",
        config.discord.token,
        config.source,
        "the developer portal's Bot page gives you one",
    )
    if token.value[:4].lower() == "bot ":
        raise UserError(
            f"the Discord bot token in {token.where} starts with 'Bot ': give the token alone"
        )
    if not TOKEN_SHAPE.match(token.value):
        raise UserError(
            f"the Discord bot token in {token.where} is malformed: expected three parts separated "
            "by dots, as the developer portal's Bot page shows it"
        )
    return token.value


def build_discord(
    config: Config,
    token: str,
    core: BotCore,
    *,
    connector_factory: ConnectorFactory | None = None,
) -> DiscordAdapter:
    from adapters.discord.adapter import DiscordAdapter

    return DiscordAdapter(
        core,
        token,
        guild_ids=config.discord.guild_ids,
        connector_factory=connector_factory,
    )
