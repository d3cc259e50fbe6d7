"""Pieces every `tradethehype` subcommand shares: common options, config overrides, output."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config, load_config, with_overrides
from bot.logformat import FORMATS
from engine.clock import Clock, FixedClock, SystemClock
from engine.errors import UserError

AT_YEARS = (1970, 2999)  # --at outside these is a typo; at the far ends date arithmetic overflows
AT_HELP = (
    "an ISO-8601 time with its UTC offset, e.g. 2026-11-20T10:30:00-05:00 or "
    "2026-11-20T15:30:00Z; a time without an offset is refused"
)


def parse_at(value: str) -> datetime:
    """The --at time; UserError (one line) unless it is ISO-8601 with an offset, 1970 to 2999."""
    example = "e.g. 2026-11-20T10:30:00-05:00 or 2026-11-20T15:30:00Z"
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UserError(f"--at: {value!r} is not an ISO-8601 time ({example})") from None
    if at.tzinfo is None:
        raise UserError(
            f"--at: {value!r} has no UTC offset, so it could be any time zone's {at:%H:%M}: "
            f"add one ({example})"
        )
    low, high = AT_YEARS
    if not low <= at.astimezone(UTC).year <= high:
        raise UserError(f"--at: {value!r} is out of range: use a year from {low} to {high}")
    return at


def add_at(p: argparse.ArgumentParser, what: str) -> None:
    """The --at option; its value is checked by `parse_at` when the command runs."""
    p.add_argument("--at", metavar="ISO-TIME", help=f"{what}: {AT_HELP}")


def add_common(p: argparse.ArgumentParser, *, engine: bool = True) -> None:
    p.add_argument("--config", type=Path, help="TOML config (default: ./config.toml if present)")
    p.add_argument("--db", help="store file (overrides [store] path)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    p.add_argument(
        "--log-format",
        choices=FORMATS,
        default="text",
        help="how log lines on stderr look: text, or one JSON object per line (default: text)",
    )
    if not engine:
        return
    p.add_argument(
        "--feeds", nargs="+", metavar="URL|FILE|DIR", help="news sources (override [news] feeds)"
    )
    p.add_argument("--prices-csv", metavar="DIR", help="replay price bars from DIR/SYMBOL.csv")
    add_at(p, "run as if it were this time (replay)")
    p.add_argument("--backend", choices=("finbert", "lite"), help="sentiment backend")
    add_model(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")


def config_for(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    news: dict[str, object] = {}
    prices: dict[str, object] = {}
    sentiment: dict[str, object] = {}
    store: dict[str, object] = {}
    if getattr(args, "feeds", None):
        news["feeds"] = list(args.feeds)
    if getattr(args, "prices_csv", None):
        folder = Path(args.prices_csv).expanduser()
        if not folder.is_dir():  # named as the user typed it, not as a config key
            problem = "is not a folder" if folder.exists() else "does not exist"
            raise UserError(f"--prices-csv: {args.prices_csv} {problem}")
        prices.update(provider="csv", csv_dir=args.prices_csv)
    if getattr(args, "backend", None):
        sentiment["backend"] = args.backend
    if getattr(args, "model", None):
        backend = sentiment.get("backend", config.sentiment.backend)
        sentiment["model" if backend == "finbert" else "lite_head"] = args.model
    if getattr(args, "db", None):
        store["path"] = args.db
    return with_overrides(config, news=news, prices=prices, sentiment=sentiment, store=store)


def add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        metavar="PATH|HUB_ID",
        help="finbert: hub id or local folder; lite: a model folder made by scripts/train_lite.py",
    )


def clock_for(args: argparse.Namespace) -> Clock:
    """A clock fixed at --at when given (UserError if it is not a usable time), else real time."""
    at = getattr(args, "at", None)
    return FixedClock(parse_at(at)) if at else SystemClock()


def out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
