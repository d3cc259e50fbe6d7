"""Pieces every `tradethehype` subcommand shares: common options, config overrides, output."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config, load_config, with_overrides
from bot.logformat import FORMATS
from engine.clock import Clock, FixedClock, SystemClock


def parse_at(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 time (e.g. 2026-11-20T14:30:00+00:00)"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


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
    p.add_argument(
        "--at", type=parse_at, metavar="ISO-TIME", help="run as if it were this time (replay)"
    )
    p.add_argument("--backend", choices=("finbert", "lite"), help="sentiment backend")
    p.add_argument("--model", help="finbert: hub id or local path; lite: a head file")
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
        prices.update(provider="csv", csv_dir=args.prices_csv)
    if getattr(args, "backend", None):
        sentiment["backend"] = args.backend
    if getattr(args, "model", None):
        backend = sentiment.get("backend", config.sentiment.backend)
        sentiment["model" if backend == "finbert" else "lite_head"] = args.model
    if getattr(args, "db", None):
        store["path"] = args.db
    return with_overrides(config, news=news, prices=prices, sentiment=sentiment, store=store)


def clock_for(args: argparse.Namespace) -> Clock:
    at = getattr(args, "at", None)
    return FixedClock(at) if at else SystemClock()


def out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
