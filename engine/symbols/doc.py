"""The text the extractor reads: HTML entities, tokens, the normalised token stream, and `Doc`,
one headline prepared for matching.

Matching runs on a normalised copy of the text, one token per word: lower case, accents folded
("Nestlé" -> "nestle"), "and" written "&". Every token keeps its span in the text as given, so
matches report positions in the caller's string.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata

from engine.symbols import words as W

TOKEN = re.compile(r"[^\W_]+|&")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
APOSTROPHES = "'’‘ʼ`´"
_WORDS = re.compile(r"[A-Za-z][A-Za-z']*")
# Wire prefixes before the headline proper: "UPDATE 2-", "EXCLUSIVE-", "BRIEF-", "Exclusive:".
_WIRE_PREFIX = re.compile(
    r"^\s*(?:(?:UPDATE|REFILE|CORRECTED|CORRECTION|EXCLUSIVE|Exclusive|BRIEF|WRAPUP|ANALYSIS"
    r"|Analysis|FACTBOX|Factbox|INSIGHT|Insight|FOCUS|EXPLAINER|Explainer|BREAKINGVIEWS"
    r"|Breakingviews|RPT|COLUMN|Column|INTERVIEW|Interview|HOT STOCKS|BUZZ|WRAP|PREVIEW)"
    r"(?:\s*\d+)?\s*[-:—–]\s*)+"
)
_SEGMENT_BREAK = re.compile(r"(?<=[.!?:;|])\s+|\s+[-–—|]\s+|\n")
_SENTENCE_BREAK = frozenset(".!?:;\"“”'‘’(—–|•\n\r\t")


def unescape(text: str) -> tuple[str, list[int] | None]:
    """Decode HTML entities; also return, per decoded char, its index in `text` (None: same)."""
    if "&" not in text or ";" not in text:
        return text, None
    parts: list[str] = []
    offsets: list[int] = []
    last = 0
    for m in _ENTITY.finditer(text):
        decoded = html.unescape(m.group(0))
        if decoded == m.group(0):
            continue
        parts.append(text[last : m.start()])
        offsets.extend(range(last, m.start()))
        parts.append(decoded)
        offsets.extend([m.start()] * len(decoded))
        last = m.end()
    if not parts:
        return text, None
    parts.append(text[last:])
    offsets.extend(range(last, len(text)))
    offsets.append(len(text))
    return "".join(parts), offsets


def fold(token: str) -> str:
    """Lower case with accents removed; "and" becomes "&" (names write both)."""
    low = token.lower()
    if low.isascii():
        return "&" if low == "and" else low
    decomposed = unicodedata.normalize("NFKD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or low


def name_key(name: str) -> tuple[str, ...]:
    """The normalised tokens of a company name or alias."""
    return tuple(fold(t) for t in TOKEN.findall(name))


def has_letters(key: tuple[str, ...]) -> bool:
    """A name must hold a letter: "111" (one company's SEC name) or "2 0" is never written as a
    company's name, only as a number."""
    return any(c.isalpha() for tok in key for c in tok)


def is_title_case(line: str) -> bool:
    """True for headline Title Case, where capitals say nothing about names."""
    words = [w for w in _WORDS.findall(line)[1:] if len(w) >= 3]
    if len(words) < 2:
        return False
    lower = sum(1 for w in words if w[0].islower())
    return lower <= len(words) * 0.2


def is_all_caps(line: str) -> bool:
    """True for a shouted line ("NVIDIA SOARS ON EARNINGS")."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 8 and sum(1 for c in letters if c.isupper()) >= 0.9 * len(letters)


class Doc:
    """One text prepared for matching: tokens, their spans, the normalised stream."""

    __slots__ = (
        "text",
        "spans",
        "toks",
        "low",
        "stream",
        "tok_at",
        "head",
        "_lines",
        "_segments",
        "_business",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[tuple[int, int]] = []
        self.toks: list[str] = []
        for m in TOKEN.finditer(text):
            self.spans.append(m.span())
            self.toks.append(m.group())
        self.low = [t.lower() for t in self.toks]
        parts = [""]
        self.tok_at: dict[int, int] = {}
        pos = 1
        for i, t in enumerate(self.low):
            norm = fold(t) if not t.isascii() or t == "and" else t
            self.tok_at[pos] = i
            parts.append(norm)
            pos += len(norm) + 1
        parts.append("")
        self.stream = " ".join(parts)
        m = _WIRE_PREFIX.match(text)
        self.head = m.end() if m else 0
        self._lines: dict[int, tuple[bool, bool]] = {}
        self._segments: list[int] | None = None
        self._business: bool | None = None

    def line_style(self, pos: int) -> tuple[bool, bool]:
        """(Title Case, ALL CAPS) for the sentence holding char `pos` ("Gap Shares Jump. Read
        more and sign up for updates" is Title Case where Gap is)."""
        if self._segments is None:
            self._segments = [0] + [m.end() for m in _SEGMENT_BREAK.finditer(self.text)]
        k = bisect.bisect_right(self._segments, pos) - 1
        start = self._segments[k]
        style = self._lines.get(start)
        if style is None:
            end = self._segments[k + 1] if k + 1 < len(self._segments) else len(self.text)
            segment = self.text[start:end]
            style = (is_title_case(segment), is_all_caps(segment))
            self._lines[start] = style
        return style

    def sentence_start(self, i: int) -> bool:
        k = self.spans[i][0] - 1
        while k >= 0 and self.text[k] == " ":
            k -= 1
        return k < self.head or self.text[k] in _SENTENCE_BREAK

    def uninformative_caps(self, i: int) -> bool:
        """At a sentence start, in Title Case or in capitals, a capital letter proves nothing."""
        if self.sentence_start(i):
            return True
        title, caps = self.line_style(self.spans[i][0])
        return title or caps

    def business(self) -> bool:
        """Whether the text reads as business news (money, market words, company words)."""
        if self._business is None:
            self._business = (
                "$" in self.text or "%" in self.text or any(t in W.BUSINESS for t in self.low)
            )
        return self._business

    def possessive_at(self, j: int) -> bool:
        """True when token j is the "s" of "Tesla's" (attached to the token before it)."""
        if j <= 0 or j >= len(self.toks) or self.low[j] != "s":
            return False
        s = self.spans[j][0]
        return s - 2 >= 0 and self.spans[j - 1][1] == s - 1 and self.text[s - 1] in APOSTROPHES

    def token_index(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.spans, (char, len(self.text) + 1)) - 1)
