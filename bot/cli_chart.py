"""`tradethehype chart TICKER [-o FILE.png] [--at TIME] [--prices-csv DIR]`: a ticker's chart as a
PNG file, the one the chats show.

It draws the latest signal recorded for the ticker (read from the store, never written) with the
bars up to that signal; with none recorded by --at (or now), the prices alone up to then. No
model and no feed are needed: only the price source.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.cli_common import add_at, add_common, clock_for, config_for, out
from bot.config import Config
from bot.wiring import make_prices, open_store
from chat.charts import Charts, ChartSettings, ChartSpec, ChartUnavailable
from engine.clock import Clock
from engine.errors import UserError
from engine.market import MarketCalendar
from engine.pipeline import check_query
from engine.records import SignalRecord
from engine.symbols import SymbolIndex


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("chart", help="write a ticker's chart (its latest signal) as a PNG file")
    p.add_argument("ticker", help="ticker or company name: TSLA, $TSLA, Tesla")
    p.add_argument("-o", "--output", metavar="FILE.png", help="where to write (default TICKER.png)")
    p.add_argument("--palette", choices=("light", "dark"), help="overrides [charts] palette")
    add_common(p, engine=False)
    p.add_argument("--prices-csv", metavar="DIR", help="replay price bars from DIR/SYMBOL.csv")
    add_at(p, "chart as of this time (the signal recorded by then, the bars up to then)")


async def dispatch(args: argparse.Namespace) -> int | None:
    if args.command != "chart":
        return None
    config = config_for(args)
    return await run_chart(config, clock_for(args), args.ticker, args.output, args.palette)


async def run_chart(
    config: Config, clock: Clock, query: str, output: str | None, palette: str | None = None
) -> int:
    check_query(query)
    symbols = await asyncio.to_thread(SymbolIndex.load)
    found = symbols.resolve(query.strip())
    if found is None:
        raise UserError(f"unknown ticker or company {query.strip()!r}")
    symbol, name = found
    target = Path(output or f"{symbol}.png").expanduser()
    if not target.parent.is_dir():
        raise UserError(f"-o: the folder {target.parent} does not exist")
    now = clock.now()
    spec = await _recorded(config, symbol, now) or ChartSpec(symbol, name, now)
    settings = ChartSettings(palette=palette or config.charts.palette)
    charts = Charts(make_prices(config, MarketCalendar()), settings)
    try:
        image = await charts.image(spec)
    except ChartUnavailable as exc:
        raise UserError(str(exc)) from None
    try:
        await asyncio.to_thread(target.write_bytes, image.png)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror}") from None
    what = f"{spec.direction} signal of {spec.at:%Y-%m-%d %H:%M %Z}" if spec.direction else "prices"
    out(f"Wrote {target} ({len(image.png) // 1024} KB): {symbol} {what}.\n")
    return 0


async def _recorded(config: Config, symbol: str, now: datetime) -> ChartSpec | None:
    """The latest signal recorded for `symbol` at or before `now`, as a chart spec."""
    if not await asyncio.to_thread(Path(config.store.path).expanduser().exists):
        return None
    async with await open_store(config, read_only=True) as store:  # never created nor written
        last = await store.last_signal(symbol)
    if last is None:
        return None
    record = SignalRecord.parse(last.payload)
    if record.generated_at > now:
        return None
    return ChartSpec.of_record(record)
