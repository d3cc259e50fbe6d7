"""`tradethehype outcomes update` and `tradethehype performance`: the record of the signals.

`outcomes update` follows every recorded signal without an outcome on the configured prices and
records the ones that closed (what the running bot does after each session close); running it
again changes nothing. `performance` reads the record (the store is only read) and prints the
same report /performance replies with.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli_common import add_at, add_common, clock_for, config_for, out
from bot.config import Config
from bot.wiring import make_prices, open_store
from chat.record import (
    PERIOD_USAGE,
    Period,
    outcome_notice,
    parse_period,
    performance_doc,
    performance_text,
    the_record,
)
from engine.clock import Clock
from engine.market import MarketCalendar
from engine.store.outcomes import StoredOutcome
from engine.tracking import resolve


def add_parsers(sub: Any) -> None:
    """Add this module's subcommands to the `tradethehype` parser's subparsers."""
    o = sub.add_parser("outcomes", help="follow recorded signals to their outcomes")
    actions = o.add_subparsers(dest="outcomes_action", required=True, metavar="ACTION")
    u = actions.add_parser(
        "update",
        help="resolve the outcomes of the signals still open (the running bot does it daily)",
        description=(
            "Follow every recorded signal without an outcome on the configured prices: target, "
            "stop, expired after [outcomes] horizon_sessions, or reversed; record the ones that "
            "closed. Running it again changes nothing. A symbol without prices stays open."
        ),
    )
    add_common(u, engine=False)
    u.add_argument("--prices-csv", metavar="DIR", help="replay price bars from DIR/SYMBOL.csv")
    add_at(u, "resolve as if it were this time (replay)")

    p = sub.add_parser(
        "performance",
        help="how the recorded signals turned out (the store is only read)",
        description="The record: closed and open signals, target-first / stop-first / expired "
        "shares, average R, expectancy, profit factor, by direction and confidence, the best "
        "and worst tickers, and the rules in one line.",
    )
    add_common(p, engine=False)
    p.add_argument(
        "--since", default="all", help=f"the signals made in this period: {PERIOD_USAGE}"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    add_at(p, "count the period back from this time instead of now")


async def dispatch(args: argparse.Namespace) -> int | None:
    """Run the subcommand if it is one of ours and return its exit code; None otherwise."""
    if args.command == "outcomes" and args.outcomes_action == "update":
        return await run_update(config_for(args), clock_for(args))
    if args.command == "performance":
        period = parse_period(args.since)  # before anything is opened: a bad value is one line
        return await run_performance(config_for(args), clock_for(args), period, args.json)
    return None


async def run_update(config: Config, clock: Clock) -> int:
    now = clock.now()
    prices = make_prices(config, MarketCalendar())
    async with await open_store(config) as store:
        result = await resolve(store, prices, now, horizon=config.outcomes.horizon_sessions)
    lines = [
        f"Outcomes: {len(result.resolved)} resolved ({result.recorded} new), "
        f"{result.still_open} still open."
    ]
    for sig, outcome, bars in result.resolved:
        lines.append("  " + outcome_notice(sig, StoredOutcome(sig.id, outcome, bars, now)))
    for symbol, why in sorted(result.unpriced.items()):
        lines.append(f"Left open, no price for {symbol}: {why}")
    out("\n".join(lines) + "\n")
    return 0


async def run_performance(config: Config, clock: Clock, period: Period, as_json: bool) -> int:
    now = clock.now()
    async with await open_store(config, read_only=True) as store:  # never created nor written
        record = await the_record(store, period, now)
    horizon = config.outcomes.horizon_sessions
    if as_json:
        out(json.dumps(performance_doc(record, period, horizon), indent=2) + "\n")
    else:
        out(performance_text(record, period, horizon))
    return 0
