"""The backtest on real history: `tradethehype backtest` over the stocknet tweets and prices.

    .venv/bin/python benchmarks/backtest.py [--data DIR] [--from 2014-01-01] [--to 2016-03-31]
        [--backend lite|finbert] [--model PATH] [--max-age-hours H] [--out DIR]

Runs the real command twice in a fresh score cache: a cold run (every tweet a digest reads is
scored), then a warm run with other thresholds ([signals] min_score 0.4 instead of 0.3), whose
scores come from the cache. Prints each run's wall time and peak RSS, and the cold run's verdict
and figures; the JSON reports are kept in --out. The data (stocknet, see its SOURCE.md) is looked
for in ../shared/data/backtest/stocknet from the repository or its parent folders; it is never
copied into the project. Without it the script says so and measures nothing (exit code 2).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_NAME = Path("shared/data/backtest/stocknet")


def find_data() -> Path | None:
    for parent in ROOT.parents:
        if (parent / DATA_NAME / "tweets.csv").is_file():
            return parent / DATA_NAME
    return None


def run(args: list[str], env: dict[str, str], report: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one backtest process."""
    t0 = time.monotonic()
    with report.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "backtest", *args, "--json"],
            stdout=handle,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - t0, usage.ru_maxrss / 1024, proc.returncode


def config_file(folder: Path, name: str, a: argparse.Namespace, min_score: float) -> Path:
    path = folder / name
    text = f'[sentiment]\nbackend = "{a.backend}"\n'
    if a.model:
        text += f'{"model" if a.backend == "finbert" else "lite_head"} = "{a.model}"\n'
    text += f"[signals]\nmin_score = {min_score}\n"
    if a.max_age_hours:
        text += f"[news]\nmax_age_hours = {a.max_age_hours}\n"
    path.write_text(text)
    return path


def show(name: str, report: Path, seconds: float, rss: float, code: int) -> None:
    print(f"{name}: {seconds:.0f} s, peak RSS {rss:.0f} MB, exit code {code}")
    if code != 0:
        return
    doc = json.loads(report.read_text())
    s, b = doc["summary"], doc["baselines"]
    print(f"  {doc['verdict']['line']}")
    print(
        f"  signals {s['signals']}, avg R {s['avg_r']} {s['avg_r_ci']}, "
        f"hit 1d {s['hit_rate_1d']} {s['hit_rate_1d_ci']}, "
        f"hit 5d {s['hit_rate_5d']} {s['hit_rate_5d_ci']}"
    )
    for k, v in b.items():
        print(f"  {k}: n {v['signals']}, avg R {v['avg_r']} {v['avg_r_ci']}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, help="the stocknet folder (default: found)")
    p.add_argument("--from", dest="first", default="2014-01-01")
    p.add_argument("--to", dest="last", default="2016-03-31")
    p.add_argument("--backend", default="lite", choices=("lite", "finbert"))
    p.add_argument("--model", help="finbert: a local model folder")
    p.add_argument("--max-age-hours", type=float, help="[news] max_age_hours (default: 6)")
    p.add_argument("--out", type=Path, help="keep the JSON reports here (default: a temp dir)")
    a = p.parse_args()
    data = a.data or find_data()
    if data is None or not (data / "tweets.csv").is_file():
        print(
            f"stocknet data absent (looked for {DATA_NAME} above {ROOT}): nothing measured",
            file=sys.stderr,
        )
        return 2
    out = a.out or Path(tempfile.mkdtemp(prefix="backtest-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backtest-cache-") as cache:
        env = dict(os.environ, TRADETHEHYPE_CACHE=cache, HF_HUB_OFFLINE="1")
        common = ["--news", str(data / "tweets.csv"), "--prices", str(data / "prices")]
        common += ["--from", a.first, "--to", a.last]
        print(f"stocknet at {data}, {a.first} to {a.last}, backend {a.backend}; load now:")
        print(f"  {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
        for name, min_score in (("cold (empty score cache)", 0.3), ("warm, min_score 0.4", 0.4)):
            config = config_file(out, f"{min_score}.toml", a, min_score)
            report = out / f"report-{min_score}.json"
            seconds, rss, code = run([*common, "--config", str(config)], env, report)
            show(name, report, seconds, rss, code)
    print(f"reports in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
