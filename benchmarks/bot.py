"""What `tradethehype run` costs on a small server: start-up time, memory, reply latency.

    .venv/bin/python benchmarks/bot.py [--backend lite|finbert] [--requests 20]

Starts the real `tradethehype run` process against the fake Telegram Bot API server from the test
suite (tests/support/fake_telegram.py, on 127.0.0.1), with the bundled demo stories (their dates
moved to now, so they are fresh), the demo's price bars (quotes days old: at close or stale) and a
fresh store, then measures: process start to "serving", the latency of /help and of /signal (median
and worst over --requests each; the first /signal scores the headlines, later ones reuse the stored
scores), and the process's peak RSS (VmHWM) at the end. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support.fake_telegram import FakeTelegram, peak_rss_mb, serve, start_run  # noqa: E402

from bot.cli import DEMO_AT, demo_data  # noqa: E402


def shifted_news(src: Path, dst: Path) -> None:
    """The demo's stories with their dates moved to now, so the bot finds them fresh."""
    shift = datetime.now(UTC) - DEMO_AT
    dst.mkdir()
    for path in src.iterdir():
        text = path.read_text(encoding="utf-8")

        def rfc(m: re.Match[str]) -> str:
            return format_datetime(parsedate_to_datetime(m.group(1)) + shift)

        def iso(m: re.Match[str]) -> str:
            when = datetime.fromisoformat(m.group(1).replace("Z", "+00:00")) + shift
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")

        text = re.sub(r"(?<=<pubDate>)([^<]+)(?=</pubDate>)", rfc, text)
        text = re.sub(r"(?<=<updated>)([^<]+)(?=</updated>)", iso, text)
        text = re.sub(r"(?<=<published>)([^<]+)(?=</published>)", iso, text)
        (dst / path.name).write_text(text, encoding="utf-8")


async def timed(tg: FakeTelegram, chat: int, text: str) -> float:
    before = len(tg.to(chat))
    start = time.perf_counter()
    await tg.say(text, chat_id=chat)
    await tg.wait_sent(chat, before + 1, within=120)
    return time.perf_counter() - start


async def main(backend: str, requests: int) -> None:
    data = demo_data()
    with tempfile.TemporaryDirectory() as tmp:
        async with serve() as tg:
            news = Path(tmp) / "news"
            shifted_news(data.news, news)
            config = Path(tmp) / "config.toml"
            config.write_text(
                f'[news]\nfeeds = ["{news}"]\n'
                f'[prices]\nprovider = "csv"\ncsv_dir = "{data.prices}"\n'
                f'[sentiment]\nbackend = "{backend}"\n'
                f'[store]\npath = "{Path(tmp) / "bot.db"}"\n'
                f"[bot]\nrate_limit_per_minute = 0\n"
                f'[telegram]\nbase_url = "{tg.base_url}"\n'
            )
            start = time.perf_counter()
            proc = await start_run(config, stderr=asyncio.subprocess.DEVNULL)
            try:
                await tg.wait_call("getUpdates", within=180)
                ready = time.perf_counter() - start
                help_times = [await timed(tg, 1001 + i, "/help") for i in range(requests)]
                signal_times = [await timed(tg, 2001 + i, "/signal NVDA") for i in range(requests)]
                rss = peak_rss_mb(proc.pid)
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 60)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
    print(f"backend {backend}, {requests} requests each, 2 cores")
    print(f"start to serving (getUpdates): {ready:.2f} s")
    for name, times in (("/help", help_times), ("/signal NVDA", signal_times)):
        print(
            f"{name:13} median {statistics.median(times) * 1000:.0f} ms, "
            f"worst {max(times) * 1000:.0f} ms"
        )
    print(f"peak RSS of the bot process: {rss:.0f} MB")
    print(f"exit code after SIGTERM: {proc.returncode}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("lite", "finbert"), default="lite")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.backend, args.requests))
