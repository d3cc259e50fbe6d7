"""Scanning a text for companies: tickers (cashtags, exchange prefixes, Reuters codes, a
ticker in brackets after its company's name) and names, all names found in one pass of an
Aho-Corasick automaton over the normalised token stream. Whether one occurrence of a name
counts as the company is engine/symbols/rules.py's to say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import ahocorasick

from engine.symbols import words as W
from engine.symbols.doc import Doc, fold, name_key
from engine.symbols.names import Entry, How, Key
from engine.symbols.roles import Hit
from engine.symbols.rules import TICKER_RE, Maybe, Spot, accept
from engine.ticker import normalise_ticker

_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[.\-/][A-Za-z]{1,2})?)(?![\w$])")
_EXCHANGE = re.compile(
    r"(?<![A-Za-z])(?i:nasdaq(?:\s?(?:gs|gm|cm|global select|global market|capital market))?"
    r"|nyse(?:\s?(?:american|arca|mkt))?|nysearca|nyseamerican|nysemkt|amex"
    r"|cboe(?:\s?bzx)?|bats)\s*:\s*"
    rf"(?P<syms>{TICKER_RE}(?:\s*[,/]\s*{TICKER_RE})*)(?![A-Za-z])"
)
_TICKER_FIND = re.compile(r"[A-Z]{1,5}(?:[.\-][A-Z]{1,2})?")
# Reuters instrument codes: "(TSLA.O)", "(F.N)", "(BRKb.N)".
_RIC = re.compile(r"\(([A-Z]{1,5})([a-z])?\.(?:OQ|O|N|K|A)\)")
_BARE_PAREN = re.compile(r"\(([A-Z]{2,5}(?:[.\-][A-Z])?)\)")
_ACRONYM_NOT_TICKER = frozenset({"CEO", "CFO", "IPO", "ETF", "FDA", "SEC", "USA", "GDP", "CPI"})


class Matcher:
    """Finds the companies of a ticker list (ticker -> (display name, exchange, primary)) and
    of a name table in a `Doc`."""

    def __init__(
        self,
        rows: Mapping[str, tuple[str, str, str]],
        names: Mapping[Key, Entry],
        primary_of: Callable[[str], str | None],
    ) -> None:
        self._rows = rows
        self.primary_of = primary_of
        self._auto = ahocorasick.Automaton()
        for key, entry in names.items():
            pattern = " " + " ".join(key) + " "
            self._auto.add_word(pattern, (len(pattern), len(key), entry))
        if len(self._auto):
            self._auto.make_automaton()

    def find(self, doc: Doc) -> list[Hit]:
        text = doc.text
        hits: list[Hit] = []
        blocked: list[tuple[int, int]] = []  # cashtag and exchange spans: no names inside
        if "$" in text:
            for m in _CASHTAG.finditer(text):
                blocked.append(m.span())
                raw = m.group(1)
                if not (raw.isupper() or raw.islower()):
                    continue  # "$Bn", "$Tsla": not how cashtags are written
                self._add_ticker_hit(doc, hits, raw, m.start(), m.end(), "cashtag")
        if ":" in text:
            for m in _EXCHANGE.finditer(text):
                blocked.append(m.span())
                base = m.start("syms")
                for sm in _TICKER_FIND.finditer(m.group("syms")):
                    s, e = base + sm.start(), base + sm.end()
                    self._add_ticker_hit(doc, hits, sm.group(), s, e, "exchange")
        if "(" in text:
            for m in _RIC.finditer(text):
                blocked.append(m.span())
                raw = m.group(1) + ("-" + m.group(2).upper() if m.group(2) else "")
                self._add_ticker_hit(doc, hits, raw, m.start() + 1, m.end() - 1, "exchange")
        if doc.toks:
            hits.extend(self._find_names(doc, blocked))
        if "(" in text:
            self._find_paren_tickers(doc, hits, blocked)
        return hits

    def _add_ticker_hit(
        self, doc: Doc, hits: list[Hit], raw: str, start: int, end: int, how: How
    ) -> None:
        symbol = normalise_ticker(raw)
        if symbol in self._rows:
            i = doc.token_index(start)
            hits.append(Hit(start, end, symbol, how, i, max(i + 1, doc.token_index(end - 1) + 1)))

    def _find_names(self, doc: Doc, blocked: list[tuple[int, int]]) -> list[Hit]:
        cands: dict[int, list[tuple[int, Entry]]] = {}
        tok_at = doc.tok_at
        for end, (plen, n, entry) in self._auto.iter(doc.stream):
            i = tok_at[end - plen + 2]
            cands.setdefault(i, []).append((n, entry))
        hits: list[Hit] = []
        maybe: Maybe = []  # lacking only context: a list may give it
        free = 0
        for i in sorted(cands):
            if i < free:
                continue
            if blocked and any(s <= doc.spans[i][0] < e for s, e in blocked):
                continue
            options = cands[i]
            if len(options) > 1:
                options.sort(key=lambda o: -o[0])
            for n, entry in options:
                after = accept(Spot(entry, doc, i, n, self._rows), maybe)
                if after is None:
                    continue
                if entry.symbol:
                    hits.append(self._hit(doc, entry, i, after))
                free = after
                break
        if maybe and hits:
            self._listed_with(doc, hits, maybe)
        return hits

    def _hit(self, doc: Doc, entry: Entry, i: int, after: int) -> Hit:
        return Hit(doc.spans[i][0], self._end_of(doc, after), entry.symbol, entry.how, i, after)

    def _listed_with(self, doc: Doc, hits: list[Hit], maybe: Maybe) -> None:
        """'Edwards, Medtronic heart valve rivalry...': a name that lacked only context counts
        when it stands in a list (", " / "and" / "&") next to a company found for sure."""
        starts = {h.tok_start for h in hits}
        ends = {h.tok_end for h in hits}
        low, count = doc.low, len(doc.low)

        def gap(a: int, b: int) -> str:  # the text between tokens a and b
            return doc.text[doc.spans[a][1] : doc.spans[b][0]].strip()

        found: list[Hit] = []
        for i, after, entry in maybe:
            if any(h.tok_start < after and i < h.tok_end for h in hits):
                continue
            linked = False
            if after < count:
                if gap(after - 1, after) == "," and after in starts:
                    linked = True  # "Edwards, Medtronic"
                elif low[after] in ("&", "and") and after + 1 in starts:
                    linked = True  # "Carnival and Royal Caribbean"
            if i > 0 and not linked:
                if gap(i - 1, i) == "," and i in ends:
                    linked = True  # "Medtronic, Edwards"
                elif low[i - 1] in ("&", "and") and i - 1 in ends:
                    linked = True
            if linked:
                found.append(self._hit(doc, entry, i, after))
        hits.extend(found)

    @staticmethod
    def _end_of(doc: Doc, end_tok: int) -> int:
        end = doc.spans[end_tok - 1][1]
        if (
            end < len(doc.text)
            and doc.text[end] == "."
            and doc.low[end_tok - 1] in W.LEGAL_SUFFIXES
        ):
            end += 1  # "Inc." keeps its dot
        return end

    def _find_paren_tickers(
        self, doc: Doc, hits: list[Hit], blocked: list[tuple[int, int]]
    ) -> None:
        """'Acme Widgets (ACWD) reports...': a listed ticker in brackets right after the first
        word of its company's name counts even where the name alone would not."""
        for m in _BARE_PAREN.finditer(doc.text):
            symbol = normalise_ticker(m.group(1))
            row = self._rows.get(symbol)
            if row is None or m.group(1) in _ACRONYM_NOT_TICKER:
                continue
            if any(self.primary_of(h.symbol) == (row[2] or symbol) for h in hits):
                continue  # "Alphabet (GOOG)": the name was found already
            if any(h.start <= m.start() < h.end or m.start() <= h.start < m.end() for h in hits):
                continue
            if any(s <= m.start() < e for s, e in blocked):
                continue
            first = name_key(row[0])[:1]
            j = doc.token_index(m.start() + 1)  # the ticker's token
            for i in range(j - 1, max(-1, j - 7), -1):
                if first and fold(doc.low[i]) == first[0]:
                    name_end = doc.spans[j - 1][1]
                    if doc.text[name_end : m.start()].strip():
                        break
                    hits.append(Hit(doc.spans[i][0], m.end(), symbol, "name", i, j + 1))
                    break
                if not (doc.toks[i][:1].isupper() or doc.toks[i][:1].isdigit()):
                    break
