"""`SymbolIndex`: find the listed companies a headline is about (see engine/symbols/__init__.py)."""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ahocorasick

from engine.models import SymbolMatch
from engine.symbols import words as W
from engine.symbols.roles import Hit, assign_roles
from engine.symbols.text import (
    APOSTROPHES,
    TOKEN,
    fold,
    has_letters,
    is_all_caps,
    is_title_case,
    name_key,
    unescape,
)
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

How = Literal["cashtag", "exchange", "feed", "name", "alias"]
Rule = Literal["name", "cue", "suffix"]

_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[.\-/][A-Za-z]{1,2})?)(?![\w$])")
_TICKER_RE = r"[A-Z]{1,5}(?:[.\-/][A-Z]{1,2})?"
_EXCHANGE = re.compile(
    r"(?<![A-Za-z])(?i:nasdaq(?:\s?(?:gs|gm|cm|global select|global market|capital market))?"
    r"|nyse(?:\s?(?:american|arca|mkt))?|nysearca|nyseamerican|nysemkt|amex"
    r"|cboe(?:\s?bzx)?|bats)\s*:\s*"
    rf"(?P<syms>{_TICKER_RE}(?:\s*[,/]\s*{_TICKER_RE})*)(?![A-Za-z])"
)
_TICKER_FIND = re.compile(r"[A-Z]{1,5}(?:[.\-][A-Z]{1,2})?")
# Reuters instrument codes: "(TSLA.O)", "(F.N)", "(BRKb.N)".
_RIC = re.compile(r"\(([A-Z]{1,5})([a-z])?\.(?:OQ|O|N|K|A)\)")
_PAREN_TICKER = re.compile(rf"[.,]?\s*\((?:[A-Za-z ]{{2,14}}:\s*)?({_TICKER_RE})\)")
_BARE_PAREN = re.compile(r"\(([A-Z]{2,5}(?:[.\-][A-Z])?)\)")
_QUERY_TICKER = re.compile(r"^[A-Za-z]{1,6}(?:[.\-/][A-Za-z]{1,2})?$")
# Wire prefixes before the headline proper: "UPDATE 2-", "EXCLUSIVE-", "BRIEF-", "Exclusive:".
_WIRE_PREFIX = re.compile(
    r"^\s*(?:(?:UPDATE|REFILE|CORRECTED|CORRECTION|EXCLUSIVE|Exclusive|BRIEF|WRAPUP|ANALYSIS"
    r"|Analysis|FACTBOX|Factbox|INSIGHT|Insight|FOCUS|EXPLAINER|Explainer|BREAKINGVIEWS"
    r"|Breakingviews|RPT|COLUMN|Column|INTERVIEW|Interview|HOT STOCKS|BUZZ|WRAP|PREVIEW)"
    r"(?:\s*\d+)?\s*[-:—–]\s*)+"
)
_MOVE = re.compile(r"\s*[+\-−–]\s?\d+(?:\.\d+)?%")
_SEGMENT_BREAK = re.compile(r"(?<=[.!?:;|])\s+|\s+[-–—|]\s+|\n")
_SENTENCE_BREAK = frozenset(".!?:;\"“”'‘’(—–|•\n\r\t")
_ACRONYM_NOT_TICKER = frozenset({"CEO", "CFO", "IPO", "ETF", "FDA", "SEC", "USA", "GDP", "CPI"})
_CONNECTORS = frozenset({"&", "and", "of", "the", "de"})
_FUND_WORDS = frozenset({"fund", "funds", "trust", "etf", "etn", "portfolio", "municipal"})
_PHARMA = frozenset({"pharmaceutical", "pharmaceuticals", "biopharma", "biopharmaceuticals"})
_REIT_WORDS = frozenset(
    {
        "realty",
        "reit",
        "properties",
        "property",
        "mortgage",
        "residential",
        "hospitality",
        "investment",
        "healthcare",
        "industrial",
        "office",
        "storage",
        "land",
        "timber",
    }
)


def _is_fund_name(canon: Sequence[str]) -> bool:
    """A fund's or ETF's name ("Franklin Templeton Holdings Trust"), not a REIT's ("Federal
    Realty Investment Trust")."""
    words = {fold(t) for t in canon}
    if words & {"fund", "funds", "etf", "etn", "portfolio", "municipal"}:
        return True
    return "trust" in words and not words & _REIT_WORDS


@dataclass(frozen=True, slots=True)
class _Entry:
    symbol: str  # "" = a phrase that is not a company ("Dow Jones"): it only blocks
    how: How
    rule: Rule
    canon: tuple[str, ...]  # the name's tokens as written, for the case check
    not_followed_by: frozenset[str] = frozenset()
    not_preceded_by: frozenset[str] = frozenset()
    plain: bool = False  # one ordinary word ("Amazon", "Shell"): "the Amazon" is not the company


def _case_ok(canon: str, tok: str) -> bool:
    if canon == "&" or canon.islower():
        return True
    if canon.isupper() or canon.isdigit():  # an acronym: written exactly so
        return tok == canon
    if canon[0].islower():  # "eBay"
        return tok in (canon, canon.upper(), canon[0].upper() + canon[1:])
    if tok[0].islower():  # "eGain", "nLIGHT" for "Egain", "Nlight": a brand's own spelling
        return any(c.isupper() for c in tok[1:])
    return tok[0].isupper() or tok[0].isdigit()


class _Doc:
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
        self._stop = frozenset(w.lower() for w in stopwords)
        self._common = frozenset(common_words)
        self._proper = frozenset(proper_nouns)
        self._analysts = frozenset(
            self._rows[t][2] or t for t in map(normalise_ticker, analysts) if t in self._rows
        )
        self.source = source
        self._names: dict[tuple[str, ...], _Entry] = {}
        self._build_names(aliases or {}, not_names)
        self._auto = ahocorasick.Automaton()
        for key, entry in self._names.items():
            pattern = " " + " ".join(key) + " "
            self._auto.add_word(pattern, (len(pattern), len(key), entry))
        if len(self._auto):
            self._auto.make_automaton()

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

    def _is_common(self, key: tuple[str, ...]) -> bool:
        """A name made only of ordinary words ("Carnival", "Public Storage"); a corporate word
        ("Sun Life Financial", "Fate Therapeutics") makes it a name."""
        if "&" in key:
            return False  # "Cohen & Steers", "Smith & Nephew": the pair is a name
        words = [t for t in key if t not in ("of", "the")]
        if len(words) > 1 and any(t in W.GENERIC_TAIL or t in W.LEGAL_SUFFIXES for t in words):
            return False
        return bool(words) and all(t in self._common or t in self._stop for t in words)

    def _build_names(self, aliases: Mapping[str, Any], not_names: Sequence[str]) -> None:
        ambiguous: set[tuple[str, ...]] = set()
        for ticker, (name, _exchange, primary) in self._rows.items():
            if primary != ticker:
                continue
            canon = tuple(TOKEN.findall(name))
            key = name_key(name)
            if not has_letters(key):
                continue  # "111": a number alone is never a company's name
            rule: Rule = "name"
            if len(key) == 1 and (len(key[0]) < 3 or key[0] in self._stop):
                rule = "suffix"
            elif self._is_common(key) or (len(key) == 1 and key[0] in self._proper):
                rule = "cue"
            old = self._names.get(key)
            if old is not None and old.symbol != ticker:
                ambiguous.add(key)
            self._names[key] = _Entry(ticker, "name", rule, canon, plain=self._plain(key))
        for key in ambiguous:  # two companies, one name: only an alias may claim it
            del self._names[key]
        self._add_short_forms()
        self._add_initials()
        for alias, spec in aliases.items():
            if isinstance(spec, str):
                spec = {"symbol": spec}
            symbol = normalise_ticker(str(spec.get("symbol", "")))
            if symbol not in self._rows:
                continue  # delisted or OTC: the alias file may run ahead of the list
            canon = tuple(TOKEN.findall(alias))
            key = name_key(alias)
            if not has_letters(key):
                continue
            rule = spec.get("rule", "name")
            if rule not in ("name", "cue", "suffix"):
                rule = "name"
            if len(key) == 1:
                short = len(key[0]) < 3 and not (canon[0].isupper() and "rule" in spec)
                if short or (key[0] in self._stop and "rule" not in spec):
                    rule = "suffix"
            shown = name_key(self._rows[symbol][0])
            self._names[key] = _Entry(
                symbol,
                "name" if shown == key else "alias",
                rule,
                canon,
                frozenset(w.lower() for w in spec.get("not_followed_by", ())),
                frozenset(w.lower() for w in spec.get("not_preceded_by", ())),
                plain=self._plain(key),
            )
        for phrase in not_names:
            canon = tuple(TOKEN.findall(phrase))
            if canon:
                self._names[name_key(phrase)] = _Entry("", "name", "name", canon)

    def _add_initials(self) -> None:
        """'ADM' for Archer-Daniels-Midland: a ticker that spells the initials of its company's
        name is how news writes that name (in capitals, as a common-word name)."""
        for ticker, (name, _exchange, primary) in self._rows.items():
            if primary != ticker or not (3 <= len(ticker) <= 5) or not ticker.isalpha():
                continue
            words = [t for t in TOKEN.findall(name) if fold(t) not in _CONNECTORS]
            if len(words) < 3 or "".join(w[0] for w in words).upper() != ticker:
                continue
            key = (ticker.lower(),)
            if key in self._names or key[0] in self._common or key[0] in self._stop:
                continue
            self._names[key] = _Entry(ticker, "alias", "cue", (ticker,))

    def _plain(self, key: tuple[str, ...]) -> bool:
        return len(key) == 1 and (key[0] in self._common or key[0] in self._stop)

    def _add_short_forms(self) -> None:
        """Add 'Teva' for 'Teva Pharmaceutical Industries' unless that would be ambiguous."""
        found: dict[tuple[str, ...], _Entry] = {}
        clash: set[tuple[str, ...]] = set()
        for entry in list(self._names.values()):
            if entry.rule == "suffix" or _is_fund_name(entry.canon):
                continue  # a fund's name ("Franklin Templeton Holdings Trust") stays whole
            canon = list(entry.canon)
            if len(canon) > 1 and len(canon[-1]) <= 2 and canon[-1].isupper():
                canon.pop()  # "Cellebrite DI" is written "Cellebrite"
                short = tuple(fold(t) for t in canon)
                if len(short) > 1 or (short[0] not in self._stop and len(short[0]) > 3):
                    found.setdefault(short, _Entry(entry.symbol, "name", "cue", tuple(canon)))
            if fold(canon[-1]) in _PHARMA:  # "Agios Pharmaceuticals" is also "Agios Pharma"
                pharma = tuple(fold(t) for t in canon[:-1]) + ("pharma",)
                if pharma not in self._names:
                    found.setdefault(
                        pharma, _Entry(entry.symbol, "name", "name", (*canon[:-1], "Pharma"))
                    )
            while len(canon) > 1 and fold(canon[-1]) in W.GENERIC_TAIL:
                canon.pop()
                short = tuple(fold(t) for t in canon)
                if short[-1] in _CONNECTORS or (len(short) == 1 and short[0] in self._stop):
                    continue
                if not any(len(t) >= 3 for t in short) or not has_letters(short):
                    continue  # "U S" from "U.S. Global Investors", "360" from "360 Finance"
                if len(short) == 1 and (
                    short[0].isdigit()
                    or short[0] in W.PERSON_BEFORE
                    or short[0] in self._common
                    or len(short[0]) < 3
                    or (len(short[0]) == 3 and not canon[0].isupper())
                ):
                    continue  # "Choice" from "Choice Hotels": an ordinary word alone
                if short in self._names:
                    continue
                if short in found and found[short].symbol != entry.symbol:
                    clash.add(short)
                # one word left that is also a place or a person's name ("Boston" from Boston
                # Scientific, "Hawaiian" from Hawaiian Electric) needs a business context
                one = len(short) == 1
                rule: Rule = (
                    "cue"
                    if self._is_common(short)
                    or (one and (short[0] in self._proper or len(short[0]) == 3))
                    else "name"
                )  # an acronym left ("SPX" of SPX Technologies) may start another name too
                found[short] = _Entry(
                    entry.symbol, "name", rule, tuple(canon), plain=self._plain(short)
                )
        for short, entry in found.items():
            if short not in clash:
                self._names[short] = entry

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
        doc = _Doc(clean)
        hits = self._find(doc)
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

    def _find(self, doc: _Doc) -> list[Hit]:
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
        self, doc: _Doc, hits: list[Hit], raw: str, start: int, end: int, how: How
    ) -> None:
        symbol = normalise_ticker(raw)
        if symbol in self._rows:
            i = doc.token_index(start)
            hits.append(Hit(start, end, symbol, how, i, max(i + 1, doc.token_index(end - 1) + 1)))

    def _find_names(self, doc: _Doc, blocked: list[tuple[int, int]]) -> list[Hit]:
        cands: dict[int, list[tuple[int, _Entry]]] = {}
        tok_at = doc.tok_at
        for end, (plen, n, entry) in self._auto.iter(doc.stream):
            i = tok_at[end - plen + 2]
            cands.setdefault(i, []).append((n, entry))
        hits: list[Hit] = []
        maybe: list[tuple[int, int, _Entry]] = []  # lacking only context: a list may give it
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
                after = self._accept(entry, doc, i, n, maybe)
                if after is None:
                    continue
                if entry.symbol:
                    hits.append(self._hit(doc, entry, i, after))
                free = after
                break
        if maybe and hits:
            self._listed_with(doc, hits, maybe)
        return hits

    def _hit(self, doc: _Doc, entry: _Entry, i: int, after: int) -> Hit:
        return Hit(doc.spans[i][0], self._end_of(doc, after), entry.symbol, entry.how, i, after)

    def _listed_with(
        self, doc: _Doc, hits: list[Hit], maybe: list[tuple[int, int, _Entry]]
    ) -> None:
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
    def _end_of(doc: _Doc, end_tok: int) -> int:
        end = doc.spans[end_tok - 1][1]
        if (
            end < len(doc.text)
            and doc.text[end] == "."
            and doc.low[end_tok - 1] in W.LEGAL_SUFFIXES
        ):
            end += 1  # "Inc." keeps its dot
        return end

    def _accept(
        self,
        e: _Entry,
        doc: _Doc,
        i: int,
        n: int,
        maybe: list[tuple[int, int, _Entry]] | None = None,
    ) -> int | None:
        """Token index after the match if this occurrence counts as the company, else None.

        A name that fails only for want of context is added to `maybe`."""
        toks, low = doc.toks, doc.low
        for canon, tok in zip(e.canon, toks[i : i + n], strict=False):
            if not _case_ok(canon, tok):
                return None
        first = toks[i]
        if (
            n == 1
            and first.isupper()
            and len(first) > 1
            and first in self._rows
            and not e.canon[0].isupper()
            and (first != e.symbol or e.plain)
            and not doc.line_style(doc.spans[i][0])[1]
        ):
            return None  # another company's ticker ("FLEX" for Flex) in ordinary text
        j = i + n
        text = doc.text
        if n == 1 and doc.spans[i][0] > 0 and text[doc.spans[i][0] - 1] == "(":
            if text[doc.spans[i][1] : doc.spans[i][1] + 1] == ")":
                return None  # "(PRA)": a ticker in brackets, handled as a ticker
        if e.symbol:
            follows = self._ticker_follows(doc, j, e.symbol)
            if follows:
                return j  # "Dana (DAN)": the ticker confirms the name
            if follows is False:
                return None  # "Great Elm Capital Group (GEC)": another ticker is named
        if e.symbol and self._fund_follows(doc, j):
            return None  # "Apollo Tactical Income Fund": a fund named after the company
        nxt = j
        possessive = doc.possessive_at(j)
        if possessive:
            nxt += 1
        count = len(toks)
        follow = low[nxt] if nxt < count else ""
        suffix = (
            not possessive
            and follow in W.LEGAL_SUFFIXES
            and doc.text[doc.spans[j - 1][1] : doc.spans[nxt][0]].strip(" ,") == ""
            and toks[nxt][0].isupper()
        )
        if follow in e.not_followed_by and not possessive:
            return None
        prev = low[i - 1] if i > 0 else ""
        if prev and prev in e.not_preceded_by:
            return None
        if n == 1 and i > 0 and self._after_person(doc, i):
            return None
        plain_gap = i > 0 and text[doc.spans[i - 1][1] : doc.spans[i][0]] == " "
        descriptor = (
            prev in W.DESCRIPTORS
            and plain_gap
            and (toks[i - 1].islower() or doc.uninformative_caps(i - 1))
        )  # "chemicals maker Dow", "Retailer Target to..."
        if (
            n == 1
            and plain_gap
            and not descriptor
            and (e.plain or e.rule != "name")
            and toks[i - 1][:1].isupper()
            and not (toks[i - 1].isupper() and len(toks[i - 1]) <= 2)  # "US", "EU"
            and prev not in W.DETERMINERS
            and (e.rule == "suffix" or not doc.uninformative_caps(i))
        ):
            return None  # "Mississippi Delta", "Community Bancorp, Inc.": part of a longer name
        if (
            n == 1
            and e.rule == "cue"
            and not suffix
            and nxt == j
            and follow
            and toks[j][:1].isupper()
            and follow not in W.CUE_NEXT
            and text[doc.spans[j - 1][1] : doc.spans[j][0]] == " "
            and not doc.uninformative_caps(j)
        ):
            return None  # "Hawaiian Airlines", "Boston Fed": part of another name
        if e.rule == "suffix":
            if suffix:
                return nxt + 1
            if descriptor or (follow in W.STRONG_NEXT and not possessive):
                return j
            return None
        if (e.plain or e.rule == "cue") and not suffix and plain_gap:
            if prev in W.DETERMINERS or prev.isdigit():
                return None  # "the Amazon", "40 Celsius"
        if e.rule == "cue" and not (suffix or possessive or descriptor):
            if prev == "to" and plain_gap:
                return None  # an infinitive: "move to block", "seeks to snap up"
            if self._event_follows(doc, j):
                return None  # "Presents At Southwest Ideas Investor Conference"
            if e.canon[0].isupper() and len(e.canon[0]) > 1:
                caps_say_nothing = doc.line_style(doc.spans[i][0])[1]  # "GM" only in "GM ..."
            else:
                caps_say_nothing = doc.uninformative_caps(i)
            if caps_say_nothing and not self._move_follows(doc, j):
                if not (follow in W.CUE_NEXT or prev in W.CUE_PREV or self._topic(doc, i, j)):
                    if maybe is not None:
                        maybe.append((i, j, e))
                    return None
            elif not doc.business():
                if maybe is not None:
                    maybe.append((i, j, e))
                return None
        return nxt + 1 if suffix else j

    def _ticker_follows(self, doc: _Doc, j: int, symbol: str) -> bool | None:
        """After the name (and any legal suffix): its own ticker in brackets -> True, another
        ticker -> False, none -> None."""
        k = j
        while k < len(doc.toks) and k - j < 3 and doc.toks[k][:1].isupper():
            k += 1  # legal suffixes, or more words of a longer name ("SPX Flow (FLOW)")
        while k >= j:
            m = _PAREN_TICKER.match(doc.text, doc.spans[k - 1][1])
            if m is not None:
                break
            k -= 1
        else:
            return None
        ticker = normalise_ticker(m.group(1))
        row = self._rows.get(ticker)
        if row is not None and (row[2] == symbol or ticker == symbol):
            return True if k == j else None
        return False

    @staticmethod
    def _move_follows(doc: _Doc, j: int) -> bool:
        """A price move right after the name: "Comtech +18.5%", "Varonis -6% on..."."""
        return _MOVE.match(doc.text, doc.spans[j - 1][1]) is not None

    @staticmethod
    def _topic(doc: _Doc, i: int, j: int) -> bool:
        """The name opens the headline and a colon follows: "Skyworks: China Risk Caps Upside"."""
        return doc.sentence_start(i) and doc.text[doc.spans[j - 1][1] :].startswith(":")

    @staticmethod
    def _fund_follows(doc: _Doc, j: int) -> bool:
        """The capitalised words after the name end in Fund / Trust / ETF."""
        for k in range(j, min(j + 8, len(doc.toks))):
            tok = doc.toks[k]
            if doc.low[k] in _FUND_WORDS:
                return k > j or not tok.islower()
            if not (tok[:1].isupper() or tok[:1].isdigit() or tok == "&"):
                return False
        return False

    @staticmethod
    def _event_follows(doc: _Doc, j: int) -> bool:
        """The capitalised words after the name end in Conference / Summit / Forum."""
        for k in range(j, min(j + 6, len(doc.toks))):
            if doc.low[k] in W.EVENTS:
                return True
            if not (doc.toks[k][:1].isupper() or doc.toks[k][:1].isdigit()):
                return False
        return False

    def _find_paren_tickers(
        self, doc: _Doc, hits: list[Hit], blocked: list[tuple[int, int]]
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

    @staticmethod
    def _after_person(doc: _Doc, i: int) -> bool:
        """'Harrison Ford', 'Michael J. Fox', 'Mr. Ford': the word is a person's name."""
        gap = doc.text[doc.spans[i - 1][1] : doc.spans[i][0]]
        if gap not in (" ", ". "):
            return False
        prev = doc.toks[i - 1]
        if not prev[0].isupper():
            return False
        if len(prev) == 1 and gap == ". ":
            return True  # an initial
        return doc.low[i - 1] in W.PERSON_BEFORE
