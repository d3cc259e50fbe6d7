"""`tradethehype config check` and `tradethehype health`: for whoever runs the bot.

`config check` loads the configuration the way every command does and prints the effective
values as TOML (defaults included), bot tokens masked. `health` prints one line per check and
exits 0 when the store, the model and the running bot are fine, 1 when one is not (see
bot/health.py).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from bot.cli_common import add_common, config_for, out
from bot.config import Config
from bot.health import check_health, healthy, report
from engine.clock import SystemClock

SECRET_KEYS = frozenset({"token"})  # in any section: never printed
MASK = "***"


def add_parsers(sub: Any) -> None:
    """Add this module's subcommands to the `tradethehype` parser's subparsers."""
    c = sub.add_parser("config", help="check the configuration")
    actions = c.add_subparsers(dest="config_action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate the config and print the effective values (secrets hidden)",
        description=(
            "Load the configuration as every command does (--config FILE, else ./config.toml if "
            "present, else the built-in defaults) and print every section and key as TOML, "
            "defaults included; bot tokens are never printed. A bad file is one line, exit 2."
        ),
    )
    check.add_argument(
        "--config", type=Path, help="TOML config (default: ./config.toml if present)"
    )

    h = sub.add_parser(
        "health",
        help="is the store readable, the model loadable, the bot running (exit 0 / 1)",
        description=(
            "One line per check: the store (exists and opens; never created), the sentiment "
            "model (its files are in place; --deep loads it), the running bot (a heartbeat "
            "within 5 minutes), and for information the last digest's deliveries and the last "
            "news poll. Exit 0 when healthy, 1 when not, 2 for a bad config."
        ),
    )
    add_common(h, engine=False)
    h.add_argument(
        "--deep", action="store_true", help="load the sentiment model and score a headline"
    )


async def dispatch(args: argparse.Namespace) -> int | None:
    """Run the subcommand if it is one of ours and return its exit code; None otherwise."""
    if args.command == "config" and args.config_action == "check":
        out(effective_toml(config_for(args), os.environ))
        return 0
    if args.command == "health":
        checks = await check_health(config_for(args), clock=SystemClock(), deep=args.deep)
        out(report(checks))
        return 0 if healthy(checks) else 1
    return None


# -- config check -----------------------------------------------------------------------------


def effective_toml(config: Config, env: Mapping[str, str]) -> str:
    """Every section and key of `config` as TOML, in the dataclasses' order, secrets masked."""
    if config.source == "built-in defaults":
        origin = "the built-in defaults (no --config given, no ./config.toml here)"
    else:
        origin = f"{config.source}, and the built-in default for each key it leaves out"
    lines = [f"# In effect: {origin}. Bot tokens are never shown."]
    env_names = token_env_names()
    for section in fields(Config):
        if section.name == "source":
            continue
        body = getattr(config, section.name)
        lines += ["", f"[{section.name}]"]
        for key in fields(body):
            value = getattr(body, key.name)
            if key.name in SECRET_KEYS:
                lines.append(_secret(key.name, value, env_names.get(section.name), env, body))
            else:
                lines.append(f"{key.name} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def token_env_names() -> dict[str, str]:
    """The environment variable that overrides each section's token (see bot/tokens.py)."""
    from bot.setup_discord import ENV_TOKEN as DISCORD
    from bot.setup_telegram import ENV_TOKEN as TELEGRAM

    return {"telegram": TELEGRAM, "discord": DISCORD}


def _secret(key: str, value: str, env_name: str | None, env: Mapping[str, str], body: Any) -> str:
    in_file = bool(value.strip())
    in_env = bool(env_name and (env.get(env_name) or "").strip())
    shown = f'"{MASK}"' if in_file else '""'
    if in_env and in_file:
        note = f"set in the file, but {env_name} is set in the environment and wins (values hidden)"
    elif in_env:
        note = f"empty; {env_name} is set in the environment (value hidden)"
    elif in_file:
        note = "set in the file (value hidden)"
    else:
        where = f"set {env_name} or this key" if env_name else "set this key"
        needed = "; needed while enabled = true" if getattr(body, "enabled", False) else ""
        note = f"not set ({where}{needed})"
    return f"{key} = {shown}  # {note}"


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # 6.0, 1e-05, inf: all valid TOML
    if isinstance(value, str):
        # a JSON string is a TOML basic string, except that TOML wants DEL escaped too
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")
