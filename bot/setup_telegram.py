"""Telegram in `tradethehype run`: the token (checked before anything loads), the adapter."""

from __future__ import annotations

import re
from collections.abc import Mapping

from adapters.telegram.adapter import TelegramAdapter
from bot.config import Config
from bot.tokens import read_token
from chat import BotCore
from engine.errors import UserError

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,80}$")


def telegram_token(config: Config, env: Mapping[str, str]) -> str:
    """The bot token: $TELEGRAM_BOT_TOKEN, else [telegram] token. Never echoed in errors."""
    token = read_token(
        env,
        ENV_TOKEN,
        "telegram",
        config.telegram.token,
        config.source,
        "@BotFather gives you one",
    )
    if not TOKEN_SHAPE.match(token.value):
        raise UserError(
            f"the Telegram bot token in {token.where} is malformed: expected digits, a colon and "
            "about 35 letters, as @BotFather gives it"
        )
    return token.value


def build_telegram(config: Config, token: str, core: BotCore) -> TelegramAdapter:
    return TelegramAdapter.build(core, token, base_url=config.telegram.base_url)
