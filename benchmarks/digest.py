"""The scheduled digest end to end: `tradethehype run` with its digest time a minute away.

    .venv/bin/python benchmarks/digest.py [--chats 200] [--lead 60]

Starts the real `tradethehype run` process (lite backend) against the fake Telegram Bot API from the
test suite (tests/support/fake_telegram.py, on 127.0.0.1), on the test world's feeds and price bars,
with --chats private chats subscribed and the rehearsal clock (`run --at`) started --lead seconds
before the 08:00 digest. Prints when the digest was built and when every chat had it (both from the
digest's time), messages per second, duplicates, and the process's peak RSS (VmHWM). Nothing leaves
the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support.botworld import NOW, write_bot_config  # noqa: E402
from support.fake_telegram import bot_process, peak_rss_mb, serve  # noqa: E402

from chat.state import ChatState  # noqa: E402
from engine.store import Store  # noqa: E402


async def measure(chats: int, lead: float) -> None:
    ids = range(5001, 5001 + chats)
    async with serve() as tg:
        with tempfile.TemporaryDirectory() as tmp:
            config = write_bot_config(
                Path(tmp),
                f'[telegram]\nbase_url = "{tg.base_url}"\n'
                '[digest]\ntimes = ["08:00"]\ntimezone = "America/Phoenix"\n',
            )
            async with await Store.open(Path(tmp) / "bot.db") as store:
                state = ChatState(store)
                for chat in ids:
                    tg.chat(chat)
                    await state.subscribe("telegram", str(chat), NOW - timedelta(days=1))
            start = (NOW - timedelta(seconds=lead)).isoformat()
            t0 = time.monotonic()
            async with bot_process(config, "--at", start) as run:
                await run.until("telegram adapter started", within=120)
                ready = time.monotonic() - t0
                await run.until("Built digest #1", within=lead + 120)
                built = time.monotonic() - t0 - lead
                await tg.wait_until(
                    lambda: all(tg.to(c) for c in ids), within=lead + 60 + chats / 5
                )
                delivered = time.monotonic() - t0 - lead
                await run.until("Delivered digest #1", within=60)
                rss = peak_rss_mb(run.proc.pid)
                code = await run.stop()
    messages = len(tg.sent)
    per_chat = messages / chats
    spread = delivered - built
    print(f"chats: {chats}, messages: {messages} ({per_chat:.1f} a chat), exit code {code}")
    print(f"serving {ready:.1f} s after start; digest time {lead:.0f} s after start")
    print(f"digest built {built:.2f} s after its time; every chat had it {delivered:.2f} s after")
    print(f"delivery: {messages / spread:.0f} messages/s" if spread > 0 else "")
    print(f"duplicates: {messages - chats * round(per_chat)}")
    print(f"peak RSS of the run process: {rss:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--lead", type=float, default=60.0, help="seconds before the digest time")
    args = parser.parse_args()
    asyncio.run(measure(args.chats, args.lead))


if __name__ == "__main__":
    main()
