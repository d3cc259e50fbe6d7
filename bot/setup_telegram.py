"""Telegram in `tradethehype run`: the token (checked before anything loads), the adapter."""

from __future__ import annotations

import re
from collections.abc import Mapping

from adapters.telegram.adapter import TelegramAdapter
from bot.config import Config
from engine.commands import BotCore
from engine.errors import UserError

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,80}$")


def telegram_token(config: Config, env: Mapping[str, str]) -> str:
    """The bot token: $TELEGRAM_BOT_TOKEN, else [telegram] token. Never echoed in errors."""
    token = (env.get(ENV_TOKEN) or config.telegram.token).strip()
    if not token:
        raise UserError(
            f"no Telegram bot token: set {ENV_TOKEN} (or [telegram] token in "
            f"{config.source}); @BotFather gives you one, or set [telegram] enabled = false"
        )
    if not TOKEN_SHAPE.match(token):
        where = ENV_TOKEN if env.get(ENV_TOKEN) else f"[telegram] token in {config.source}"
        raise UserError(
            f"the Telegram bot token in {where} is malformed: expected digits, a colon and "
            "about 35 letters, as @BotFather gives it"
        )
    return token


def build_telegram(config: Config, token: str, core: BotCore) -> TelegramAdapter:
    return TelegramAdapter.build(core, token, base_url=config.telegram.base_url)
