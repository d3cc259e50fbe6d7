"""The sets of benchmarks/targets.py: companies labelled per headline, each located in its text.

- US_VAL, benchmarks/data/target_headlines.csv: the validation set (used for choices while
  training, see its .md);
- US_TEST, benchmarks/data/target_headlines_test.csv: the test set (never used for a choice,
  see its .md);
- US_TEST2, benchmarks/data/target_headlines_test2.csv: a second test set, written after the
  first had been scored for several models (never used for a choice, see its .md);
- US_TEST3, benchmarks/data/target_headlines_test3.csv: a third test set, written while a
  model trained on the first test set was being made (never used for a choice, see its .md);
- the SEntFiN test slice (scripts/sentfin.py: `split_of(title) == "test"`, never trained on);
- STOCKNET_LABELS, benchmarks/data/target_tweets_stocknet.csv: real tweets (stocknet, 2014-2016,
  never trained on or used for a choice) naming 2+ companies, labelled by hand from their text
  alone before any model was run on them; the file holds each tweet's id and its labels, the
  text is read from ../shared/data (`read_stocknet`), never copied into the project.

The US sets share one format, `headline,targets` (targets: a JSON list of {"symbol", "mention",
"label"}); `read_us` refuses a malformed row with a ValueError naming its line.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.models import LABELS  # noqa: E402
from engine.sentiment.clean import clean_text  # noqa: E402
from scripts.sentfin import read_sentfin, split_of  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
US_VAL = DATA / "target_headlines.csv"
US_TEST = DATA / "target_headlines_test.csv"
US_TEST2 = DATA / "target_headlines_test2.csv"
US_TEST3 = DATA / "target_headlines_test3.csv"
STOCKNET_LABELS = DATA / "target_tweets_stocknet.csv"
STOCKNET_TWEETS = ROOT.parent / "shared" / "data" / "backtest" / "stocknet" / "tweets.csv"


@dataclass(frozen=True)
class Company:
    """One labelled company in a headline: `key` is its symbol (US sets) or name (SEntFiN)."""

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
    """The `targets` cell of a US set; ValueError (naming `where`) when malformed."""
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


def read_us(path: Path = US_VAL) -> list[Case]:
    """A US set (the validation set by default); ValueError naming the line for a malformed
    row."""
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


def read_stocknet(labels: Path = STOCKNET_LABELS, tweets: Path = STOCKNET_TWEETS) -> list[Case]:
    """The hand-labelled stocknet tweets: `labels` (`id,targets`, targets as in the US sets)
    joined to their cleaned text in stocknet's `tweets.csv`; ValueError naming the line for a
    malformed row or an id not in `tweets`."""
    with labels.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    wanted = {row["id"] for row in rows}
    with tweets.open(encoding="utf-8", newline="") as fh:
        texts = {r["id"]: clean_text(r["text"]) for r in csv.DictReader(fh) if r["id"] in wanted}
    cases = []
    for line, row in enumerate(rows, start=2):
        where = f"{labels.name}:{line}"
        if row["id"] not in texts:
            raise ValueError(f"{where}: tweet {row['id']} is not in {tweets}")
        cases.append(Case(texts[row["id"]], parse_targets(texts[row["id"]], row["targets"], where)))
    return cases
