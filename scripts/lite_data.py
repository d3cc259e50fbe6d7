"""The lite model's training examples: headlines alone and (headline, company) targets.

- TFNS (labelled financial tweets): every row as a headline-level example (text alone), and a
  row naming exactly one cashtag also as a target example for that ticker (its cashtag names
  the company the label is about).
- TFNS rows whose text names one listed company (found by the project's extractor): also a
  target example with the company marked where the text names it.
- SEntFiN: one target example per (headline, entity) with the entity's own label; only the
  "train" part of scripts/sentfin.py's split is trained on.
- Made-up mixed headlines: two one-company training headlines with different labels joined
  into one, each company keeping its label (from SEntFiN and from those TFNS rows).

Inputs are built by engine.sentiment.target.model_input, the function the runtime uses, so
training and inference read the same text.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from engine.models import SymbolMatch
from engine.sentiment.clean import clean_text
from engine.sentiment.target import Target, TargetStyle, model_input
from scripts.sentfin import Headline

LABELS = ("negative", "positive", "neutral")  # index = TFNS label value


def read_rows(path: Path, label: Callable[[str], int] = int) -> tuple[list[str], np.ndarray]:
    """A `text,label` csv: the texts and their label indices (`label` reads one cell; TFNS
    stores the index itself)."""
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["text"])
            labels.append(label(row["label"]))
    return texts, np.asarray(labels, dtype=np.int64)


def grouped_split(
    cleaned: list[str], y: np.ndarray, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified hold-out over distinct cleaned texts; copies of a text stay together."""
    from sklearn.model_selection import train_test_split

    groups: dict[str, list[int]] = {}
    for i, text in enumerate(cleaned):
        groups.setdefault(text.lower(), []).append(i)
    keys = list(groups)
    group_label = [Counter(y[groups[k]].tolist()).most_common(1)[0][0] for k in keys]
    train_keys, test_keys = train_test_split(
        keys, test_size=test_size, stratify=group_label, random_state=seed
    )
    train = np.asarray(sorted(i for k in train_keys for i in groups[k]))
    test = np.asarray(sorted(i for k in test_keys for i in groups[k]))
    return train, test

_CASHTAG = re.compile(r"\$([A-Za-z][A-Za-z.]{0,9})\b")


class Extractor(Protocol):
    def extract(self, text: str) -> list[SymbolMatch]: ...


@dataclass(frozen=True)
class Example:
    text: str  # first segment, cleaned
    pair: str  # second segment, "" for none
    label: int  # index into LABELS
    source: str  # "tfns", "tfns-target", "sentfin", "us", ... (see Counter in the card)
    mixed: bool = False  # a headline whose companies have different labels


def headline_examples(texts: Sequence[str], y: Sequence[int], rows: Iterable[int]) -> list[Example]:
    return [Example(clean_text(texts[i]), "", int(y[i]), "tfns") for i in rows]


def locate(text: str, mention: str) -> Target:
    """A Target for `mention` at its first case-insensitive place in `text` (or unplaced)."""
    start = text.lower().find(mention.lower())
    if start < 0:
        return Target(text, mention)
    return Target(text, mention, start, start + len(mention))


def tfns_target_examples(
    texts: Sequence[str], y: Sequence[int], rows: Iterable[int], style: TargetStyle
) -> list[Example]:
    """Rows naming exactly one distinct cashtag, as a target example for that ticker."""
    out: list[Example] = []
    for i in rows:
        tags = {m.upper() for m in _CASHTAG.findall(texts[i])}
        if len(tags) != 1:
            continue
        first = _CASHTAG.search(texts[i])
        assert first is not None
        target = Target(texts[i], first.group(0), first.start(), first.end())
        text, pair = model_input(target, style)
        out.append(Example(text, pair, int(y[i]), "tfns-target"))
    return out


def sentfin_examples(
    headlines: Iterable[Headline], style: TargetStyle, source: str = "sentfin"
) -> list[Example]:
    out: list[Example] = []
    for h in headlines:
        for entity, label in h.entities:
            text, pair = model_input(locate(h.title, entity), style)
            out.append(Example(text, pair, LABELS.index(label), source, h.mixed))
    return out


def tfns_company_headlines(
    texts: Sequence[str], y: Sequence[int], rows: Iterable[int], symbols: Extractor
) -> list[Headline]:
    """TFNS rows whose cleaned text names exactly one listed company (the project's own
    extractor, subjects only), as one-company headlines labelled with the row's label: US
    news in the form the bot reads it, with the company's place in the text known."""
    out: list[Headline] = []
    for i in rows:
        text = clean_text(texts[i])
        subjects = [m for m in symbols.extract(text) if m.role == "subject"]
        if len({m.symbol for m in subjects}) == 1:
            first = subjects[0]
            out.append(Headline(text, ((text[first.start : first.end], LABELS[int(y[i])]),)))
    return out


def us_headlines(path: Path) -> list[Headline]:
    """A US per-company set (benchmarks/target_sets.py reads and checks it): each company by
    the mention the headline names it with, and its label."""
    from benchmarks.target_sets import read_us

    return [
        Headline(case.text, tuple((c.mention, c.label) for c in case.companies))
        for case in read_us(path)
    ]


def encode(tokenizer: object, examples: Sequence[Example], max_length: int) -> list[list[int]]:
    """Token ids per example with a `tokenizers.Tokenizer` (pairs as two segments)."""
    tok = tokenizer.__class__.from_str(tokenizer.to_str())  # type: ignore[attr-defined]
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    inputs = [(e.text, e.pair) if e.pair else e.text for e in examples]
    return [enc.ids for enc in tok.encode_batch(inputs)]


JOINERS = ("; ", " as ", ", while ", " - ", ", but ")


def joined_examples(
    headlines: Sequence[Headline], style: TargetStyle, count: int, seed: int, source: str = "joined"
) -> list[Example]:
    """Made-up mixed headlines: two one-company training headlines with different labels
    joined into one ("A rises on X as B falls on Y"), each company keeping its own label.

    Real headlines whose companies differ are few (about 1,000 in SEntFiN's training part);
    these teach the model to read the words around the marked company, not the whole line.
    Only training headlines are joined, so validation and test stay untouched.
    """
    import random

    rng = random.Random(seed)
    single = [h for h in headlines if len(h.entities) == 1]
    out: list[Example] = []
    tries = 0
    while len(out) < 2 * count and tries < 20 * count:
        tries += 1
        a, b = rng.sample(single, 2)
        (ea, la), (eb, lb) = a.entities[0], b.entities[0]
        if la == lb or ea.lower() in b.title.lower() or eb.lower() in a.title.lower():
            continue
        first, second = (a, b) if rng.random() < 0.5 else (b, a)
        title = first.title.rstrip(" .") + rng.choice(JOINERS) + second.title
        for entity, label in (first.entities[0], second.entities[0]):
            text, pair = model_input(locate(title, entity), style)
            out.append(Example(text, pair, LABELS.index(label), source, True))
    return out
