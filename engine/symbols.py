"""Find the listed companies a piece of news text is about.

`SymbolIndex.extract` looks for, in this order of trust:

- cashtags: `$TSLA`, `$brk.b` (letters only, upper or lower case; `$5`, `$100M`, `US$` are not
  cashtags); only tickers in the shipped list count.
- exchange prefixes: `(NASDAQ: AAPL)`, `NYSE:F`, `NYSE American: XYZ`, `NYSEArca: SPY`, also
  lists (`NYSE: BRK.A, BRK.B`); the ticker must be upper case and known.
- company names and aliases, as whole words (tokens), never inside a word ("Metallica",
  "Appleby", "Fordham" do not match). Name rules:
  * a name must be written capitalised ("Tesla", not "tesla"); an alias written in capitals
    ("AMD", "IBM") must appear in capitals;
  * a bare upper-case word that is a ticker ("META", "GM") is never matched as a name, and names
    of one or two letters never match bare;
  * a one-word name that is a common word (engine/data/name_stopwords.txt: News, Dow, Match,
    Nasdaq...) matches only with a legal suffix after it ("News Corp", "Dow Inc.") unless the
    alias table gives it a rule;
  * alias rule "cue" (Target, Gap, Block, Snap, Best Buy...): in a Title Case line ("Target
    Shares Jump After Earnings Beat") or at the start of a sentence, capitalisation proves
    nothing, so the word needs a market cue next to it: a possessive ("Target's"), a legal
    suffix, a following word such as shares / stock / earnings / sales / jumps / falls / cuts,
    or a preceding one such as upgrades / downgrades / at. Elsewhere a capitalised word is
    enough. "investors target higher yields" and "Investors Target Higher Yields" match nothing;
  * one-word names are not matched after a first name, an initial or a title ("Harrison Ford",
    "Michael J. Fox", "Mr. Ford"), nor next to the words an alias lists in not_followed_by /
    not_preceded_by ("Amazon rainforest", "Oracle of Omaha");
  * the longest name wins ("Bank of America" over "America"); "Apple Inc." includes the suffix.
- feed tickers: tickers the feed tagged the item with, if known.

Each symbol is reported once, at its first occurrence; feed tickers come first (start=end=-1),
then matches by position. Positions index the text as given (HTML entities such as `&amp;` are
decoded for matching and mapped back).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.models import SymbolMatch
from engine.tickerlist import ALIASES_PATH, STOPWORDS_PATH, TICKERS_PATH, read_stopwords

How = Literal["cashtag", "exchange", "feed", "name", "alias"]
Rule = Literal["name", "cue", "suffix"]

_TOKEN = re.compile(r"[^\W_]+|&")
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[.\-][A-Za-z]{1,2})?)(?![\w$])")
_TICKER_RE = r"[A-Z]{1,5}(?:[.\-][A-Z]{1,2})?"
_EXCHANGE = re.compile(
    r"(?<![A-Za-z])(?i:nasdaq(?:\s?(?:gs|gm|cm|global select|global market|capital market))?"
    r"|nyse(?:\s?(?:american|arca|mkt))?|nysearca|nyseamerican|nysemkt|amex"
    r"|cboe(?:\s?bzx)?|bats)\s*:\s*"
    rf"(?P<syms>{_TICKER_RE}(?:\s*[,/]\s*{_TICKER_RE})*)(?![A-Za-z])"
)
_TICKER_FIND = re.compile(_TICKER_RE)
_PAREN_TICKER = re.compile(rf"\s*\((?:[A-Za-z ]{{2,14}}:\s*)?({_TICKER_RE})\)")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_QUERY_TICKER = re.compile(r"^[A-Za-z]{1,6}(?:[.\-/][A-Za-z]{1,2})?$")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")

LEGAL_SUFFIXES = frozenset(
    {
        "inc",
        "corp",
        "corporation",
        "co",
        "company",
        "companies",
        "cos",
        "ltd",
        "plc",
        "group",
        "holdings",
        "ag",
        "nv",
        "sa",
        "se",
        "llc",
        "lp",
        "incorporated",
        "limited",
    }
)
_CUE_NEXT = frozenset(
    {
        "shares",
        "share",
        "stock",
        "stocks",
        "earnings",
        "revenue",
        "revenues",
        "sales",
        "profit",
        "profits",
        "results",
        "guidance",
        "outlook",
        "forecast",
        "forecasts",
        "ceo",
        "cfo",
        "q1",
        "q2",
        "q3",
        "q4",
        "quarter",
        "quarterly",
        "beats",
        "beat",
        "misses",
        "missed",
        "tops",
        "raises",
        "raised",
        "cuts",
        "lowers",
        "lowered",
        "reports",
        "reported",
        "posts",
        "posted",
        "slides",
        "slid",
        "jumps",
        "jumped",
        "falls",
        "fell",
        "rises",
        "rose",
        "gains",
        "gained",
        "drops",
        "dropped",
        "soars",
        "soared",
        "plunges",
        "plunged",
        "surges",
        "surged",
        "sinks",
        "sank",
        "rallies",
        "rallied",
        "tumbles",
        "tumbled",
        "climbs",
        "climbed",
        "slumps",
        "slumped",
        "dips",
        "dipped",
        "slips",
        "slipped",
        "sheds",
        "upgraded",
        "downgraded",
        "initiated",
        "reiterated",
        "stores",
        "store",
        "shoppers",
        "said",
        "says",
        "announces",
        "announced",
        "unveils",
        "launches",
        "warns",
        "boosts",
        "hikes",
        "trims",
        "slashes",
        "shareholders",
        "investors",
        "layoffs",
        "executives",
        "stake",
    }
)
_CUE_PREV = frozenset(
    {
        "upgrades",
        "downgrades",
        "upgraded",
        "downgraded",
        "initiates",
        "reiterates",
        "resumes",
        "buy",
        "sell",
        "shorts",
        "vs",
        "versus",
        "rival",
        "rivals",
        "owner",
        "buys",
        "sells",
        "acquires",
        "acquire",
    }
)
_PERSON_BEFORE = frozenset(
    {
        # titles
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sir",
        "dame",
        "lady",
        "lord",
        "president",
        "senator",
        "sen",
        "rep",
        "gov",
        "governor",
        "judge",
        "justice",
        "prof",
        "professor",
        "coach",
        "uncle",
        "aunt",
        "saint",
        "st",
        # common first names
        "aaron",
        "adam",
        "alan",
        "albert",
        "alex",
        "alice",
        "amy",
        "andrew",
        "andy",
        "ann",
        "anna",
        "anne",
        "anthony",
        "barbara",
        "ben",
        "benjamin",
        "betty",
        "bill",
        "bob",
        "brian",
        "carl",
        "carol",
        "catherine",
        "charles",
        "charlie",
        "chris",
        "christopher",
        "daniel",
        "david",
        "diana",
        "donald",
        "dorothy",
        "douglas",
        "ed",
        "edward",
        "elizabeth",
        "ellen",
        "emily",
        "emma",
        "eric",
        "frank",
        "gary",
        "george",
        "gerald",
        "gordon",
        "grace",
        "greg",
        "harold",
        "harrison",
        "harry",
        "helen",
        "henry",
        "jack",
        "jacob",
        "james",
        "jane",
        "janet",
        "jason",
        "jeff",
        "jennifer",
        "jerry",
        "jessica",
        "jim",
        "joe",
        "john",
        "jonathan",
        "joseph",
        "joshua",
        "julia",
        "julie",
        "karen",
        "kate",
        "kathleen",
        "keith",
        "kelly",
        "ken",
        "kevin",
        "larry",
        "laura",
        "linda",
        "lisa",
        "louis",
        "margaret",
        "maria",
        "mark",
        "martha",
        "martin",
        "mary",
        "matt",
        "matthew",
        "michael",
        "michelle",
        "mike",
        "nancy",
        "nicholas",
        "nick",
        "nikola",
        "oliver",
        "patricia",
        "patrick",
        "paul",
        "peter",
        "philip",
        "rachel",
        "ralph",
        "raymond",
        "rebecca",
        "richard",
        "robert",
        "roger",
        "ronald",
        "rose",
        "russell",
        "ruth",
        "ryan",
        "sam",
        "samuel",
        "sandra",
        "sarah",
        "scott",
        "sharon",
        "steve",
        "steven",
        "susan",
        "thomas",
        "tim",
        "timothy",
        "tom",
        "tony",
        "victoria",
        "walter",
        "wayne",
        "william",
        "willie",
        "jeremy",
        "jamie",
        "kyle",
        "dan",
        "danny",
        "dean",
        "derek",
        "dennis",
        "eddie",
        "elon",
        "eli",
        "evan",
        "gavin",
        "glenn",
        "harvey",
        "ian",
        "jake",
        "jay",
        "jimmy",
        "joel",
        "jordan",
        "justin",
        "kurt",
        "lee",
        "leo",
        "luke",
        "marc",
        "marcus",
        "max",
        "neil",
        "noah",
        "owen",
        "pete",
        "phil",
        "randy",
        "ray",
        "rick",
        "rob",
        "ron",
        "ross",
        "roy",
        "sean",
        "seth",
        "shawn",
        "stan",
        "ted",
        "terry",
        "todd",
        "travis",
        "troy",
        "vince",
        "warren",
        "zach",
        "abby",
        "amanda",
        "angela",
        "ashley",
        "beth",
        "cathy",
        "christine",
        "claire",
        "debbie",
        "donna",
        "eva",
        "hannah",
        "heather",
        "holly",
        "jenny",
        "jill",
        "joan",
        "judy",
        "kim",
        "lucy",
        "megan",
        "monica",
        "natalie",
        "nicole",
        "olivia",
        "pam",
        "sophie",
        "stephanie",
        "tina",
        "tracy",
        "wendy",
    }
)
# Trailing words that a shorter form of a company name may drop: "Teva Pharmaceutical
# Industries" is also found as "Teva", "Compass Minerals International" as "Compass Minerals".
_GENERIC_TAIL = frozenset(
    {
        "pharmaceutical",
        "pharmaceuticals",
        "pharma",
        "biopharma",
        "biopharmaceuticals",
        "therapeutics",
        "biosciences",
        "bioscience",
        "biotherapeutics",
        "biotech",
        "biotechnology",
        "oncology",
        "sciences",
        "medical",
        "healthcare",
        "industries",
        "technologies",
        "technology",
        "systems",
        "system",
        "solutions",
        "resources",
        "networks",
        "communications",
        "telecommunications",
        "entertainment",
        "semiconductor",
        "semiconductors",
        "international",
        "brands",
        "software",
        "labs",
        "laboratories",
        "petroleum",
        "minerals",
        "financial",
        "bancorp",
        "bancshares",
        "realty",
        "properties",
        "partners",
        "interactive",
        "electronics",
        "instruments",
        "devices",
        "enterprises",
        "worldwide",
        "platforms",
        "products",
        "investors",
        "investment",
        "management",
        "bdc",
        "trust",
        "capital",
        "energy",
        "resorts",
        "holdings",
        "group",
        "corp",
        "inc",
        "&",
        "and",
        "of",
        "the",
    }
)
_SENTENCE_BREAK = frozenset(".!?:;\"“”'‘’(—–|•\n\r\t")


@dataclass(frozen=True, slots=True)
class _Entry:
    symbol: str
    how: How
    rule: Rule
    canon: tuple[str, ...]  # the name's tokens as written, for the case check
    not_followed_by: frozenset[str] = frozenset()
    not_preceded_by: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    symbol: str
    how: How


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def normalise_ticker(raw: str) -> str:
    """'$brk.b' -> 'BRK-B' (SEC spelling); does not check the list."""
    return raw.strip().lstrip("$").upper().replace(".", "-").replace("/", "-")


def _case_ok(canon: str, tok: str) -> bool:
    if canon == "&" or canon.islower():
        return True
    if canon.isupper() or canon.isdigit():  # an acronym: written exactly so
        return tok == canon
    if canon[0].islower():  # "eBay"
        return tok in (canon, canon.upper(), canon[0].upper() + canon[1:])
    return tok[0].isupper() or tok[0].isdigit()


def _unescape(text: str) -> tuple[str, list[int] | None]:
    """Decode HTML entities; also return, per decoded char, its index in `text`."""
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


def _is_title_case(line: str) -> bool:
    """True for headline Title Case or shouting, where capitals say nothing about names."""
    words = [w for w in _WORD.findall(line)[1:] if len(w) >= 4]
    if len(words) < 3:
        return False
    lower = sum(1 for w in words if w[0].islower())
    return lower <= len(words) * 0.2


class SymbolIndex:
    """The shipped ticker list plus name and alias lookups. Build with `SymbolIndex.load()`."""

    def __init__(
        self,
        rows: Mapping[str, tuple[str, str, str]],
        aliases: Mapping[str, Any] | None = None,
        stopwords: Sequence[str] = (),
        not_names: Sequence[str] = (),
    ) -> None:
        """rows: ticker -> (display name, exchange, primary ticker or "").

        aliases: the "aliases" table of aliases.json; not_names: phrases that contain a company
        name but are not the company ("Dow Jones", "Eaton Vance"): they block the match.
        """
        self._rows: dict[str, tuple[str, str, str]] = dict(rows)
        self._stop = frozenset(w.lower() for w in stopwords)
        self._names: dict[tuple[str, ...], _Entry] = {}
        self._build_names(aliases or {}, not_names)
        lens: dict[str, set[int]] = {}
        for key in self._names:
            lens.setdefault(key[0], set()).add(len(key))
        self._lens: dict[str, tuple[int, ...]] = {
            k: tuple(sorted(v, reverse=True)) for k, v in lens.items()
        }

    # -- construction -------------------------------------------------------------------

    @classmethod
    def load(
        cls, path: Path | None = None, aliases: Path | None = None, stopwords: Path | None = None
    ) -> SymbolIndex:
        """Load the shipped list (engine/data) or the given files."""
        with (path or TICKERS_PATH).open(encoding="utf-8") as fh:
            data = json.load(fh)
        fields = data.get("fields", ["ticker", "name", "exchange", "primary"])
        i_t, i_n, i_e = fields.index("ticker"), fields.index("name"), fields.index("exchange")
        i_p = fields.index("primary") if "primary" in fields else None
        rows: dict[str, tuple[str, str, str]] = {}
        for row in data["tickers"]:
            ticker = row[i_t]
            rows[ticker] = (row[i_n], row[i_e], row[i_p] if i_p is not None else ticker)
        alias_path = aliases or ALIASES_PATH
        alias_data: dict[str, Any] = {}
        if alias_path.exists():
            with alias_path.open(encoding="utf-8") as fh:
                alias_data = json.load(fh)
        return cls(
            rows,
            alias_data.get("aliases", {}),
            read_stopwords(stopwords or STOPWORDS_PATH),
            alias_data.get("not_names", []),
        )

    def _build_names(self, aliases: Mapping[str, Any], not_names: Sequence[str]) -> None:
        ambiguous: set[tuple[str, ...]] = set()
        for ticker, (name, _exchange, primary) in self._rows.items():
            if primary != ticker:
                continue
            canon = tuple(_tokens(name))
            if not canon:
                continue
            key = tuple(t.lower() for t in canon)
            rule: Rule = "name"
            if len(key) == 1 and (len(key[0]) < 3 or key[0] in self._stop):
                rule = "suffix"
            old = self._names.get(key)
            if old is not None and old.symbol != ticker:
                ambiguous.add(key)
            self._names[key] = _Entry(ticker, "name", rule, canon)
        for key in ambiguous:  # two companies, one name: only an alias may claim it
            del self._names[key]
        self._add_short_forms()
        for alias, spec in aliases.items():
            if isinstance(spec, str):
                spec = {"symbol": spec}
            symbol = normalise_ticker(str(spec.get("symbol", "")))
            if symbol not in self._rows:
                continue  # delisted or OTC: the alias file may run ahead of the list
            canon = tuple(_tokens(alias))
            if not canon:
                continue
            key = tuple(t.lower() for t in canon)
            rule = spec.get("rule", "name")
            if rule not in ("name", "cue", "suffix"):
                rule = "name"
            if len(key) == 1 and (len(key[0]) < 3 or (key[0] in self._stop and "rule" not in spec)):
                rule = "suffix"
            shown = tuple(_tokens(self._rows[symbol][0].lower()))
            self._names[key] = _Entry(
                symbol,
                "name" if shown == key else "alias",
                rule,
                canon,
                frozenset(w.lower() for w in spec.get("not_followed_by", ())),
                frozenset(w.lower() for w in spec.get("not_preceded_by", ())),
            )
        for phrase in not_names:
            canon = tuple(_tokens(phrase))
            if canon:
                self._names[tuple(t.lower() for t in canon)] = _Entry("", "name", "name", canon)

    def _add_short_forms(self) -> None:
        """Add 'Teva' for 'Teva Pharmaceutical Industries' unless that would be ambiguous."""
        found: dict[tuple[str, ...], _Entry] = {}
        clash: set[tuple[str, ...]] = set()
        for entry in list(self._names.values()):
            if entry.rule != "name":
                continue
            canon = list(entry.canon)
            while len(canon) > 1 and canon[-1].lower() in _GENERIC_TAIL:
                canon.pop()
                short = tuple(t.lower() for t in canon)
                if short[-1] in _GENERIC_TAIL or all(t in self._stop for t in short):
                    continue
                if len(short) == 1 and (len(short[0]) < 4 or short[0].isdigit()):
                    continue
                if short in self._names:
                    continue
                if short in found and found[short].symbol != entry.symbol:
                    clash.add(short)
                found[short] = _Entry(entry.symbol, "name", "name", tuple(canon))
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

    def resolve(self, query: str) -> tuple[str, str] | None:
        """A ticker or company name typed by a user -> (ticker, display name), or None.

        "$TSLA", "TSLA", "tsla", "BRK.B" resolve as tickers; "Tesla", "Apple Inc." as names.
        A capitalised word ("Ford") is tried as a name first, anything else as a ticker first.
        """
        if not isinstance(query, str):
            return None
        q = html.unescape(query).strip()
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
        key = [t.lower() for t in _tokens(q)]
        while key:
            entry = self._names.get(tuple(key))
            if entry is not None:
                return (entry.symbol, self._rows[entry.symbol][0]) if entry.symbol else None
            if key[-1] in LEGAL_SUFFIXES or key[-1] == "s":
                key.pop()
            else:
                return None
        return None

    # -- extraction ---------------------------------------------------------------------

    def extract(self, text: str, feed_tickers: Sequence[str] = ()) -> list[SymbolMatch]:
        """The known tickers `text` mentions, each once; see the module doc for the rules."""
        out: list[SymbolMatch] = []
        seen: set[str] = set()
        for raw in feed_tickers or ():
            if not isinstance(raw, str):
                continue
            symbol = normalise_ticker(raw)
            if symbol in self._rows and symbol not in seen:
                seen.add(symbol)
                out.append(SymbolMatch(symbol, self._rows[symbol][0], "", -1, -1, "feed"))
        if not isinstance(text, str) or not text:
            return out
        clean, offsets = _unescape(text)
        hits = self._find(clean)
        hits.sort(key=lambda h: h.start)
        for hit in hits:
            if hit.symbol in seen:
                continue
            seen.add(hit.symbol)
            start, end = hit.start, hit.end
            if offsets is not None:
                start, end = offsets[start], offsets[end]
            out.append(
                SymbolMatch(
                    hit.symbol, self._rows[hit.symbol][0], text[start:end], start, end, hit.how
                )
            )
        return out

    def _find(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        blocked: list[tuple[int, int]] = []  # cashtag and exchange spans: no names inside
        if "$" in text:
            for m in _CASHTAG.finditer(text):
                blocked.append((m.start(), m.end()))
                raw = m.group(1)
                if not (raw.isupper() or raw.islower()):
                    continue  # "$Bn", "$Tsla": not how cashtags are written
                symbol = normalise_ticker(raw)
                if symbol in self._rows:
                    hits.append(_Hit(m.start(), m.end(), symbol, "cashtag"))
        if ":" in text:
            for m in _EXCHANGE.finditer(text):
                blocked.append((m.start(), m.end()))
                base = m.start("syms")
                for sm in _TICKER_FIND.finditer(m.group("syms")):
                    symbol = normalise_ticker(sm.group(0))
                    if symbol in self._rows:
                        hits.append(_Hit(base + sm.start(), base + sm.end(), symbol, "exchange"))
        hits.extend(self._find_names(text, blocked))
        return hits

    def _find_names(self, text: str, blocked: list[tuple[int, int]]) -> list[_Hit]:
        spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        toks = [text[s:e] for s, e in spans]
        low = [t.lower() for t in toks]
        n_tok = len(toks)
        hits: list[_Hit] = []
        title_cache: dict[int, bool] = {}
        i = 0
        while i < n_tok:
            lens = self._lens.get(low[i])
            if lens is None or (blocked and any(s <= spans[i][0] < e for s, e in blocked)):
                i += 1
                continue
            after: int | None = None
            for n in lens:
                if i + n > n_tok:
                    continue
                entry = self._names.get(tuple(low[i : i + n]))
                if entry is None:
                    continue
                after = self._accept(entry, text, spans, toks, low, i, n, title_cache)
                if after is not None:
                    if entry.symbol:  # not a blocking phrase
                        hits.append(
                            _Hit(
                                spans[i][0],
                                self._end_of(text, spans, after),
                                entry.symbol,
                                entry.how,
                            )
                        )
                    break
            i = after if after is not None else i + 1
        return hits

    @staticmethod
    def _end_of(text: str, spans: list[tuple[int, int]], end_tok: int) -> int:
        end = spans[end_tok - 1][1]
        if (
            end < len(text)
            and text[end] == "."
            and text[spans[end_tok - 1][0] : end].lower() in (LEGAL_SUFFIXES)
        ):
            end += 1  # "Inc." keeps its dot
        return end

    def _accept(
        self,
        entry: _Entry,
        text: str,
        spans: list[tuple[int, int]],
        toks: list[str],
        low: list[str],
        i: int,
        n: int,
        title_cache: dict[int, bool],
    ) -> int | None:
        """Token index after the match if this occurrence counts as the company, else None."""
        for canon, tok in zip(entry.canon, toks[i : i + n], strict=True):
            if not _case_ok(canon, tok):
                return None
        first = toks[i]
        if n == 1:
            if len(first) < 3:
                return None
            if first.isupper() and first in self._rows and not entry.canon[0].isupper():
                return None  # a bare upper-case ticker ("META"): not in this version
        j = i + n
        if entry.symbol and self._ticker_follows(text, spans[j - 1][1], entry.symbol):
            return j  # "Dana (DAN)": the ticker confirms the name
        nxt = j
        possessive = False
        if (
            nxt < len(toks)
            and low[nxt] == "s"
            and text[spans[nxt][0] - 1] in "'’"
            and spans[nxt][0] - 1 == spans[j - 1][1]
        ):
            possessive = True
            nxt += 1
        follow = low[nxt] if nxt < len(toks) else ""
        gap = text[spans[j - 1][1] : spans[nxt][0]] if nxt < len(toks) else ""
        suffix = (
            not possessive
            and follow in LEGAL_SUFFIXES
            and gap.strip(" ,") == ""
            and toks[nxt][0].isupper()
        )
        if follow in entry.not_followed_by and not possessive:
            return None
        prev = low[i - 1] if i > 0 else ""
        if prev and prev in entry.not_preceded_by:
            return None
        if n == 1 and i > 0 and self._after_person(text, spans, toks, low, i):
            return None
        if entry.rule == "suffix" and not suffix:
            return None
        if entry.rule == "cue" and not suffix and not possessive:
            if self._uninformative_caps(text, spans, i, title_cache) and not (
                follow in _CUE_NEXT or prev in _CUE_PREV
            ):
                return None
        return nxt + 1 if suffix else j

    def _ticker_follows(self, text: str, pos: int, symbol: str) -> bool:
        m = _PAREN_TICKER.match(text, pos)
        if m is None:
            return False
        row = self._rows.get(normalise_ticker(m.group(1)))
        return row is not None and (row[2] == symbol or normalise_ticker(m.group(1)) == symbol)

    @staticmethod
    def _after_person(
        text: str, spans: list[tuple[int, int]], toks: list[str], low: list[str], i: int
    ) -> bool:
        """'Harrison Ford', 'Michael J. Fox', 'Mr. Ford': the word is a person's name."""
        gap = text[spans[i - 1][1] : spans[i][0]]
        if gap not in (" ", ". "):
            return False
        prev = toks[i - 1]
        if not prev[0].isupper():
            return False
        if len(prev) == 1 and gap == ". ":
            return True  # an initial
        return low[i - 1] in _PERSON_BEFORE

    @staticmethod
    def _uninformative_caps(
        text: str, spans: list[tuple[int, int]], i: int, cache: dict[int, bool]
    ) -> bool:
        """At a sentence start or in a Title Case line, a capital letter proves nothing."""
        start = spans[i][0]
        k = start - 1
        while k >= 0 and text[k] == " ":
            k -= 1
        if k < 0 or text[k] in _SENTENCE_BREAK:
            return True
        line_start = text.rfind("\n", 0, start) + 1
        if line_start not in cache:
            line_end = text.find("\n", start)
            line = text[line_start : line_end if line_end >= 0 else len(text)]
            cache[line_start] = _is_title_case(line)
        return cache[line_start]
