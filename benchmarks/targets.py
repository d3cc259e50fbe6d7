"""Per-company sentiment: does each company in a headline get its own direction?

    .venv/bin/python benchmarks/targets.py [--lite DIR] [--sentfin CSV] [--json] [--errors]

Two ways of labelling every company a headline names are scored, company by company:

- headline copy (the baseline): the lite backend's `classify` scores the headline once and its
  label is copied to every company in it;
- target-aware: `LiteBackend.classify_targets` scores each (headline, company) pair
  (engine/sentiment/target.py); only for a model whose card says it was trained on targets
  (`supports_targets`, format v3); otherwise the script says the model is not target-aware.

Sets:

- benchmarks/data/target_headlines.csv (hand-written US headlines, see its .md): the headline
  metric is on the "mixed" headlines, whose companies do not all have the same label; the
  controls (one company, or all in one direction) are reported separately. Each company's
  mention is located in the headline (first whole-word occurrence) for the Target's start/end.
- the SEntFiN test slice (scripts/sentfin.py: `split_of(title) == "test"`, never trained on):
  its mixed headlines, and all its entities. Skipped, with a note, when the data is absent.

Per set: accuracy over companies, and how many headlines have every company right (the
headline copy can never get a mixed headline fully right; its ceiling, each headline's most
common label given to all its companies, is shown beside it). `--errors` lists the US-set errors
(headline, company, expected, got) of the target-aware path (of the baseline when the model is
not target-aware); `--json` prints everything as one JSON object instead of tables.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.errors import BackendUnavailable  # noqa: E402
from engine.models import LABELS  # noqa: E402
from engine.sentiment.lite import LiteBackend  # noqa: E402
from engine.sentiment.target import Target  # noqa: E402
from scripts.sentfin import DEFAULT_SENTFIN, read_sentfin, split_of  # noqa: E402

US_SET = ROOT / "benchmarks" / "data" / "target_headlines.csv"
ORDER = ("positive", "negative", "neutral")


@dataclass(frozen=True)
class Company:
    """One labelled company in a headline: `key` is its symbol (US set) or name (SEntFiN)."""

    key: str
    mention: str
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Case:
    text: str
    companies: tuple[Company, ...]

    @property
    def mixed(self) -> bool:
        return len({c.label for c in self.companies}) > 1


def locate(text: str, mention: str) -> tuple[int, int]:
    """The first whole-word occurrence of `mention` in `text` (any case as a fallback), or
    (-1, -1)."""
    pattern = r"(?<!\w)" + re.escape(mention) + r"(?!\w)"
    found = re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)
    return (found.start(), found.end()) if found else (-1, -1)


def parse_targets(headline: str, raw: str, where: str) -> tuple[Company, ...]:
    """The `targets` cell of the US set; ValueError (naming `where`) when malformed."""
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: targets is not JSON ({err})") from None
    if not isinstance(items, list) or not items:
        raise ValueError(f"{where}: targets must be a non-empty JSON list")
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"symbol", "mention", "label"}:
            raise ValueError(f"{where}: each target needs exactly symbol, mention, label")
        symbol, mention, label = item["symbol"], item["mention"], item["label"]
        if label not in LABELS:
            raise ValueError(f"{where}: label {label!r} is not positive/negative/neutral")
        if not isinstance(symbol, str) or not symbol or symbol != symbol.upper():
            raise ValueError(f"{where}: symbol {symbol!r} must be an upper-case ticker")
        start, end = locate(headline, mention) if isinstance(mention, str) else (-1, -1)
        if start < 0 or headline[start:end] != mention:
            raise ValueError(f"{where}: mention {mention!r} is not a word of the headline")
        out.append(Company(symbol, mention, start, end, label))
    if len({c.key for c in out}) != len(out):
        raise ValueError(f"{where}: a symbol is listed twice")
    return tuple(out)


def read_us(path: Path = US_SET) -> list[Case]:
    """The US set; ValueError naming the line for a malformed row."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ["headline", "targets"]:
            raise ValueError(f"{path}: the header must be headline,targets")
        cases = []
        for row in reader:
            where = f"{path.name}:{reader.line_num}"
            headline = (row["headline"] or "").strip()
            if not headline or row["headline"] != headline:
                raise ValueError(f"{where}: empty headline or stray spaces around it")
            cases.append(Case(headline, parse_targets(headline, row["targets"] or "", where)))
    return cases


def read_sentfin_test(path: Path) -> list[Case]:
    """The SEntFiN test slice, each entity located in its title."""
    cases = []
    for h in read_sentfin(path):
        if split_of(h.title) == "test":
            companies = tuple(Company(e, e, *locate(h.title, e), label) for e, label in h.entities)
            cases.append(Case(h.title, companies))
    return cases


@dataclass
class Tally:
    """Company-level accuracy, fully-right headlines and the confusion (gold, predicted)."""

    headlines: int = 0
    headlines_right: int = 0
    companies: int = 0
    right: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, case: Case, predicted: Sequence[str]) -> None:
        hits = [c.label == p for c, p in zip(case.companies, predicted, strict=True)]
        self.headlines += 1
        self.headlines_right += all(hits)
        self.companies += len(hits)
        self.right += sum(hits)
        self.confusion.update((c.label, p) for c, p in zip(case.companies, predicted, strict=True))

    @property
    def accuracy(self) -> float:
        return self.right / self.companies if self.companies else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "headlines": self.headlines,
            "companies": self.companies,
            "accuracy": round(self.accuracy, 4),
            "right": self.right,
            "headlines_all_right": self.headlines_right,
            "confusion": {g: {p: self.confusion[g, p] for p in (*ORDER, "missed")} for g in ORDER},
        }


async def headline_copy(backend: Any, cases: Sequence[Case]) -> list[list[str]]:
    """The baseline: the headline's label for every company in it."""
    scores = await backend.classify([c.text for c in cases])
    return [[s.label] * len(c.companies) for c, s in zip(cases, scores, strict=True)]


async def engine_rules(backend: Any, cases: Sequence[Case]) -> list[list[str]]:
    """What the bot itself gives each labelled company: the real extractor finds the
    companies, then engine.sentiment.companies decides (analyst rule, target model on
    multi-company headlines, else the headline). A company the extractor misses is "missed"."""
    from engine.sentiment.companies import CompanyScorer, headline_subjects
    from engine.symbols import SymbolIndex

    symbols = SymbolIndex.load()
    subjects = [headline_subjects(symbols, c.text) for c in cases]
    scored = await CompanyScorer(backend, backend).score(
        [(c.text, s) for c, s in zip(cases, subjects, strict=True)]
    )
    return [
        [by_symbol[t.key].sentiment.label if t.key in by_symbol else "missed" for t in c.companies]
        for c, (_, by_symbol) in zip(cases, scored, strict=True)
    ]


async def target_aware(backend: Any, cases: Sequence[Case]) -> list[list[str]]:
    """One label per (headline, company), from `classify_targets`."""
    targets = [Target(c.text, t.mention, t.start, t.end) for c in cases for t in c.companies]
    labels = iter([s.label for s in await backend.classify_targets(targets)])
    return [[next(labels) for _ in c.companies] for c in cases]


def tally(cases: Sequence[Case], predictions: Sequence[Sequence[str]], keep: Any) -> Tally:
    out = Tally()
    for case, predicted in zip(cases, predictions, strict=True):
        if keep(case):
            out.add(case, predicted)
    return out


def copy_ceiling(cases: Sequence[Case], keep: Any) -> float:
    """The best any headline copy can do: each headline's most common label for all of it."""
    kept = [c for c in cases if keep(c)]
    best = sum(Counter(t.label for t in c.companies).most_common(1)[0][1] for c in kept)
    total = sum(len(c.companies) for c in kept)
    return round(best / total, 4) if total else 0.0


def errors(cases: Sequence[Case], predictions: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    return [
        {"headline": case.text, "company": c.key, "expected": c.label, "got": p}
        for case, predicted in zip(cases, predictions, strict=True)
        for c, p in zip(case.companies, predicted, strict=True)
        if c.label != p
    ]


SETS = {  # name -> (source, which headlines)
    "US mixed": ("us", lambda c: c.mixed),
    "US controls": ("us", lambda c: not c.mixed),
    "SEntFiN test, mixed": ("sentfin", lambda c: c.mixed),
    "SEntFiN test, all entities": ("sentfin", lambda c: True),
}


async def evaluate(
    backend: Any, sources: dict[str, list[Case]], *, with_errors: bool = False
) -> dict[str, Any]:
    """Score `backend` (loaded) on `sources` ("us", and "sentfin" unless skipped)."""
    aware = bool(getattr(backend, "supports_targets", False))
    paths = (
        {"baseline": headline_copy, "target": target_aware, "engine": engine_rules}
        if aware
        else {"baseline": headline_copy}
    )
    predicted = {
        (src, path): await run(backend, cases)
        for src, cases in sources.items()
        for path, run in paths.items()
        if path != "engine" or src == "us"  # SEntFiN's companies are not in the US list
    }
    sets: dict[str, Any] = {}
    for name, (src, keep) in SETS.items():
        if src in sources:
            sets[name] = {
                path: tally(sources[src], predicted[src, path], keep).as_dict()
                for path in paths
                if (src, path) in predicted
            }
            sets[name]["copy_ceiling"] = copy_ceiling(sources[src], keep)
    report: dict[str, Any] = {"target_aware": aware, "sets": sets}
    if with_errors:
        path = "target" if aware else "baseline"
        report["errors_of"] = path
        report["errors"] = errors(sources["us"], predicted["us", path])
    return report


def cell(result: dict[str, Any] | None) -> str:
    if result is None:
        return "-"
    return f"{result['accuracy']:.3f} ({result['headlines_all_right']} all right)"


def print_report(report: dict[str, Any]) -> None:
    print(f"Per-company sentiment, lite model {report['model']} (card version {report['version']})")
    if not report["target_aware"]:
        print(
            "The model is not target-aware (no target training on its card): only the "
            "headline-copy baseline is scored."
        )
    if report.get("sentfin_skipped"):
        print(f"SEntFiN part skipped: {report['sentfin_skipped']}")
    print(
        f"\n{'set':<27} {'headlines':>9} {'companies':>9}  {'copy ceiling':>12}  "
        f"{'headline copy':<22} {'target-aware':<22} the bot's rules"
    )
    for name, result in report["sets"].items():
        base = result["baseline"]
        print(
            f"{name:<27} {base['headlines']:>9} {base['companies']:>9}  "
            f"{result['copy_ceiling']:>12.3f}  {cell(base):<22} {cell(result.get('target')):<22} "
            f"{cell(result.get('engine'))}"
        )
    print(
        "(accuracy over companies; copy ceiling: the best any one label per headline can do;\n"
        " the bot's rules: the real extractor, the analyst rule and the model on 2+ companies,\n"
        " US set only; a company the extractor misses counts as wrong)"
    )
    for name, result in report["sets"].items():
        if "target" in result:
            print(f"\nConfusion of the target-aware path, {name} (rows: expected, columns: got)")
            print(f"{'':<10}" + "".join(f"{p:>10}" for p in ORDER))
            for gold, row in result["target"]["confusion"].items():
                print(f"{gold:<10}" + "".join(f"{row[p]:>10}" for p in ORDER))
        if "engine" in result:
            missed = sum(row["missed"] for row in result["engine"]["confusion"].values())
            print(f"  the bot's rules, {name}: {missed} labelled companies not found")
    if "errors" in report:
        print(
            f"\nUS-set errors of the {report['errors_of']} path ({len(report['errors'])}): "
            "expected -> got | company | headline"
        )
        for e in report["errors"]:
            print(f"{e['expected']:>8} -> {e['got']:<8} | {e['company']:<6} | {e['headline']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lite", type=Path, help="a lite model folder (default: the shipped one)")
    parser.add_argument("--sentfin", type=Path, default=DEFAULT_SENTFIN, help="SEntFiN.csv")
    parser.add_argument("--us", type=Path, default=US_SET, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--errors", action="store_true", help="list the US-set errors")
    args = parser.parse_args(argv)
    backend = LiteBackend(args.lite.expanduser() if args.lite else None)
    try:
        sources = {"us": read_us(args.us)}
        backend.load()
    except (OSError, ValueError, BackendUnavailable) as err:
        print(f"targets: {err}", file=sys.stderr)
        return 2
    skipped = ""
    if args.sentfin.is_file():
        sources["sentfin"] = read_sentfin_test(args.sentfin)
    else:
        skipped = f"{args.sentfin} not found (../shared/data is absent)"
    report = asyncio.run(evaluate(backend, sources, with_errors=args.errors))
    report = {
        "model": backend.model_id,
        "version": backend.card.get("version"),
        "sentfin_skipped": skipped,
        **report,
    }
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
