"""Breaking-news alerts end to end: from a story appearing in a feed to the alert in every chat.

    .venv/bin/python benchmarks/alerts.py [--chats 200] [--poll-seconds 30] [--wait 10]

Serves a feed from 127.0.0.1, starts the real `tradethehype run` process (lite backend) against
the fake Telegram Bot API from the test suite (tests/support/fake_telegram.py), on the test
world's price bars, with --chats private chats watching TSLA and the feed polled every
--poll-seconds. --wait seconds after the first poll, two Tesla stories are added to the feed;
the script notes when each chat's alert card (with its chart) arrives. Prints the latency
(story in the feed to alert in the chat) for the first and the last chat against the bound
(the poll interval plus 30 s), duplicates, and the process's peak RSS (VmHWM). Nothing leaves
the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import local_server, rss  # noqa: E402
from support.botworld import NOW, write_world  # noqa: E402
from support.fake_telegram import FakeTelegram, bot_process, peak_rss_mb, serve  # noqa: E402

from chat.alerts_state import AlertState  # noqa: E402
from engine.store import Store  # noqa: E402

OLD = [("Apple to hold shareholder meeting", "https://a.example/aapl", NOW)]
NEWS = [
    ("Tesla beats delivery estimates", "https://a.example/tsla", NOW),
    ("Tesla raises outlook after record quarter", "https://a.example/tsla2", NOW),
]


async def arrivals(tg: FakeTelegram, ids: range, since: float, within: float) -> dict[int, float]:
    """Seconds from `since` to each chat's alert card, looked at every 20 ms."""
    got: dict[int, float] = {}
    deadline = time.monotonic() + within
    while len(got) < len(ids) and time.monotonic() < deadline:
        now = time.monotonic()
        for chat in ids:
            if chat not in got and any("BULLISH" in s.visible for s in tg.to(chat)):
                got[chat] = now - since  # the card (with its chart) is there
        await asyncio.sleep(0.02)
    return got


async def measure(chats: int, poll: float, wait: float) -> None:
    ids = range(5001, 5001 + chats)
    feed = {"body": rss(OLD)}

    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=feed["body"], content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/wire.xml", handle)
    async with local_server(app) as base, serve() as tg:
        with tempfile.TemporaryDirectory() as tmp:
            _, prices = write_world(Path(tmp))
            config = Path(tmp) / "config.toml"
            config.write_text(
                f'[news]\nfeeds = ["{base}/wire.xml"]\npoll_minutes = {poll / 60}\n'
                f'[prices]\nprovider = "csv"\ncsv_dir = "{prices}"\n'
                f'[sentiment]\nbackend = "lite"\n[store]\npath = "{Path(tmp) / "bot.db"}"\n'
                f'[telegram]\nbase_url = "{tg.base_url}"\n'
                '[digest]\ntimes = ["12:00"]\ntimezone = "America/Phoenix"\n'
            )
            async with await Store.open(Path(tmp) / "bot.db") as store:
                alerts = AlertState(store)
                for chat in ids:
                    tg.chat(chat)
                    await alerts.watch(("telegram", str(chat)), ["TSLA"], NOW)
            async with bot_process(config, "--at", NOW.isoformat()) as run:
                await run.until("Polled 1 feeds", within=120)
                await asyncio.sleep(wait)
                feed["body"] = rss(OLD + NEWS)
                changed = time.monotonic()
                got = await arrivals(tg, ids, changed, poll + 120)
                await asyncio.sleep(1)  # anything more would be a duplicate
                rss_mb = peak_rss_mb(run.proc.pid)
                code = await run.stop()
    late = sorted(got.values())
    bound = poll + 30
    print(f"chats watching TSLA: {chats}; alerted: {len(got)}; exit code {code}")
    print(f"poll interval {poll:.0f} s; story added {wait:.0f} s after the first poll")
    if late:
        print(f"story to alert: first chat {late[0]:.1f} s, last chat {late[-1]:.1f} s")
        verdict = "within" if late[-1] <= bound else "OVER"
        print(f"bound (poll interval + 30 s): {bound:.0f} s: {verdict}")
    headings = sum(s.visible.startswith("Alert: ") for s in tg.sent)
    photos = sum(s.photo is not None for s in tg.sent)
    print(f"messages: {len(tg.sent)} ({photos} with a chart); duplicates: {headings - len(got)}")
    print(f"peak RSS of the run process: {rss_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--poll-seconds", type=float, default=30.0)
    parser.add_argument("--wait", type=float, default=10.0, help="seconds after the first poll")
    args = parser.parse_args()
    asyncio.run(measure(args.chats, args.poll_seconds, args.wait))


if __name__ == "__main__":
    main()
