"""Analyst actions on a company in a headline ("Goldman downgrades Nvidia", "... names Chipotle
a favorite stock"). STUB on branch pertarget: the real rules come from branch `analyst`; until
they land nothing is an analyst action, so rule b of engine.sentiment.companies never decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from engine.models import SymbolMatch


@dataclass(frozen=True)
class AnalystCall:
    """What an analyst did to a company: e.g. direction "negative", action "downgrade"."""

    direction: Literal["positive", "negative", "neutral"]
    action: str
    analyst: str


def analyst_call(
    title: str, subject_match: SymbolMatch, all_matches: Sequence[SymbolMatch]
) -> AnalystCall | None:
    """The analyst action `title` reports on `subject_match`'s company, or None (stub: None)."""
    return None
