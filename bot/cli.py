"""The `tradethehype` command line: digest, signal, why, demo, backtest.

Errors a user can cause print one line on stderr and exit with code 2; nothing is written then.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from bot import cli_backtest, cli_chart, cli_ops, cli_outcomes, cli_sentiment, cli_symbols
from bot.cli_common import add_at, add_common, clock_for, config_for, out, parse_at
from bot.config import Config, load_config, with_overrides
from bot.console import render_digest, render_ticker_view, render_why
from bot.logformat import configure_logging
from bot.run import run_bot
from bot.wiring import open_engine, open_store
from chat.record import digest_record_line, why_outcome_line
from engine.clock import Clock, FixedClock, OffsetClock, SystemClock
from engine.errors import UserError
from engine.pipeline import check_query
from engine.records import SignalRecord
from engine.sentiment import SentimentBackend
from engine.serialize import digest_to_dict, signal_to_dict
from engine.symbols import SymbolIndex

log = logging.getLogger("tradethehype")

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C
# feature modules that add their own subcommands: add_parsers(sub) and dispatch(args) -> int | None
EXTENSIONS = (cli_sentiment, cli_symbols, cli_ops, cli_outcomes, cli_chart)
DEMO_AT = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # a Friday, 10:30 in New York


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradethehype",
        description="Turn fresh financial news into trading signals.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("digest", help="build the digest now and print it")
    add_common(p)
    p.add_argument("--dry-run", action="store_true", help="record nothing in the store")

    p = sub.add_parser("signal", help="the on-demand view of one ticker (records nothing)")
    p.add_argument("ticker", help="ticker or company name: TSLA, $TSLA, Tesla")
    add_common(p)

    p = sub.add_parser("why", help="how the latest signal for a ticker was made")
    p.add_argument("ticker", help="ticker or company name: TSLA, $TSLA, Tesla")
    add_common(p, engine=False)
    add_at(p, "count the headlines' ages from this time instead of now")

    p = sub.add_parser("demo", help="the main job offline on bundled sample data")
    p.add_argument(
        "--config",
        type=Path,
        help="TOML config whose settings apply to the sample run, except its news sources, "
        "prices, store and sentiment backend (default: none, the built-in defaults)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    p.add_argument("--json", action="store_true", help="print the digest as JSON")

    p = sub.add_parser("run", help="serve the chat bots enabled in the config until stopped")
    add_common(p, engine=False)
    add_at(p, "rehearse: start the clock at this time and let it run (e.g. a minute before 06:30)")

    for ext in EXTENSIONS:
        ext.add_parsers(sub)
    cli_backtest.add_parser(sub)
    return parser


def _require_sources(config: Config, *, ticker_feeds_count: bool) -> None:
    if config.news.feeds or (ticker_feeds_count and config.news.ticker_feeds):
        return
    where = "config.toml" if config.source == "built-in defaults" else config.source
    raise UserError(
        f"no news sources: set [news] feeds in {where} (see config.example.toml) "
        "or pass --feeds URL|FILE|DIR"
    )


async def run_digest(
    config: Config,
    clock: Clock,
    *,
    dry_run: bool,
    as_json: bool,
    sentiment: SentimentBackend | None = None,
) -> int:
    _require_sources(config, ticker_feeds_count=False)
    async with open_engine(config, clock=clock, read_only=dry_run, sentiment=sentiment) as engine:
        digest = await engine.build_digest(dry_run=dry_run)
        record = await digest_record_line(engine.store, digest.generated_at)
    if as_json:
        out(json.dumps(digest_to_dict(digest), indent=2) + "\n")
    else:
        out(render_digest(digest, record))
    return 0


async def run_signal(
    config: Config,
    clock: Clock,
    query: str,
    *,
    as_json: bool,
    sentiment: SentimentBackend | None = None,
) -> int:
    check_query(query)
    symbols = await asyncio.to_thread(SymbolIndex.load)
    if symbols.resolve(query.strip()) is None:
        raise UserError(f"unknown ticker or company {query.strip()!r}")
    _require_sources(config, ticker_feeds_count=True)
    async with open_engine(config, clock=clock, symbols=symbols, sentiment=sentiment) as engine:
        view = await engine.ticker_view(query)
    if as_json:
        doc = {
            "symbol": view.symbol,
            "name": view.name,
            "generated_at": view.generated_at.isoformat(),
            "backend": view.backend,
            "market": view.market,
            "price_source": view.price_source,
            "signal": signal_to_dict(view.signal) if view.signal else None,
            "reason": view.reason,
            "failed_sources": view.failures,
            "notes": view.notes,
        }
        out(json.dumps(doc, indent=2) + "\n")
    else:
        out(render_ticker_view(view))
    return 0


async def run_why(config: Config, clock: Clock, query: str) -> int:
    check_query(query)
    symbols = await asyncio.to_thread(SymbolIndex.load)
    found = symbols.resolve(query.strip())
    if found is None:
        raise UserError(f"unknown ticker or company {query.strip()!r}")
    symbol = found[0]
    if not await asyncio.to_thread(Path(config.store.path).expanduser().exists):
        out(f"No signal recorded for {symbol} yet (no store at {config.store.path}).\n")
        return 1
    async with await open_store(config, read_only=True) as store:  # never created nor written
        last = await store.last_signal(symbol)
        outcome = None if last is None else await store.outcome_of(last.id)
    if last is None:
        out(f"No signal recorded for {symbol} yet.\n")
        return 1
    out(
        render_why(SignalRecord.parse(last.payload), clock.now()) + why_outcome_line(outcome) + "\n"
    )
    return 0


@dataclass(frozen=True)
class DemoData:
    news: Path
    prices: Path


def demo_data() -> DemoData:
    root = Path(str(resources.files("bot") / "sample"))
    return DemoData(news=root / "news", prices=root / "prices")


def demo_config(store_path: str, base: Config | None = None) -> Config:
    """The sample data, the lite backend and `store_path` over `base` (default: built-in)."""
    data = demo_data()
    return with_overrides(
        base or Config(source="demo"),
        news={"feeds": [str(data.news)], "ticker_feeds": []},
        prices={"provider": "csv", "csv_dir": str(data.prices)},
        sentiment={"backend": "lite", "lite_head": ""},
        store={"path": store_path},
    )


async def run_demo(as_json: bool, base: Config | None = None) -> int:
    """The main job on bundled sample data at a fixed replay clock, in a fresh store."""
    clock = FixedClock(DEMO_AT)
    with tempfile.TemporaryDirectory(prefix="tradethehype-demo-") as tmp:
        config = demo_config(str(Path(tmp) / "demo.db"), base)
        async with open_engine(config, clock=clock) as engine:
            digest = await engine.build_digest()
            if as_json:
                out(json.dumps(digest_to_dict(digest), indent=2) + "\n")
                return 0
            out(render_digest(digest))
            if not digest.signals:
                return 0
            top = digest.signals[0].symbol
            out(f"\n$ tradethehype signal {top}\n")
            out(render_ticker_view(await engine.ticker_view(top)))
            out(f"\n$ tradethehype why {top}\n")
            payload = await engine.explain(top)
            why = render_why(SignalRecord.parse(payload), clock.now()) if payload else None
            out(why or f"No signal recorded for {top}.\n")
    return 0


async def _dispatch(args: argparse.Namespace, sentiment: SentimentBackend | None) -> int:
    for ext in EXTENSIONS:
        code = await ext.dispatch(args)
        if code is not None:
            return code
    if args.command == "backtest":
        return await cli_backtest.run_backtest(args, sentiment)
    if args.command == "demo":  # a config only when named: `make demo` always shows the same
        return await run_demo(args.json, load_config(args.config) if args.config else None)
    config = config_for(args)
    if args.command == "digest":
        return await run_digest(
            config, clock_for(args), dry_run=args.dry_run, as_json=args.json, sentiment=sentiment
        )
    if args.command == "signal":
        return await run_signal(
            config, clock_for(args), args.ticker, as_json=args.json, sentiment=sentiment
        )
    if args.command == "why":
        return await run_why(config, clock_for(args), args.ticker)
    if args.command == "run":
        clock = OffsetClock(parse_at(args.at)) if args.at else SystemClock()
        return await run_bot(config, clock=clock, env=os.environ)
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None, *, sentiment: SentimentBackend | None = None) -> int:
    """Run one command; `sentiment` replaces the configured backend for digest and signal."""
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", False) or args.command == "run"
    configure_logging(
        logging.INFO if verbose else logging.WARNING, getattr(args, "log_format", "text")
    )
    for noisy in ("httpx", "urllib3", "peewee", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # yfinance logs its own network errors at ERROR; the digest reports failed prices itself
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    if not verbose:  # and its failed feeds, one line each: a log line would say it twice
        logging.getLogger("engine.news.fetch").setLevel(logging.ERROR)
    try:
        return asyncio.run(_dispatch(args, sentiment))
    except UserError as exc:
        print(f"tradethehype: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:  # model work stops at its next batch; scores done are kept
        print("tradethehype: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `tradethehype demo | head`: the reader left, that is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug, not the user's doing: one line, the details with -v
        if getattr(args, "verbose", False):
            log.exception("unexpected error")
        print(
            f"tradethehype: internal error: {type(exc).__name__}: {exc} "
            "(run again with -v for details, and please report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
