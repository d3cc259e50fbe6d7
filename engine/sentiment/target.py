"""Target-aware sentiment: how "this headline, about this company" is shown to a model.

A headline such as "Nvidia jumps as AMD slumps" has one direction per company. The lite
model (format v3 and later) is trained on (headline, company) inputs and answers for that company.
Its model card names the input style it was trained with, and the same function builds the
inputs at training and at inference time:

- ``pair``: the cleaned headline as the first segment and the company's mention as the second
  (``[CLS] nvidia jumps as amd slumps [SEP] amd [SEP]``);
- ``marked``: the mention wrapped in markers inside the headline
  (``nvidia jumps as << amd >> slumps``), falling back to ``pair`` when the mention's place in
  the text is not known (a company named only by a feed's tag).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from engine.models import Sentiment
from engine.sentiment.clean import clean_text

TargetStyle = Literal["pair", "marked"]
TARGET_STYLES: tuple[TargetStyle, ...] = ("pair", "marked")
OPEN_MARK, CLOSE_MARK = "<<", ">>"
MAX_MENTION_CHARS = 80  # a company's name; anything longer is cut


@dataclass(frozen=True)
class Target:
    """One company in one headline: what a target-aware model is asked about.

    `mention` is the text that named the company ("Nvidia", "$NVDA", "Alphabet's"); `start`
    and `end` locate it in `text`, or are -1 when it is not in the text (a feed's tag).
    """

    text: str
    mention: str
    start: int = -1
    end: int = -1

    @property
    def located(self) -> bool:
        return 0 <= self.start < self.end <= len(self.text)


class TargetScorer(Protocol):
    """A model that gives each (headline, company) its own class probabilities."""

    name: str
    model_id: str

    async def classify_targets(self, targets: Sequence[Target]) -> list[Sentiment]:
        """Class probabilities for each target, in input order. Runs model work off the loop."""
        ...


def clean_mention(mention: str) -> str:
    """ "$NVDA" -> "NVDA"; spaces folded; never longer than MAX_MENTION_CHARS."""
    words = " ".join(mention.replace("$", " ").split())
    return words[:MAX_MENTION_CHARS].strip()


def model_input(target: Target, style: TargetStyle) -> tuple[str, str]:
    """The (first segment, second segment) the model reads for `target`; the second segment
    is "" when the style puts the company inside the text."""
    mention = clean_mention(target.mention) or clean_mention(target.text[:MAX_MENTION_CHARS])
    if style == "marked" and target.located and clean_mention(target.text[target.start:target.end]):
        marked = (
            f"{target.text[: target.start]} {OPEN_MARK} "
            f"{clean_mention(target.text[target.start : target.end])} {CLOSE_MARK} "
            f"{target.text[target.end :]}"
        )
        return clean_text(marked), ""
    return clean_text(target.text), mention
