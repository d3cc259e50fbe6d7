"""SEntFiN 1.0 (entity-level sentiment of headlines): reading it and its fixed split.

    from scripts.sentfin import read_sentfin, split_of

`read_sentfin(path)` gives one `Headline` per row with its entities' labels, in file order.
The `Decisions` column looks like a Python dict but 13 names hold an apostrophe, so it is read
with a regex (see ../shared/data/sentiment/sentfin/SOURCE.md).

`split_of(title)` puts every headline in "train", "val" (choices: the input style, the epoch,
the logit offsets) or "test" (never trained on, never used for a choice: reported only), by a
hash of its lower-cased title, so copies of a headline always fall on the same side and the
split does not depend on file order.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SENTFIN = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sentiment" / "sentfin"
    / "SEntFiN.csv"
)
_ENTRY = re.compile(r"""(['"])(.+?)\1\s*:\s*'(positive|negative|neutral)'""")
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Headline:
    title: str
    entities: tuple[tuple[str, str], ...]  # (entity as written, "positive"|"negative"|"neutral")

    @property
    def mixed(self) -> bool:
        """Two or more entities with different labels."""
        return len({label for _, label in self.entities}) > 1


def split_of(title: str) -> str:
    """ "test" for 1 headline in 10, "val" for 1 in 10, else "train" (by title hash)."""
    bucket = int(hashlib.sha1(" ".join(title.lower().split()).encode()).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def read_sentfin(path: Path = DEFAULT_SENTFIN) -> list[Headline]:
    out: list[Headline] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            entities = tuple((m.group(2), m.group(3)) for m in _ENTRY.finditer(row["Decisions"]))
            if entities:
                out.append(Headline(row["Title"].strip(), entities))
    return out
