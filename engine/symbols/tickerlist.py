"""Turn SEC's `company_tickers_exchange.json` into the compact ticker list the engine ships.

SEC publishes `{"fields": ["cik", "name", "ticker", "exchange"], "data": [[...], ...]}` with
conformed company names ("MICROSOFT CORP", "AMAZON COM INC", "BANK OF AMERICA CORP /DE/").
`process_sec_exchange_json` keeps the exchange-listed rows and gives each ticker a readable
display name and the ticker that company names resolve to (its "primary" ticker).

Rules (documented here because users see the results):
- Exchanges kept: Nasdaq, NYSE, CBOE. OTC and rows without an exchange are dropped: their
  prices are not covered by the price backends and most OTC names are foreign ordinaries or
  shells whose names collide with listed companies.
- Primary ticker of a company (one CIK): the first row SEC lists for that CIK (SEC orders the
  file by size, so GOOGL comes before GOOG and BRK-B before BRK-A), unless the alias file's
  "primary" table says otherwise (e.g. BF-B). A company whose tickers are all preferreds,
  warrants, units or rights, and fund families with several tickers under one trust name,
  get no primary: their names never resolve to a ticker (cashtags still do). So do ETN
  issuers listed in the alias file's "primary" table with "" (Credit Suisse AG, Barclays Bank).
- Display names: jurisdiction tags (/DE/, \\UK), parentheticals and legal suffixes (Inc, Corp,
  Co, Ltd, plc, N.V., S.A., AG, LP, ...) are removed, then Holdings / Holding / Group unless
  that leaves a single common word ("Match Group" stays). Upper-case SEC names are title-cased
  keeping acronyms ("DTE Energy", "AT&T"). The alias file's "display" table wins over all this.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.symbols import words as W

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
TICKERS_PATH = DATA_DIR / "tickers.json"
ALIASES_PATH = DATA_DIR / "aliases.json"
STOPWORDS_PATH = DATA_DIR / "name_stopwords.txt"
COMMON_WORDS_PATH = DATA_DIR / "common_words.txt"
DATA_DIR_ENV = "TRADETHEHYPE_DATA_DIR"

KEPT_EXCHANGES = ("Nasdaq", "NYSE", "CBOE")
FIELDS = ["ticker", "name", "exchange", "primary"]
SOURCE = "SEC EDGAR company_tickers_exchange.json (US public domain)"

# A trailing jurisdiction tag: "/DE/", "/DE", "\\UK", "/Cayman Islands", "/ Delaware", "INC/".
_JURISDICTION = re.compile(
    r"\s*[/\\]\s*(?:[A-Za-z]{2,3}|new|del|delaware|cayman(?: islands)?|the)?\s*[/\\]?\s*$",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\s*\([^)]*\)")
_GROUP_WORDS = {"holdings", "holding", "group"}
_SMALL_WORDS = {"of", "the", "and", "for", "in", "on", "at", "to", "by", "de", "du", "la", "et"}
_VOWELS = set("AEIOUY")


def _squash(token: str) -> str:
    return token.lower().replace(".", "").replace("/", "").strip(",;")


def _strip_suffixes(words: list[str]) -> list[str]:
    while len(words) > 1:
        last = _squash(words[-1])
        if len(words) > 2 and (last, _squash(words[-2])) in (("s", "a"), ("a", "s")):
            del words[-2:]  # "NOVO NORDISK A S", "TELEFONICA S A"
            continue
        if last in W.SEC_LEGAL_SUFFIXES or last == "":
            words.pop()
        elif last in {"&", "and"}:  # left over from "& Co"
            words.pop()
        else:
            break
    return words


def _title_word(word: str, first: bool) -> str:
    low = word.lower()
    if not first and low in _SMALL_WORDS:
        return low
    letters = [c for c in word if c.isalpha()]
    if (
        "&" in word
        or any(c.isdigit() for c in word)
        or not (set(letters) & _VOWELS)
        or (len(word) <= 3 and low not in W.SEC_SHORT_WORDS)
    ):
        return word  # an acronym: "DTE", "AT&T", "3M", "CSX"
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def display_name(sec_name: str, stopwords: Iterable[str] = ()) -> str:
    """A readable company name from an SEC conformed name ("AMAZON COM INC" -> "Amazon")."""
    name = _PARENS.sub("", sec_name).strip()
    for _ in range(3):
        name = _JURISDICTION.sub("", name).strip()
    name = name.replace(",", " ")
    words = name.split()
    if words and words[0].lower() == "the" and len(words) > 1:
        words = words[1:]
    words = _strip_suffixes(words)
    stop = {w.lower() for w in stopwords}
    while len(words) > 1 and words[-1].lower() in _GROUP_WORDS:
        rest = _strip_suffixes(words[:-1])
        if len(rest) == 1 and rest[0].lower() in stop:
            break
        words = rest
    if not words:
        return sec_name.strip()
    if any(c.islower() for c in name):  # mixed case: only fix the upper-case words
        return " ".join(
            _title_word(w, i == 0) if w.isupper() and len(w) > 1 else w for i, w in enumerate(words)
        )
    return " ".join(_title_word(w, i == 0) for i, w in enumerate(words))


def _is_common_stock(ticker: str) -> bool:
    """False for preferreds, warrants, units and rights ("JPM-PC", "OXY-WT", "CELG-RI")."""
    if "-" not in ticker:
        return True
    return len(ticker.split("-", 1)[1]) == 1 and not ticker.endswith("-P")


# A fund family's SEC name holds a fund word; "series" too ("ETF Series Solutions"). "funds" and
# "municipal" have never been looked for here (kept so: the shipped list was built this way).
_FUND_FAMILY = re.compile(
    r"\b(" + "|".join(sorted((W.FUND_WORDS - {"funds", "municipal"}) | {"series"})) + r")\b",
    re.IGNORECASE,
)


def process_sec_exchange_json(
    raw: Mapping[str, Any],
    *,
    display: Mapping[str, str] | None = None,
    primary: Mapping[str, str] | None = None,
    stopwords: Iterable[str] = (),
    generated: str | None = None,
) -> dict[str, Any]:
    """Build the shipped ticker list from SEC's `company_tickers_exchange.json` content.

    display: ticker -> display name overrides (applied to every ticker of that company).
    primary: ticker -> the ticker names should resolve to (e.g. {"BF-A": "BF-B"}); "" for
        none (an ETN issuer whose name is not its products', e.g. Credit Suisse AG -> GLDI).
    Returns {"source", "generated", "fields", "tickers": [[ticker, name, exchange, primary]]}
    where primary is "" when the company's name should not resolve to any ticker.
    Raises ValueError when `raw` is not SEC-shaped.
    """
    companies = _companies(raw)
    display = dict(display or {})
    primary_override = dict(primary or {})
    stop = [w.lower() for w in stopwords]

    out: list[list[str]] = []
    for rows in companies.values():
        tickers = [t for t, _, _ in rows]
        main = _primary(rows, primary_override)
        shown = next((display[t] for t in tickers if t in display), None)
        if shown is None:
            shown = display_name(rows[0][1], stop)
        for ticker, _, exchange in rows:
            out.append([ticker, shown, exchange, main])
    return {
        "source": SOURCE,
        "generated": generated or datetime.now(UTC).strftime("%Y-%m-%d"),
        "fields": FIELDS,
        "tickers": out,
    }


def _companies(raw: Mapping[str, Any]) -> dict[Any, list[tuple[str, str, str]]]:
    """SEC's exchange-listed rows by company (CIK): [(ticker, SEC name, exchange)], in SEC's
    order, each ticker once. Raises ValueError when `raw` is not SEC-shaped."""
    fields = raw.get("fields")
    data = raw.get("data")
    if not isinstance(fields, list) or not isinstance(data, list):
        raise ValueError("not SEC company_tickers_exchange.json: need 'fields' and 'data'")
    try:
        i_cik, i_name = fields.index("cik"), fields.index("name")
        i_ticker, i_exchange = fields.index("ticker"), fields.index("exchange")
    except ValueError as exc:
        raise ValueError(f"SEC file lacks a field: {exc}") from None
    companies: dict[Any, list[tuple[str, str, str]]] = {}
    seen: set[str] = set()
    for row in data:
        if not isinstance(row, list) or len(row) < len(fields):
            continue
        exchange, ticker, name = row[i_exchange], row[i_ticker], row[i_name]
        if exchange not in KEPT_EXCHANGES or not isinstance(ticker, str) or not ticker:
            continue
        if not isinstance(name, str) or not name.strip():
            continue
        ticker = ticker.strip().upper().replace(".", "-")
        if ticker in seen:
            continue
        seen.add(ticker)
        companies.setdefault(row[i_cik], []).append((ticker, name, exchange))
    return companies


def _primary(rows: list[tuple[str, str, str]], primary_override: Mapping[str, str]) -> str:
    """The ticker a company's name resolves to ("" for none): its first common stock, unless
    it is a fund family or the alias file's "primary" table says otherwise."""
    tickers = [t for t, _, _ in rows]
    common = [t for t in tickers if _is_common_stock(t)]
    main = common[0] if common else ""
    if _FUND_FAMILY.search(rows[0][1]) and sum(1 for t in common if t[:3] != main[:3]) > 1:
        main = ""  # a fund family: one trust name, many unrelated products
    for t in tickers:
        if t in primary_override and primary_override[t] in (*tickers, ""):
            main = primary_override[t]  # "" = the name resolves to nothing
            break
    return main


def user_data_dir() -> Path:
    """Where user-level data lives: $TRADETHEHYPE_DATA_DIR, else $XDG_DATA_HOME/tradethehype,
    else ~/.local/share/tradethehype (%LOCALAPPDATA%\\tradethehype on Windows)."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg).expanduser() / "tradethehype"
    local = os.environ.get("LOCALAPPDATA")
    if os.name == "nt" and local:
        return Path(local) / "tradethehype"
    return Path.home() / ".local" / "share" / "tradethehype"


def user_tickers_path() -> Path:
    """The ticker list `tradethehype tickers update` writes; preferred over the shipped one."""
    return user_data_dir() / "tickers.json"


def read_ticker_file(path: Path) -> tuple[dict[str, tuple[str, str, str]], str]:
    """A processed ticker list -> ({ticker: (name, exchange, primary)}, generated date).

    Raises ValueError when the file is not a processed list (OSError when unreadable).
    """
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("tickers"), list):
        raise ValueError("not a processed ticker list (no 'tickers' list)")
    fields = data.get("fields", FIELDS)
    try:
        i_t, i_n, i_e = fields.index("ticker"), fields.index("name"), fields.index("exchange")
    except (ValueError, AttributeError):
        raise ValueError("not a processed ticker list (bad 'fields')") from None
    i_p = fields.index("primary") if "primary" in fields else None
    rows: dict[str, tuple[str, str, str]] = {}
    for row in data["tickers"]:
        if not isinstance(row, list) or len(row) < len(fields):
            continue
        ticker, name, exchange = row[i_t], row[i_n], row[i_e]
        primary = row[i_p] if i_p is not None else ticker
        if all(isinstance(v, str) for v in (ticker, name, exchange, primary)) and ticker:
            rows[ticker] = (name, exchange, primary)
    if not rows:
        raise ValueError("the ticker list is empty")
    return rows, str(data.get("generated", "?"))


def read_stopwords(path: Path = STOPWORDS_PATH) -> list[str]:
    """One word per line; '#' starts a comment. Missing file -> empty list."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return [w for w in words if w]


def read_word_lists(path: Path = COMMON_WORDS_PATH) -> tuple[frozenset[str], frozenset[str]]:
    """(common words, proper nouns), both lower case, from a list where proper nouns are the
    capitalised entries. Missing file -> two empty sets."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset(), frozenset()
    words = [w.strip() for w in text.splitlines() if w[:1] not in ("#", "")]
    common = {w for w in words if w.islower()}
    proper = {w.lower() for w in words if not w.islower()} - common
    return frozenset(common), frozenset(proper)


def read_alias_file(path: Path = ALIASES_PATH) -> dict[str, Any]:
    """The alias file as a dict with keys "aliases", "display", "primary" (each may be empty)."""
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def build_from_files(
    src: Path, aliases: Path = ALIASES_PATH, stopwords: Path = STOPWORDS_PATH
) -> dict[str, Any]:
    """Read SEC's file and the shipped hand-written data; return the processed list."""
    with src.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    alias_data = read_alias_file(aliases) if aliases.exists() else {}
    return process_sec_exchange_json(
        raw,
        display=alias_data.get("display", {}),
        primary=alias_data.get("primary", {}),
        stopwords=read_stopwords(stopwords),
    )


def write_ticker_list(processed: Mapping[str, Any], out: Path) -> int:
    """Write compactly (one ticker per line, so diffs stay readable); return bytes written."""
    head = {k: v for k, v in processed.items() if k != "tickers"}
    lines = [
        json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in processed["tickers"]
    ]
    body = json.dumps(head, ensure_ascii=False)[:-1]
    text = body + ', "tickers": [\n' + ",\n".join(lines) + "\n]}\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))
