"""Bot tokens: the environment wins over the config file, and a token is never echoed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import UserError


@dataclass(frozen=True)
class Token:
    value: str
    where: str  # "TELEGRAM_BOT_TOKEN" or "[telegram] token in config.toml", for messages


def read_token(
    env: Mapping[str, str], env_name: str, section: str, configured: str, source: str, hint: str
) -> Token:
    """$env_name, else [section] token; a missing token is one line saying where to set it."""
    from_env = (env.get(env_name) or "").strip()
    value = from_env or configured.strip()
    if not value:
        raise UserError(
            f"no {section.capitalize()} bot token: set {env_name} (or [{section}] token in "
            f"{source}); {hint}, or set [{section}] enabled = false"
        )
    return Token(value, env_name if from_env else f"[{section}] token in {source}")
