"""Score the symbol extractor on CSVs of `headline,tickers`; measure speed, load time, memory.

    .venv/bin/python benchmarks/extract.py [CSV ...] [--misses N] [--repeat N]

With no CSV it scores `../shared/data/headline_ticker/tfns_cashtag_headlines_train.csv` (silver
labels; skipped with a note when ../shared is absent) and the hand-written wire-style sets in
benchmarks/data (see benchmarks/data/README.md): trap_headlines.csv (the traps of the symbols
issue), wire_holdout.csv and wire_fresh.csv (written later, to check the rules generalise).

Scoring: `tickers` holds the headline's subjects, space separated, in SEC spelling. Only the
extractor's subjects count as predictions (a bank quoted as the analyst is not one). A share
class counts as its company's main class on both sides (BRK-A and BRK-B are one company), and
the figures are given twice: against every labelled ticker, and against the labelled tickers
that are in the ticker list in use (a delisted or OTC ticker cannot be found by design).
Micro-averaged: precision = TP / (TP + FP), recall = TP / (TP + FN) over all headlines.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.symbols import SymbolIndex  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SILVER = SHARED / "headline_ticker" / "tfns_cashtag_headlines_train.csv"
DATA = ROOT / "benchmarks" / "data"
WIRE_SETS = [DATA / "trap_headlines.csv", DATA / "wire_holdout.csv", DATA / "wire_fresh.csv"]


@dataclass
class Score:
    name: str
    headlines: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fn_listed: int = 0  # misses of labelled tickers that are in the list
    unlisted: int = 0  # labelled tickers not in the list
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def recall_listed(self) -> float:
        denom = self.tp + self.fn_listed
        return self.tp / denom if denom else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_csv(path: Path) -> list[tuple[str, list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"headline", "tickers"} <= set(reader.fieldnames):
            raise SystemExit(f"{path}: expected a header with 'headline' and 'tickers'")
        return [(row["headline"], (row["tickers"] or "").split()) for row in reader]


def company(index: SymbolIndex, symbol: str) -> str:
    """The main share class of `symbol`'s company (itself when unknown)."""
    return index.primary_of(symbol) or symbol.upper().replace(".", "-")


def score(index: SymbolIndex, name: str, rows: list[tuple[str, list[str]]]) -> Score:
    s = Score(name)
    for headline, gold_raw in rows:
        s.headlines += 1
        gold = {company(index, t) for t in gold_raw}
        found = index.extract(headline)
        pred = {company(index, m.symbol) for m in found if m.role == "subject"}
        listed = {g for g in gold if g in index}
        s.unlisted += len(gold - listed)
        tp, fp, fn = pred & gold, pred - gold, gold - pred
        s.tp += len(tp)
        s.fp += len(fp)
        s.fn += len(fn)
        s.fn_listed += len(fn & listed)
        if fp or (fn & listed):
            shown = ", ".join(f"{m.symbol}/{m.role}" for m in found) or "-"
            parts = []
            if fn & listed:
                parts.append("missed " + " ".join(sorted(fn & listed)))
            if fp:
                parts.append("wrong " + " ".join(sorted(fp)))
            s.misses.append(f"{'; '.join(parts):<28} | {headline}  [found: {shown}]")
    return s


def throughput(index: SymbolIndex, texts: list[str], repeat: int) -> float:
    best = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in texts:
            index.extract(t)
        best = max(best, len(texts) / (time.perf_counter() - t0))
    return best


def load_times(n: int = 5) -> tuple[float, float]:
    """(median, max) seconds of SymbolIndex.load() after imports, in this process."""
    times = []
    for _ in range(n):
        gc.collect()
        t0 = time.perf_counter()
        SymbolIndex.load()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


_PROBE = """
import gc, json, time
def rss():
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
t0 = time.perf_counter()
from engine.symbols import SymbolIndex
t1 = time.perf_counter()
gc.collect(); before = rss()
t2 = time.perf_counter()
index = SymbolIndex.load()
t3 = time.perf_counter()
index.extract('Morgan Stanley upgrades Nvidia')
gc.collect(); after = rss()
print(json.dumps({'import_s': t1 - t0, 'load_s': t3 - t2, 'rss_delta': after - before,
                  'rss_total': after}))
"""


def fresh_process_probe() -> dict[str, float] | None:
    """Cold load time and resident memory of the loaded matcher, in a new interpreter."""
    if not Path("/proc/self/status").exists():
        return None
    res = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if res.returncode != 0:
        print(res.stderr, file=sys.stderr)
        return None
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="*", type=Path, help="headline,tickers CSV files")
    parser.add_argument("--misses", type=int, default=40, help="misses to list per file (-1: all)")
    parser.add_argument("--repeat", type=int, default=5, help="throughput runs (best is kept)")
    args = parser.parse_args(argv)

    paths: list[Path] = list(args.csv)
    if not paths:
        if SILVER.exists():
            paths.append(SILVER)
        else:
            print(f"note: {SILVER} not found (../shared/data is absent): silver set skipped")
        paths.extend(WIRE_SETS)

    index = SymbolIndex.load()
    print(f"ticker list: {index.source}  ({len(index)} tickers)")
    all_texts: list[str] = []
    wire = Score("all hand-written wire-style sets")
    for path in paths:
        if not path.exists():
            print(f"\n{path}: not found, skipped")
            continue
        rows = read_csv(path)
        all_texts.extend(h for h, _ in rows)
        s = score(index, path.name, rows)
        if path in WIRE_SETS:
            for attr in ("headlines", "tp", "fp", "fn", "fn_listed", "unlisted"):
                setattr(wire, attr, getattr(wire, attr) + getattr(s, attr))
        print(f"\n== {path}")
        print(
            f"headlines {s.headlines}  labelled tickers {s.tp + s.fn} "
            f"({s.unlisted} not in the list)  TP {s.tp}  FP {s.fp}  FN {s.fn}"
        )
        print(
            f"precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}  "
            f"recall over listed tickers {s.recall_listed:.3f}"
        )
        limit = len(s.misses) if args.misses < 0 else args.misses
        if s.misses and limit:
            print(f"misses ({len(s.misses)} headlines; first {min(limit, len(s.misses))}):")
            for line in s.misses[:limit]:
                print("  " + line)

    if wire.headlines:
        print(
            f"\n== {wire.name}: headlines {wire.headlines}  TP {wire.tp}  FP {wire.fp}  "
            f"FN {wire.fn}  precision {wire.precision:.3f}  recall {wire.recall:.3f}"
        )
    if all_texts:
        rate = throughput(index, all_texts, args.repeat)
        print(
            f"\nthroughput: {rate:,.0f} headlines/s ({len(all_texts)} headlines, best of "
            f"{args.repeat})"
        )
    median, worst = load_times()
    print(f"load (warm, in process): median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms")
    probe = fresh_process_probe()
    if probe:
        print(
            f"fresh process: import {probe['import_s'] * 1000:.0f} ms, "
            f"load {probe['load_s'] * 1000:.0f} ms, "
            f"matcher RSS {probe['rss_delta'] / 2**20:.1f} MB "
            f"(process total {probe['rss_total'] / 2**20:.0f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
