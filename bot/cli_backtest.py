"""`tradethehype backtest`: the engine's digests replayed over a news file and price files.

Wires the replay (`engine.backtest`) from the config: the engine settings, the sentiment backend
(its scores kept between runs), the digest times; shows progress on stderr; Ctrl-C stops after
the day under way and prints what was measured so far (exit code 130).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import json
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.cli_backtest_text import ProgressBar, render_report
from bot.cli_common import add_model, config_for, out
from bot.config import Config
from bot.wiring import make_sentiment, make_targets, settings_from
from chat.schedule import parse_time
from engine.backtest.news import load_news
from engine.backtest.prices import History
from engine.backtest.replay import ReplaySetup, replay
from engine.backtest.report import Report, build_report
from engine.backtest.scorecache import CachedScores, scores_path
from engine.errors import UserError
from engine.market import MarketCalendar
from engine.outcomes import DEFAULT_HORIZON
from engine.sentiment import SentimentBackend, backend_label
from engine.symbols import SymbolIndex

EXIT_INTERRUPTED = 130
MAX_HORIZON = 250
TRADE_FIELDS = (
    "symbol",
    "direction",
    "signalled_at",
    "entry",
    "stop",
    "target",
    "outcome",
    "exit",
    "exit_at",
    "r",
    "confidence",
)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backtest", help="replay the digests over a news file and daily price files")
    p.add_argument("--news", type=Path, required=True, metavar="FILE", help="news CSV")
    p.add_argument(
        "--prices", type=Path, required=True, metavar="DIR", help="one daily-bar CSV per ticker"
    )
    p.add_argument("--from", dest="first", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument(
        "--horizon",
        type=int,
        default=DEFAULT_HORIZON,
        metavar="N",
        help=f"sessions a signal is followed (default {DEFAULT_HORIZON})",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--trades", type=Path, metavar="FILE.csv", help="write every trade to a CSV")
    p.add_argument("--config", type=Path, help="TOML config (default: ./config.toml if present)")
    p.add_argument("--backend", choices=("finbert", "lite"), help="sentiment backend")
    add_model(p)
    p.add_argument("--seed", type=int, default=0, help="seed of the random baseline (default 0)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def _check_args(args: argparse.Namespace) -> tuple[date, date]:
    first, last = _date(args.first, "--from"), _date(args.last, "--to")
    if first > last:
        raise UserError(f"--from {first} is after --to {last}")
    if not 1 <= args.horizon <= MAX_HORIZON:
        raise UserError(f"--horizon: use 1 to {MAX_HORIZON} sessions, not {args.horizon}")
    if not args.news.is_file():
        raise UserError(f"--news: {args.news} is not a file")
    return first, last


async def _setup(
    args: argparse.Namespace, config: Config, sentiment: SentimentBackend
) -> ReplaySetup:
    first, last = _check_args(args)
    calendar = MarketCalendar()
    news = await asyncio.to_thread(load_news, args.news)
    history = await asyncio.to_thread(History.load, args.prices.expanduser(), calendar)
    days = history.sessions(first, last)
    if not days:
        raise UserError(f"no trading days from {first} to {last}")
    symbols = await asyncio.to_thread(SymbolIndex.load)
    return ReplaySetup(
        settings=settings_from(config),
        symbols=symbols,
        sentiment=sentiment,
        news=news,
        history=history,
        calendar=calendar,
        digest_times=[parse_time(t) for t in config.digest.times],
        timezone=config.digest.timezone,
        days=days,
    )


async def run_backtest(args: argparse.Namespace, sentiment: SentimentBackend | None) -> int:
    config = config_for(args)
    _check_args(args)  # the cheap checks before a model loads
    scores = CachedScores(sentiment or await make_sentiment(config), Path())
    scores.path = scores_path(scores)
    await asyncio.to_thread(scores.load)
    setup = await _setup(args, config, scores)
    targets = await make_targets(config, scores.inner)
    company_scores = scores  # a lite backend scores companies too: one score file
    if targets is not None and targets is not scores.inner:
        company_scores = CachedScores(targets, Path())  # type: ignore[arg-type]
        company_scores.path = scores_path(company_scores)
        await asyncio.to_thread(company_scores.load)
    if targets is not None:
        setup = dataclasses.replace(setup, targets=company_scores)
    bar = ProgressBar(sys.stderr)
    with _interruptible() as stopped:
        try:
            replayed = await replay(setup, on_day=bar.update, stopped=stopped)
        finally:
            bar.finish()
            await asyncio.to_thread(scores.save)
            if company_scores is not scores:
                await asyncio.to_thread(company_scores.save)
    report = await asyncio.to_thread(
        build_report,
        replayed,
        setup.history,
        first=setup.days[0],
        last=setup.days[-1],
        horizon=args.horizon,
        backend=backend_label(scores.name, scores.model_id),
        seed=args.seed,
    )
    _print(report, args, config)
    return EXIT_INTERRUPTED if replayed.interrupted else 0


def _print(report: Report, args: argparse.Namespace, config: Config) -> None:
    if args.trades:
        _write_trades(report, args.trades)
    if args.json:
        out(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        times = f"{', '.join(config.digest.times)} {config.digest.timezone}"
        out(render_report(report, digest_times=times))


def _write_trades(report: Report, path: Path) -> None:
    try:
        with path.expanduser().open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=TRADE_FIELDS)
            writer.writeheader()
            writer.writerows(t.row() for t in report.trades)
    except OSError as exc:
        raise UserError(f"--trades: cannot write {path}: {exc.strerror or exc}") from None


class _interruptible:
    """Within it, the first Ctrl-C asks the replay to stop after the day under way (the
    callable it yields says whether it was pressed); a second one interrupts at once."""

    def __enter__(self) -> Callable[[], bool]:
        self.pressed = False
        self.loop = asyncio.get_running_loop()
        try:
            self.loop.add_signal_handler(signal.SIGINT, self._press)
            self.installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            self.installed = False
        return lambda: self.pressed

    def _press(self) -> None:
        self.pressed = True
        print("\nbacktest: stopping after this day (Ctrl-C again to quit)", file=sys.stderr)
        self.loop.remove_signal_handler(signal.SIGINT)

    def __exit__(self, *exc: object) -> None:
        if self.installed and not self.pressed:
            self.loop.remove_signal_handler(signal.SIGINT)
