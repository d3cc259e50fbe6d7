"""Text handling for the extractor: HTML entities, tokens, and the normalised token stream.

Matching runs on a normalised copy of the text, one token per word: lower case, accents folded
("Nestlé" -> "nestle"), "and" written "&". Every token keeps its span in the text as given, so
matches report positions in the caller's string.
"""

from __future__ import annotations

import html
import re
import unicodedata

TOKEN = re.compile(r"[^\W_]+|&")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
APOSTROPHES = "'’‘ʼ`´"
_WORDS = re.compile(r"[A-Za-z][A-Za-z']*")


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
