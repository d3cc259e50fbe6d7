"""Per-company sentiment: does each company in a headline get its own direction?

    .venv/bin/python benchmarks/targets.py [--lite DIR] [--sentfin CSV] [--json]
        [--errors] [--errors-test]

Two ways of labelling every company a headline names are scored, company by company:

- headline copy (the baseline): the lite backend's `classify` scores the headline once and its
  label is copied to every company in it;
- target-aware: `LiteBackend.classify_targets` scores each (headline, company) pair
  (engine/sentiment/target.py); only for a model whose card says it was trained on targets
  (`supports_targets`, format v3 or v4); otherwise the script says the model is not target-aware.
On the US sets a third path, the bot's own rules (the real extractor, the analyst rule, the
target model on 2+ companies), is scored too.

Sets (benchmarks/target_sets.py reads them):

- US validation, benchmarks/data/target_headlines.csv, and US test,
  benchmarks/data/target_headlines_test.csv (hand-written US headlines, see their .md): the
  validation set is the one used for choices while training; the test set is never used for
  any choice; US test 2 and US test 3, benchmarks/data/target_headlines_test2.csv and
  _test3.csv, each written after the sets before it had been scored for several models, neither
  (each scored when its file is there). A set named in the model card's training files (a spent
  test set joined to the target path's training, `train_lite.py --target-train`) is starred in
  the table and listed under `trained_on`: its figures are not a test any more. On each, the
  headline metric is on the "mixed" headlines, whose companies do not all have the same label;
  the controls (one company, or all in one direction) are reported separately. Each
  company's mention is located in the headline (first whole-word occurrence) for the
  Target's start/end.
- the SEntFiN test slice (scripts/sentfin.py: `split_of(title) == "test"`, never trained on):
  its mixed headlines, and all its entities. Skipped, with a note, when the data is absent.
- stocknet tweets: 80 real tweets (stocknet, 2014-2016) naming two or more companies, labelled
  by hand from their text alone before any model was run on them
  (benchmarks/data/target_tweets_stocknet.csv holds ids and labels; the text is read from
  `--stocknet`, stocknet's tweets.csv under ../shared/data). Skipped, with a note, when absent.

Per set: accuracy over companies, and how many headlines have every company right (the
headline copy can never get a mixed headline fully right; its ceiling, each headline's most
common label given to all its companies, is shown beside it). `--errors` lists the validation
set's errors (headline, company, expected, got) of the target-aware path (of the baseline when
the model is not target-aware); `--errors-test` lists the test set's, for once a model is final
(reading them to decide a change would make the test set a second validation set). `--json`
prints everything as one JSON object instead of tables: `sets` maps each source (`us_val`,
`us_test`, `us_test2`, `us_test3`, `stocknet`, `sentfin`) to its parts (`mixed`, `controls` or
`all`), `trained_on` lists the sets the model was trained on, and `errors` maps a source to
its error list.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.target_sets import (  # noqa: E402
    STOCKNET_LABELS,
    STOCKNET_TWEETS,
    US_TEST,
    US_TEST2,
    US_TEST3,
    US_VAL,
    Case,
    read_sentfin_test,
    read_stocknet,
    read_us,
)
from engine.errors import BackendUnavailable  # noqa: E402
from engine.sentiment.lite import LiteBackend  # noqa: E402
from engine.sentiment.target import Target  # noqa: E402
from scripts.sentfin import DEFAULT_SENTFIN  # noqa: E402

ORDER = ("positive", "negative", "neutral")


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


Keep = Callable[[Case], bool]
SOURCES = {
    "us_val": "US validation",
    "us_test": "US test",
    "us_test2": "US test 2",
    "us_test3": "US test 3",
    "stocknet": "stocknet tweets",
    "sentfin": "SEntFiN test",
}
US_PARTS: dict[str, tuple[str, Keep]] = {  # part -> (its name in the table, which headlines)
    "mixed": ("mixed", lambda c: c.mixed),
    "controls": ("controls", lambda c: not c.mixed),
}
SENTFIN_PARTS: dict[str, tuple[str, Keep]] = {
    "mixed": ("mixed", lambda c: c.mixed),
    "all": ("all entities", lambda c: True),
}


def parts_of(source: str) -> dict[str, tuple[str, Keep]]:
    return SENTFIN_PARTS if source == "sentfin" else US_PARTS


async def evaluate(
    backend: Any, sources: dict[str, list[Case]], *, errors_for: Sequence[str] = ()
) -> dict[str, Any]:
    """Score `backend` (loaded) on `sources` ("us_val", "us_test", "sentfin", each when given);
    the errors of the sources named in `errors_for` are listed."""
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
        if path != "engine" or src != "sentfin"  # SEntFiN's companies are not in the US list
    }
    sets: dict[str, Any] = {}
    for src, cases in sources.items():
        sets[src] = {}
        for part, (_, keep) in parts_of(src).items():
            result: dict[str, Any] = {
                path: tally(cases, predicted[src, path], keep).as_dict()
                for path in paths
                if (src, path) in predicted
            }
            result["copy_ceiling"] = copy_ceiling(cases, keep)
            sets[src][part] = result
    report: dict[str, Any] = {"target_aware": aware, "sets": sets}
    if errors_for:
        path = "target" if aware else "baseline"
        report["errors_of"] = path
        report["errors"] = {
            src: errors(sources[src], predicted[src, path]) for src in errors_for if src in sources
        }
    return report


def cell(result: dict[str, Any] | None) -> str:
    if result is None:
        return "-"
    return f"{result['accuracy']:.3f} ({result['headlines_all_right']} all right)"


def rows(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, result) for each part of each source, in order: "US test, mixed", ...; a set
    the model's target path was trained on says so ("US test*, mixed")."""
    trained = set(report.get("trained_on", ()))
    return [
        (f"{SOURCES[src]}{'*' if src in trained else ''}, {parts_of(src)[part][0]}", result)
        for src, parts in report["sets"].items()
        for part, result in parts.items()
    ]


def print_errors(report: dict[str, Any]) -> None:
    for src, found in report.get("errors", {}).items():
        print(
            f"\n{SOURCES[src]} errors of the {report['errors_of']} path ({len(found)}): "
            "expected -> got | company | headline"
        )
        for e in found:
            print(f"{e['expected']:>8} -> {e['got']:<8} | {e['company']:<6} | {e['headline']}")


def print_report(report: dict[str, Any]) -> None:
    print(f"Per-company sentiment, lite model {report['model']} (card version {report['version']})")
    if not report["target_aware"]:
        print(
            "The model is not target-aware (no target training on its card): only the "
            "headline-copy baseline is scored."
        )
    if report.get("sentfin_skipped"):
        print(f"SEntFiN part skipped: {report['sentfin_skipped']}")
    if report.get("stocknet_skipped"):
        print(f"stocknet tweets skipped: {report['stocknet_skipped']}")
    print(
        f"\n{'set':<27} {'headlines':>9} {'companies':>9}  {'copy ceiling':>12}  "
        f"{'headline copy':<22} {'target-aware':<22} the bot's rules"
    )
    for name, result in rows(report):
        base = result["baseline"]
        print(
            f"{name:<27} {base['headlines']:>9} {base['companies']:>9}  "
            f"{result['copy_ceiling']:>12.3f}  {cell(base):<22} {cell(result.get('target')):<22} "
            f"{cell(result.get('engine'))}"
        )
    print(
        "(accuracy over companies; copy ceiling: the best any one label per headline can do;\n"
        " the bot's rules: the real extractor, the analyst rule and the model on 2+ companies,\n"
        " US sets only; a company the extractor misses counts as wrong; the validation set is\n"
        " used for choices while training, the test sets never)"
    )
    if report.get("trained_on"):
        print("* trained on: the model's target path learnt from this set (`--target-train`),"
              " so its figures are not a test")
    for name, result in rows(report):
        if "target" in result:
            print(f"\nConfusion of the target-aware path, {name} (rows: expected, columns: got)")
            print(f"{'':<10}" + "".join(f"{p:>10}" for p in ORDER))
            for gold, row in result["target"]["confusion"].items():
                print(f"{gold:<10}" + "".join(f"{row[p]:>10}" for p in ORDER))
        if "engine" in result:
            missed = sum(row["missed"] for row in result["engine"]["confusion"].values())
            print(f"  the bot's rules, {name}: {missed} labelled companies not found")
    print_errors(report)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lite", type=Path, help="a lite model folder (default: the shipped one)")
    parser.add_argument("--sentfin", type=Path, default=DEFAULT_SENTFIN, help="SEntFiN.csv")
    parser.add_argument("--us", type=Path, default=US_VAL, help=argparse.SUPPRESS)
    parser.add_argument("--us-test", type=Path, default=US_TEST, help=argparse.SUPPRESS)
    parser.add_argument("--us-test2", type=Path, default=US_TEST2, help=argparse.SUPPRESS)
    parser.add_argument("--us-test3", type=Path, default=US_TEST3, help=argparse.SUPPRESS)
    parser.add_argument("--stocknet", type=Path, default=STOCKNET_TWEETS,
                        help="stocknet's tweets.csv (for the hand-labelled real tweets)")
    parser.add_argument("--stocknet-labels", type=Path, default=STOCKNET_LABELS,
                        help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--errors", action="store_true", help="list the validation set's errors")
    parser.add_argument(
        "--errors-test",
        action="store_true",
        help="list the test set's errors (only once a model is final)",
    )
    args = parser.parse_args(argv)
    backend = LiteBackend(args.lite.expanduser() if args.lite else None)
    try:
        paths = {"us_val": args.us, "us_test": args.us_test}
        # written later than the others; absent in older clones
        paths |= {s: p for s, p in (("us_test2", args.us_test2), ("us_test3", args.us_test3))
                  if p.is_file()}
        sources = {src: read_us(path) for src, path in paths.items()}
        if args.stocknet.is_file():
            sources["stocknet"] = read_stocknet(args.stocknet_labels, args.stocknet)
        backend.load()
    except (OSError, ValueError, BackendUnavailable) as err:
        print(f"targets: {err}", file=sys.stderr)
        return 2
    skipped = ""
    if args.sentfin.is_file():
        sources["sentfin"] = read_sentfin_test(args.sentfin)
    else:
        skipped = f"{args.sentfin} not found (../shared/data is absent)"
    stocknet_skipped = "" if "stocknet" in sources else f"{args.stocknet} not found"
    errors_for = [src for src, on in (("us_val", args.errors), ("us_test", args.errors_test)) if on]
    report = asyncio.run(evaluate(backend, sources, errors_for=errors_for))
    trained = set(backend.card.get("training", {}).get("files", {}))  # --target-train's sets
    report = {
        "model": backend.model_id,
        "version": backend.card.get("version"),
        "trained_on": [src for src, path in paths.items() if path.name in trained],
        "sentfin_skipped": skipped,
        "stocknet_skipped": stocknet_skipped,
        **report,
    }
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
