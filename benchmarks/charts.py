"""Charts: how long one takes, what they cost the bot's memory, and that 1,000 in a row do not grow.

    .venv/bin/python benchmarks/charts.py [--count 1000] [--warm 50]

Runs in one fresh process that first imports what a running `tradethehype run` has loaded (the
engine, the chat layer, both adapters, numpy and onnxruntime for the sentiment model) and reads its
RSS; then makes charts through `Charts` (the bot's path: a
price snapshot, the render in the chart thread) of a 120-bar signal with levels and headlines:
the first one (matplotlib imported, fonts loaded), `--warm` more of the same spec with new keys
(timed one by one), then `--count` in a row (RSS read after the first tenth and at the end).
Prints the timings and RSS at each step. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402,F401  (the sentiment runtime's: loaded in a running bot)
import onnxruntime  # noqa: E402,F401
from support.chartdata import bars, spec  # noqa: E402

import adapters.discord.adapter  # noqa: E402,F401  (what the running bot has loaded)
import adapters.telegram.adapter  # noqa: E402,F401
import bot.run  # noqa: E402,F401
from chat.charts import Charts, ChartSettings  # noqa: E402
from engine.market import MarketCalendar  # noqa: E402
from engine.models import Bar  # noqa: E402
from engine.prices import PriceSnapshot  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Prices:
    name = "bench"

    def __init__(self, data: list[Bar]) -> None:
        self.calendar = MarketCalendar()
        self.data = data

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        return PriceSnapshot(spec().quote, self.data)  # type: ignore[arg-type]


async def measure(count: int, warm: int) -> None:
    gc.collect()
    before = rss_mb()
    charts = Charts(Prices(bars()), ChartSettings())
    s = spec(headlines=3)
    t0 = time.perf_counter()
    first = await charts.image(s, 0)
    cold = time.perf_counter() - t0
    after_first = rss_mb()
    times = []
    for i in range(1, warm + 1):
        t0 = time.perf_counter()
        await charts.image(s, i)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(f"PNG: {len(first.png) / 1024:.0f} KB, 800 x 640 px")
    print(f"first chart (imports matplotlib, loads fonts): {cold:.2f} s")
    print(
        f"warm, {warm} charts: median {statistics.median(times):.3f} s, "
        f"p95 {times[int(len(times) * 0.95) - 1]:.3f} s, max {times[-1]:.3f} s"
    )
    print(
        f"RSS: bot imported {before:.0f} MB, after the first chart {after_first:.0f} MB "
        f"(+{after_first - before:.0f} MB)"
    )
    tenth = max(count // 10, 1)
    t0 = time.perf_counter()
    for i in range(count):
        await charts.image(s, 10_000 + i)  # a new key each time: a new render every time
        if i + 1 == tenth:
            gc.collect()
            at_tenth = rss_mb()
    elapsed = time.perf_counter() - t0
    gc.collect()
    end = rss_mb()
    print(
        f"{count} charts in a row: {elapsed:.0f} s ({elapsed / count:.3f} s each); RSS after "
        f"{tenth} {at_tenth:.0f} MB, after {count} {end:.0f} MB ({end - at_tenth:+.1f} MB); "
        f"{end - before:+.0f} MB over the bot without charts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--warm", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(measure(args.count, args.warm))


if __name__ == "__main__":
    main()
