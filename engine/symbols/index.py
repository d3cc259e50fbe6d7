"""`SymbolIndex`: find the listed companies a headline is about (see engine/symbols/__init__.py).

The index holds the ticker list and answers look-ups (`resolve`, `name_of`, `primary_of`, `in`,
`len`); the name table is built in names.py, text is scanned in matcher.py (rules.py says
whether a name counts) and roles.py tells subjects from analysts.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.models import SymbolMatch
from engine.symbols import words as W
from engine.symbols.doc import Doc, name_key, unescape
from engine.symbols.matcher import Matcher
from engine.symbols.names import build_names
from engine.symbols.roles import assign_roles
from engine.symbols.tickerlist import (
    ALIASES_PATH,
    COMMON_WORDS_PATH,
    STOPWORDS_PATH,
    TICKERS_PATH,
    read_stopwords,
    read_ticker_file,
    read_word_lists,
    user_tickers_path,
)
from engine.ticker import normalise_ticker

log = logging.getLogger(__name__)

MAX_FEED_TAGS = 3  # an item tagged with more tickers than this is a round-up

_QUERY_TICKER = re.compile(r"^[A-Za-z]{1,6}(?:[.\-/][A-Za-z]{1,2})?$")


class SymbolIndex:
    """A ticker list plus name and alias lookups. Build with `SymbolIndex.load()`."""

    def __init__(
        self,
        rows: Mapping[str, tuple[str, str, str]],
        aliases: Mapping[str, Any] | None = None,
        stopwords: Sequence[str] = (),
        not_names: Sequence[str] = (),
        *,
        common_words: Sequence[str] | frozenset[str] = (),
        proper_nouns: Sequence[str] | frozenset[str] = (),
        analysts: Sequence[str] = (),
        source: str = "",
    ) -> None:
        """rows: ticker -> (display name, exchange, primary ticker or "").

        aliases: the "aliases" table of aliases.json; not_names: phrases that contain a company
        name but are not the company ("Dow Jones", "Harrison Ford"): they block the match;
        common_words: ordinary English words (a name made of them needs a business context);
        proper_nouns: places, people's names... (a one-word name among them needs it too);
        analysts: tickers of banks, brokers and rating agencies that can be quoted as analysts.
        """
        self._rows: dict[str, tuple[str, str, str]] = dict(rows)
        self._analysts = frozenset(
            self._rows[t][2] or t for t in map(normalise_ticker, analysts) if t in self._rows
        )
        self.source = source
        self._names = build_names(
            self._rows, aliases or {}, not_names, stopwords, common_words, proper_nouns
        )
        self._matcher = Matcher(self._rows, self._names, self.primary_of)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        path: Path | None = None,
        aliases: Path | None = None,
        stopwords: Path | None = None,
    ) -> SymbolIndex:
        """Load a ticker list: `path`, else the updated copy (`tickers update`) if there is a
        usable one, else the list shipped in engine/data."""
        rows: dict[str, tuple[str, str, str]] | None = None
        source = ""
        if path is None:
            user = user_tickers_path()
            if user.is_file():
                try:
                    rows, generated = read_ticker_file(user)
                    source = f"{user} ({generated})"
                except (OSError, ValueError) as exc:
                    log.warning("ignoring %s (%s); using the shipped ticker list", user, exc)
            path = TICKERS_PATH
        if rows is None:
            rows, generated = read_ticker_file(path)
            source = f"{path} ({generated})"
        alias_path = aliases or ALIASES_PATH
        alias_data: dict[str, Any] = {}
        if alias_path.exists():
            with alias_path.open(encoding="utf-8") as fh:
                alias_data = json.load(fh)
        common, proper = read_word_lists(COMMON_WORDS_PATH)
        return cls(
            rows,
            alias_data.get("aliases", {}),
            read_stopwords(stopwords or STOPWORDS_PATH),
            alias_data.get("not_names", []),
            common_words=common,
            proper_nouns=proper,
            analysts=alias_data.get("analysts", []),
            source=source,
        )

    # -- lookups ------------------------------------------------------------------------

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and normalise_ticker(symbol) in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def name_of(self, symbol: str) -> str | None:
        row = self._rows.get(normalise_ticker(symbol))
        return row[0] if row else None

    def primary_of(self, symbol: str) -> str | None:
        """The main share class of the company behind `symbol` ("BRK-A" -> "BRK-B")."""
        ticker = normalise_ticker(symbol)
        row = self._rows.get(ticker)
        if row is None:
            return None
        return row[2] or ticker

    def resolve(self, query: str) -> tuple[str, str] | None:
        """A ticker or company name typed by a user -> (ticker, display name), or None.

        "$TSLA", "TSLA", "tsla", "BRK.B" resolve as tickers; "Tesla", "Apple Inc." as names.
        A capitalised word ("Ford") is tried as a name first, anything else as a ticker first.
        """
        if not isinstance(query, str):
            return None
        q = unescape(query)[0].strip()
        if not q:
            return None
        if q.startswith("$"):
            return self._resolve_ticker(q)
        as_name = q[0].isupper() and not q.isupper()
        first, second = (
            (self._resolve_name, self._resolve_ticker)
            if as_name
            else (self._resolve_ticker, self._resolve_name)
        )
        return first(q) or second(q)

    def _resolve_ticker(self, q: str) -> tuple[str, str] | None:
        q = q.strip().lstrip("$")
        if not _QUERY_TICKER.match(q):
            return None
        symbol = normalise_ticker(q)
        row = self._rows.get(symbol)
        return (symbol, row[0]) if row else None

    def _resolve_name(self, q: str) -> tuple[str, str] | None:
        key = list(name_key(q))
        while key:
            entry = self._names.get(tuple(key))
            if entry is not None:
                return (entry.symbol, self._rows[entry.symbol][0]) if entry.symbol else None
            if key[-1] in W.LEGAL_SUFFIXES or key[-1] == "s":
                key.pop()
            else:
                return None
        return None

    # -- extraction ---------------------------------------------------------------------

    def extract(self, text: str, feed_tickers: Sequence[str] = ()) -> list[SymbolMatch]:
        """The known tickers `text` mentions, each once, with how it was found and its role.

        Feed tickers come first (start = end = -1), then matches in text order. A ticker found
        both as a subject and as an analyst is a subject.
        """
        out: list[SymbolMatch] = []
        index: dict[str, int] = {}
        tagged = [normalise_ticker(t) for t in feed_tickers or () if isinstance(t, str)]
        tagged = list(dict.fromkeys(t for t in tagged if t in self._rows))
        if len(tagged) > MAX_FEED_TAGS:
            tagged = []  # a round-up tagged with many tickers is news about none of them
        for symbol in tagged:
            if symbol not in index:
                index[symbol] = len(out)
                out.append(SymbolMatch(symbol, self._rows[symbol][0], "", -1, -1, "feed"))
        if not isinstance(text, str) or not text:
            return out
        try:
            clean, offsets = unescape(text)
        except (ValueError, OverflowError):  # a malformed numeric entity
            clean, offsets = text, None
        doc = Doc(clean)
        hits = self._matcher.find(doc)
        hits.sort(key=lambda h: h.start)
        roles = assign_roles(doc, hits, self._analysts, self.primary_of)
        for hit, role in zip(hits, roles, strict=True):
            k = index.get(hit.symbol)
            if k is not None:
                if role == "subject" and out[k].role != "subject":
                    m = out[k]
                    out[k] = SymbolMatch(m.symbol, m.name, m.match, m.start, m.end, m.how)
                continue
            start, end = hit.start, hit.end
            if offsets is not None:
                start, end = offsets[start], offsets[end]
            index[hit.symbol] = len(out)
            out.append(
                SymbolMatch(
                    hit.symbol,
                    self._rows[hit.symbol][0],
                    text[start:end],
                    start,
                    end,
                    hit.how,
                    role,
                )
            )
        return out
