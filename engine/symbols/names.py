"""The name table: every company name and alias the extractor looks for, with how to match it.

Built once from the ticker list (display names, their short forms, initials spelled by a ticker)
and the alias file (aliases, their rules, not_names). See engine/symbols/__init__.py for the
rules the table's `Rule`s stand for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.symbols import words as W
from engine.symbols.doc import TOKEN, fold, has_letters, name_key
from engine.ticker import normalise_ticker

How = Literal["cashtag", "exchange", "feed", "name", "alias"]
Rule = Literal["name", "cue", "suffix"]
Key = tuple[str, ...]  # a name's normalised tokens

_CONNECTORS = frozenset({"&", "and", "of", "the", "de"})
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
    if words & (W.FUND_WORDS - {"trust"}):
        return True
    return "trust" in words and not words & _REIT_WORDS


@dataclass(frozen=True, slots=True)
class Entry:
    symbol: str  # "" = a phrase that is not a company ("Dow Jones"): it only blocks
    how: How
    rule: Rule
    canon: tuple[str, ...]  # the name's tokens as written, for the case check
    not_followed_by: frozenset[str] = frozenset()
    not_preceded_by: frozenset[str] = frozenset()
    plain: bool = False  # one ordinary word ("Amazon", "Shell"): "the Amazon" is not the company
    hyphened: tuple[int, ...] = ()  # tokens the text must join with a hyphen ("Snap-on")


def hyphened(name: str) -> tuple[int, ...]:
    """The tokens of a name written after a hyphen in lower case ("Snap-on", "N-able"): without
    its hyphen the phrase is something else ("downgrades Snap on ad market shift" is Snap)."""
    if "-" not in name:
        return ()
    spans = [m.span() for m in TOKEN.finditer(name)]
    return tuple(
        k
        for k in range(1, len(spans))
        if name[spans[k - 1][1] : spans[k][0]] == "-" and name[spans[k][0]].islower()
    )


def build_names(
    rows: Mapping[str, tuple[str, str, str]],
    aliases: Mapping[str, Any],
    not_names: Sequence[str],
    stopwords: Sequence[str],
    common_words: Sequence[str] | frozenset[str],
    proper_nouns: Sequence[str] | frozenset[str],
) -> dict[Key, Entry]:
    """The name table for a ticker list (ticker -> (display name, exchange, primary)) and the
    alias file's "aliases" and "not_names"; the word lists decide which names need context."""
    return _Builder(rows, stopwords, common_words, proper_nouns).build(aliases, not_names)


class _Builder:
    def __init__(
        self,
        rows: Mapping[str, tuple[str, str, str]],
        stopwords: Sequence[str],
        common_words: Sequence[str] | frozenset[str],
        proper_nouns: Sequence[str] | frozenset[str],
    ) -> None:
        self._rows = rows
        self._stop = frozenset(w.lower() for w in stopwords)
        self._common = frozenset(common_words)
        self._proper = frozenset(proper_nouns)
        self._names: dict[Key, Entry] = {}
        self._openers: dict[str, set[str]] = {}  # a name's first word -> the companies

    def build(self, aliases: Mapping[str, Any], not_names: Sequence[str]) -> dict[Key, Entry]:
        self._build_names(aliases, not_names)
        return self._names

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
            self._openers.setdefault(key[0], set()).add(ticker)
            rule: Rule = "name"
            if len(key) == 1 and (len(key[0]) < 3 or key[0] in self._stop):
                rule = "suffix"
            elif self._is_common(key) or (len(key) == 1 and key[0] in self._proper):
                rule = "cue"
            old = self._names.get(key)
            if old is not None and old.symbol != ticker:
                ambiguous.add(key)
            self._names[key] = Entry(
                ticker, "name", rule, canon, plain=self._plain(key), hyphened=hyphened(name)
            )
        for key in ambiguous:  # two companies, one name: only an alias may claim it
            del self._names[key]
        self._add_short_forms()
        self._add_initials()
        self._add_apostrophes()
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
            self._names[key] = Entry(
                symbol,
                "name" if shown == key else "alias",
                rule,
                canon,
                frozenset(w.lower() for w in spec.get("not_followed_by", ())),
                frozenset(w.lower() for w in spec.get("not_preceded_by", ())),
                plain=self._plain(key),
                hyphened=hyphened(alias),
            )
        for phrase in not_names:
            canon = tuple(TOKEN.findall(phrase))
            if canon:
                self._names[name_key(phrase)] = Entry("", "name", "name", canon)

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
            self._names[key] = Entry(ticker, "alias", "cue", (ticker,))

    def _add_apostrophes(self) -> None:
        """'Pilgrim's Pride' for 'Pilgrims Pride': SEC's names drop the apostrophe of a
        possessive that opens a name ("Nathans Famous", "Childrens Place"); news keeps it."""
        for key, entry in list(self._names.items()):
            word = key[0]
            if (
                not entry.symbol
                or entry.how != "name"
                or not 2 <= len(key) <= 3
                or len(word) < 4
                or word[-1] != "s"
                or word.endswith(("ss", "us", "is"))
                or not all(len(t) >= 3 and t.isalpha() or t == "&" for t in key[1:])
                or _is_fund_name(entry.canon)
            ):
                continue
            variant = (word[:-1], "s", *key[1:])
            if variant not in self._names:
                canon = (entry.canon[0][:-1], "s", *entry.canon[1:])
                self._names[variant] = Entry(entry.symbol, "name", entry.rule, canon)

    def _plain(self, key: tuple[str, ...]) -> bool:
        return len(key) == 1 and (key[0] in self._common or key[0] in self._stop)

    def _add_short_forms(self) -> None:
        """Add 'Teva' for 'Teva Pharmaceutical Industries' unless that would be ambiguous."""
        found: dict[Key, Entry] = {}
        clash: set[Key] = set()
        for entry in list(self._names.values()):
            if entry.rule == "suffix" or _is_fund_name(entry.canon):
                continue  # a fund's name ("Franklin Templeton Holdings Trust") stays whole
            canon = list(entry.canon)
            if len(canon) > 1 and len(canon[-1]) <= 2 and canon[-1].isupper():
                canon.pop()  # "Cellebrite DI" is written "Cellebrite"
                short = tuple(fold(t) for t in canon)
                if len(short) > 1 or (short[0] not in self._stop and len(short[0]) > 3):
                    found.setdefault(short, Entry(entry.symbol, "name", "cue", tuple(canon)))
            if fold(canon[-1]) in _PHARMA:  # "Agios Pharmaceuticals" is also "Agios Pharma"
                pharma = tuple(fold(t) for t in canon[:-1]) + ("pharma",)
                if pharma not in self._names:
                    found.setdefault(
                        pharma, Entry(entry.symbol, "name", "name", (*canon[:-1], "Pharma"))
                    )
            soft = False  # a word of W.SOFT_TAIL was dropped: what is left must be distinctive
            while len(canon) > 1 and fold(canon[-1]) in W.GENERIC_TAIL | W.SOFT_TAIL:
                soft = soft or fold(canon[-1]) not in W.GENERIC_TAIL
                canon.pop()
                short = tuple(fold(t) for t in canon)
                if short in self._names or not self._short_ok(short, canon):
                    continue
                if soft and not self._distinctive(short, entry.symbol):
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
                found[short] = Entry(
                    entry.symbol, "name", rule, tuple(canon), plain=self._plain(short)
                )
        for short, entry in found.items():
            if short not in clash:
                self._names[short] = entry

    def _short_ok(self, short: Key, canon: Sequence[str]) -> bool:
        """Whether a name cut short can stand for the company: not ending in a connector, not
        a number or an ordinary word alone ("Choice" from "Choice Hotels")."""
        if short[-1] in _CONNECTORS or (len(short) == 1 and short[0] in self._stop):
            return False
        if not any(len(t) >= 3 for t in short) or not has_letters(short):
            return False  # "U S" from "U.S. Global Investors", "360" from "360 Finance"
        return len(short) > 1 or not (
            short[0].isdigit()
            or short[0] in W.PERSON_BEFORE
            or short[0] in self._common
            or len(short[0]) < 3
            or (len(short[0]) == 3 and not canon[0].isupper())
        )

    def _distinctive(self, short: Key, symbol: str) -> bool:
        """A name cut short by a word of W.SOFT_TAIL ("Teladoc" of Teladoc Health) counts only
        when what is left is not ordinary words ("Healthy Choice"), a proper noun ("Oscar") or
        the first word of another company's name ("Bausch": Bausch Health or Bausch & Lomb)."""
        if self._is_common(short):
            return False
        if len(short) > 1:
            return True
        return short[0] not in self._proper and self._openers.get(short[0], set()) <= {symbol}
