"""How fast Ctrl-C stops `tradethehype digest` while it scores headlines, and what it keeps.

    .venv/bin/python benchmarks/interrupt.py [--n 20000] [--after 5] [--backend lite]
        [--model PATH] [--batch-size 32] [--runs 3]

Writes a feed of N distinct headlines about one company into a temporary folder, starts the
real `tradethehype digest` on it, sends SIGINT `--after` seconds after the process starts (set
it past the model load, while the headlines are being scored), and reports for each run:

- seconds from SIGINT to process exit (what a user waits after Ctrl-C);
- the exit code and stderr (expected: 130 and "tradethehype: interrupted");
- how many scores the store kept for the next run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def write_feed(path: Path, n: int) -> None:
    published = format_datetime(AT - timedelta(minutes=30))
    verbs = ("climb", "slip", "hold steady", "jump", "fall", "edge higher")
    titles = [
        f"Tesla shares {verbs[i % len(verbs)]} as analysts weigh report {i}" for i in range(n)
    ]
    items = "".join(
        f"<item><title>{escape(titles[i])}</title><link>https://example.com/{i}</link><pubDate>{published}</pubDate></item>"
        for i in range(n)
    )
    path.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}'
        "</channel></rss>",
        encoding="utf-8",
    )


def cached(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM sentiment_cache").fetchone()[0])


def one_run(args: argparse.Namespace, work: Path, feed: Path, run: int) -> dict[str, object]:
    db = work / f"store-{run}.db"
    config = work / "config.toml"
    config.write_text(f"[sentiment]\nbatch_size = {args.batch_size}\n", encoding="utf-8")
    argv = [sys.executable, "-m", "bot.cli", "digest", "--config", str(config)]
    argv += ["--feeds", str(feed), "--prices-csv", str(ROOT / "bot" / "sample" / "prices")]
    argv += ["--at", AT.isoformat(), "--db", str(db), "--backend", args.backend]
    if args.model:
        argv += ["--model", args.model]
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(args.after)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=600)
    waited = time.perf_counter() - sent
    return {
        "seconds": waited,
        "code": proc.returncode,
        "stderr": err.decode().strip(),
        "stdout_bytes": len(out),
        "kept": cached(db) if db.exists() else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="headlines in the feed")
    parser.add_argument("--after", type=float, default=8.0, help="seconds before SIGINT")
    parser.add_argument("--backend", choices=("lite", "finbert"), default="lite")
    parser.add_argument("--model", help="finbert: a local model folder")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-interrupt-") as tmp:
        work = Path(tmp)
        feed = work / "news.xml"
        write_feed(feed, args.n)
        results = [one_run(args, work, feed, i) for i in range(args.runs)]
    for i, r in enumerate(results):
        print(
            f"run {i}: SIGINT to exit {r['seconds']:.2f} s, exit code {r['code']}, "
            f"stderr {r['stderr']!r}, scores kept {r['kept']}"
        )
    times = [float(r["seconds"]) for r in results]  # type: ignore[arg-type]
    print(
        f"{args.backend}, batch {args.batch_size}, {args.n} headlines: SIGINT to exit "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )


if __name__ == "__main__":
    main()
