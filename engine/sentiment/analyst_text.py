"""A headline read for analyst actions (engine/sentiment/analyst.py): its tokens, where each
company found by the extractor stands in them, and where its clauses break.

Tokens come from the extractor's own `Doc`, so positions agree with `SymbolMatch.start/end`.
Every company's tokens are "owned" and never read as words: "Target" the retailer is not a price
target, "Best Buy" is not a rating. Reading is linear: one pass builds the tables, and every
look-up afterwards reads a bounded number of tokens around a position.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from engine.models import SymbolMatch
from engine.sentiment.analyst_words import (
    FAVORITE_OF,
    LIST_WORDS,
    NEGATIVE_LISTS,
    PICK_BEFORE,
    TARGETS,
)
from engine.symbols import words as W
from engine.symbols.doc import Doc

# What separates a token from the one before it.
NONE, COMMA, COLON, HARD = 0, 1, 2, 3
_HARD_CHARS = frozenset(";|!?\n\r\t—–")
_MAX_REPEATS = 20  # further mentions of one company looked for (the same name written again)
_MAX_NAME = 4  # tokens in an analyst's name read from the text ("Loop Capital", "S&P")

# Words that end an analyst's name read from capitalised words ("At Jefferies On Demand").
_NAME_STOPS = (
    frozenset(
        """
    a after ahead amid an analyst analysts and as at by citing for from how in into is it its
    of on over per report says the to upgrade downgrade via what why with
    """.split()
    )
    | W.CLAUSE_WORDS
)
Direction = Literal["positive", "negative", "neutral"]
RANKS = {"strong sell": 0, "strong buy": 4}  # other ratings rank by their class


@dataclass(frozen=True, slots=True)
class Occ:
    """One mention of a company: tokens a..b (b excluded); `text` as written."""

    symbol: str
    role: str
    a: int
    b: int
    text: str


@dataclass(frozen=True, slots=True)
class Rating:
    text: str  # "outperform", "equal weight"
    rank: int  # 0 strong sell .. 4 strong buy
    end: int  # the token after it

    @property
    def direction(self) -> Direction:
        return "positive" if self.rank >= 3 else "negative" if self.rank <= 1 else "neutral"


class Head:
    """One headline: tokens, gaps between them, sentence segments, company mentions."""

    def __init__(self, title: str, matches: Sequence[SymbolMatch]) -> None:
        doc = Doc(title)
        self.doc, self.text, self.toks, self.low = doc, title, doc.toks, doc.low
        self.n = n = len(doc.toks)
        self.gap = [HARD] + [self._gap(k) for k in range(1, n)]
        self.seg: list[int] = []  # sentence number of each token
        self.seg_start: list[int] = []  # first token of each sentence
        for k in range(n):
            if self.gap[k] == HARD:
                self.seg_start.append(k)
            self.seg.append(len(self.seg_start) - 1)
        self.owner: list[Occ | None] = [None] * n
        self.occs: list[Occ] = []
        self.unlocated: list[str] = []
        self._place(matches)

    # -- building -------------------------------------------------------------------------

    def _gap(self, k: int) -> int:
        """Kind of break between token k-1 and token k: HARD ends a sentence (";", "|", " - ",
        ". "), COLON and COMMA end a clause; a hyphen, quote or bracket (NONE) ends nothing."""
        gap = self.text[self.doc.spans[k - 1][1] : self.doc.spans[k][0]]
        if not gap or gap == " ":
            return NONE
        if any(c in _HARD_CHARS for c in gap):
            return HARD
        spaced = gap[0].isspace() and gap[-1].isspace()
        if spaced and "-" in gap and set(gap.strip()) <= {"-"}:
            return HARD  # "Apple upgraded - Jefferies"; not "equal-weight", "Apple -5%"
        if ":" in gap:
            return COLON
        if gap[-1].isspace() and "." in gap and self._full_stop(k):
            return HARD
        if gap[-1].isspace() and "," in gap:
            return COMMA  # "Ford, GM"; not "$1,000"
        return NONE

    def _full_stop(self, k: int) -> bool:
        """A "." before token k ends a sentence, unless it closes an initial or an abbreviation
        ("J.P. Morgan", "U.S. Steel", "Inc.")."""
        prev = self.low[k - 1]
        return len(prev) > 2 and prev not in W.LEGAL_SUFFIXES

    def _place(self, matches: Sequence[SymbolMatch]) -> None:
        starts = [s for s, _ in self.doc.spans]
        for m in matches:
            if not isinstance(m, SymbolMatch):
                continue
            if not (0 <= m.start < m.end <= len(self.text)):
                if m.role == "subject":
                    self.unlocated.append(m.symbol)
                continue
            a, b = bisect.bisect_left(starts, m.start), bisect.bisect_left(starts, m.end)
            if a < b and all(self.owner[k] is None for k in range(a, b)):
                self._own(Occ(m.symbol, m.role, a, b, m.match))
            elif m.role == "subject":
                self.unlocated.append(m.symbol)
        for occ in list(self.occs):
            if occ.role == "subject":
                self._repeats(occ)
        self.occs.sort(key=lambda o: o.a)
        self.subjects = [o for o in self.occs if o.role == "subject"]
        self.subject_starts = [o.a for o in self.subjects]
        self.seg_analyst: dict[int, str] = {}  # the first analyst named in each sentence
        for o in self.occs:
            if o.role == "analyst":
                self.seg_analyst.setdefault(self.seg[o.a], o.text)

    def _own(self, occ: Occ) -> None:
        self.occs.append(occ)
        for k in range(occ.a, occ.b):
            self.owner[k] = occ

    def _repeats(self, occ: Occ) -> None:
        """The same name written again later ("Tesla falls as UBS cuts Tesla to sell"): the
        extractor reports a company once, at its first mention."""
        words = self.toks[occ.a : occ.b]
        size, found, k = len(words), 0, occ.b
        while found < _MAX_REPEATS and k + size <= self.n:
            if self.toks[k : k + size] == words and all(
                self.owner[t] is None for t in range(k, k + size)
            ):
                self._own(Occ(occ.symbol, occ.role, k, k + size, occ.text))
                found += 1
                k += size
            else:
                k += 1

    # -- reading --------------------------------------------------------------------------

    def word(self, k: int) -> str:
        """Token k in lower case, or "" where a company stands or past either end."""
        return self.low[k] if 0 <= k < self.n and self.owner[k] is None else ""

    def company(self, k: int) -> Occ | None:
        """The company (subject role) whose mention covers token k."""
        occ = self.owner[k] if 0 <= k < self.n else None
        return occ if occ is not None and occ.role == "subject" else None

    def analyst_at(self, k: int) -> Occ | None:
        occ = self.owner[k] if 0 <= k < self.n else None
        return occ if occ is not None and occ.role == "analyst" else None

    def rating_at(self, k: int) -> Rating | None:
        """A rating starting at token k ("outperform", "equal-weight", "strong buy")."""
        one = self.word(k)
        if not one:
            return None
        two = f"{one} {self.word(k + 1)}"
        if self.word(k + 1) and self.gap[k + 1] == NONE and _rank(two) is not None:
            return Rating(two, _rank(two) or 0, k + 2)
        rank = _rank(one)
        return Rating(one, rank, k + 1) if rank is not None else None

    def possessive(self, k: int) -> bool:
        """Token k is the "s" of "Goldman's"."""
        return self.doc.possessive_at(k)

    def other_name(self, k: int) -> bool:
        """Token k is a capitalised word of some name no match covers ("S&P", "Rivian"), not
        a headline's capital ("Raises Price Target")."""
        low = self.low[k] if 0 <= k < self.n else ""
        if not low or self.owner[k] is not None or not _name_word(self.toks[k], low):
            return False
        title, caps = self.doc.line_style(self.doc.spans[k][0])
        return not (title or caps) and low not in TARGETS and low != "price"

    def name_before(self, k: int) -> tuple[int, str] | None:
        """Capitalised words ending at token k that are no company's mention: an analyst not
        in the ticker list ("Bernstein", "Loop Capital", "S&P") -> (first token, text)."""
        first = k
        while (
            first >= 0
            and k - first < _MAX_NAME
            and self.owner[first] is None
            and _name_word(self.toks[first], self.low[first])
            and (first == k or self.gap[first + 1] == NONE)
        ):
            first -= 1
        first += 1
        while first <= k and (self.low[first] in _NAME_STOPS or self.toks[first] == "&"):
            first += 1  # "Why Needham ...", "How ..."
        if first > k or not self.toks[first][:1].isupper():
            return None
        return first, self.text[self.doc.spans[first][0] : self.doc.spans[k][1]]

    def name_after(self, k: int) -> str:
        """Capitalised words from token k ("at Loop Capital on ..." -> "Loop Capital")."""
        if not (0 <= k < self.n) or not self.toks[k][:1].isupper():
            return ""
        last = k
        while (
            last < self.n
            and last - k < _MAX_NAME
            and self.owner[last] is None
            and _name_word(self.toks[last], self.low[last])
            and (last == k or self.gap[last] == NONE)
        ):
            last += 1
        if last == k:
            return ""
        return self.text[self.doc.spans[k][0] : self.doc.spans[last - 1][1]]


def _rank(rating: str) -> int | None:
    if rating in RANKS:
        return RANKS[rating]
    if rating in W.POSITIVE_RATINGS:
        return 3
    if rating in W.NEUTRAL_RATINGS:
        return 2
    if rating in W.NEGATIVE_RATINGS:
        return 1
    return None


def _name_word(tok: str, low: str) -> bool:
    if tok == "&":
        return True
    return tok[:1].isupper() and low not in _NAME_STOPS and _rank(low) is None


@dataclass(frozen=True, slots=True)
class ListMark:
    """A list phrase at tokens start..end: what being on it means, added, removed, or on it."""

    start: int
    end: int
    on_it: str  # "top pick", "favorite stock", "conviction buy list"
    off_it: str  # "top picks", "favorites", "conviction buy list"
    negative: bool  # a list of sells ("least favorite", "top short", "sell list")
    is_list: bool  # a "... list" (added to it) rather than a title (named it)

    def _sign(self, good: bool) -> Direction:
        return "positive" if good != self.negative else "negative"

    @property
    def added(self) -> tuple[Direction, str]:
        return self._sign(True), f"added to {self.on_it}" if self.is_list else self.on_it

    @property
    def removed(self) -> tuple[Direction, str]:
        return self._sign(False), f"removed from {self.off_it}"

    @property
    def on(self) -> tuple[Direction, str]:
        return self._sign(True), f"on {self.on_it}" if self.is_list else self.on_it


def list_at(h: Head, k: int) -> ListMark | None:
    """The list phrase whose key word is token k: "top pick(s)", "favorite ... stock", "best
    idea(s)", "top short(s)", "conviction (buy) list", "least favorite"."""
    w = h.word(k)
    if not w:
        return None
    prev = h.word(k - 1)
    if w in ("pick", "picks") and prev in PICK_BEFORE:
        return ListMark(k - 1, k + 1, "top pick", "top picks", False, False)
    if w in ("idea", "ideas") and prev in ("best", "top"):
        return ListMark(k - 1, k + 1, "best idea", "best ideas", False, False)
    if w in ("short", "shorts") and prev == "top":
        return ListMark(k - 1, k + 1, "top short", "top shorts", True, False)
    if w in ("favorite", "favourite", "favorites", "favourites"):
        ahead = [j for j in range(k + 1, min(k + 4, h.n)) if h.word(j) in FAVORITE_OF]
        if not ahead:
            return None
        least = prev == "least"
        on_it = "least favorite stock" if least else "favorite stock"
        return ListMark(k - least, ahead[0] + 1, on_it, f"{on_it}s", least, False)
    if w in ("list", "lists"):
        first = k
        while first > 0 and k - first < 3 and h.word(first - 1) in LIST_WORDS:
            first -= 1
        if first == k:
            return None
        phrase = " ".join(h.low[first : k + 1])
        negative = any(h.low[j] in NEGATIVE_LISTS for j in range(first, k))
        return ListMark(first, k + 1, phrase, phrase, negative, True)
    return None
