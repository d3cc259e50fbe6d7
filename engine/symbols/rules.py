"""Whether one occurrence of a name counts as the company: `accept` applies the rules in order.

A name from the table matched at tokens i..j of a text (a `Spot`) is refused by the first rule
that says so; each rule says what it refuses and why. The rules are the name rules of
engine/symbols/__init__.py, in the order they were always applied: the order matters (its
ticker in brackets confirms a name before the words around it are read; a name on the stop
list is decided before the rules for ordinary-word names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from engine.symbols import words as W
from engine.symbols.doc import Doc
from engine.symbols.names import Entry
from engine.ticker import normalise_ticker

TICKER_RE = r"[A-Z]{1,5}(?:[.\-/][A-Z]{1,2})?"
_PAREN_TICKER = re.compile(rf"[.,]?\s*\((?:[A-Za-z ]{{2,14}}:\s*)?({TICKER_RE})\)")
_HYPHENS = ("-", "\u2010", "\u2011")  # hyphen-minus, hyphen, non-breaking hyphen
_MOVE = re.compile(r"\s*[+\-−–]\s?\d+(?:\.\d+)?%")

Maybe = list[tuple[int, int, Entry]]  # names lacking only context: a list may give it


class Spot:
    """Entry `e` matched over tokens i..j (n tokens) of `doc`, and the words around it that the
    rules read. rows: the ticker list."""

    __slots__ = (
        "e",
        "doc",
        "i",
        "n",
        "j",
        "rows",
        "possessive",
        "nxt",
        "follow",
        "suffix",
        "prev",
        "plain_gap",
        "descriptor",
        "bare_cue",
    )

    def __init__(
        self, e: Entry, doc: Doc, i: int, n: int, rows: Mapping[str, tuple[str, str, str]]
    ) -> None:
        self.e, self.doc, self.i, self.n, self.j = e, doc, i, n, i + n
        self.rows = rows
        j, toks, spans = self.j, doc.toks, doc.spans
        self.possessive = doc.possessive_at(j)  # followed by "'s" ("Tesla's")
        self.nxt = j + 1 if self.possessive else j  # the token after the name and its "'s"
        self.follow = doc.low[self.nxt] if self.nxt < len(toks) else ""  # that word, lower case
        self.suffix = (  # a legal suffix follows the name ("Dow Inc.", "Ball, Corp")
            not self.possessive
            and self.follow in W.LEGAL_SUFFIXES
            and doc.text[spans[j - 1][1] : spans[self.nxt][0]].strip(" ,") == ""
            and toks[self.nxt][0].isupper()
        )
        self.prev = doc.low[i - 1] if i > 0 else ""  # the word before, lower case
        # a single space, nothing else, between the word before and the name
        self.plain_gap = i > 0 and doc.text[spans[i - 1][1] : spans[i][0]] == " "
        self.descriptor = (  # "chemicals maker Dow", "Retailer Target to...": what it is
            self.prev in W.DESCRIPTORS
            and self.plain_gap
            and (toks[i - 1].islower() or doc.uninformative_caps(i - 1))
        )
        # an ordinary-word name ("cue" rule) with nothing attached that proves it is the
        # company: no legal suffix, no "'s", no descriptor before it
        self.bare_cue = e.rule == "cue" and not (self.suffix or self.possessive or self.descriptor)


def accept(at: Spot, maybe: Maybe | None = None) -> int | None:
    """Token index after the match if this occurrence counts as the company, else None.

    A name that fails only for want of context is added to `maybe`."""
    if _refused(at, _SHAPE_RULES):
        return None
    ticker = _ticker_after(at)
    if ticker:
        return at.j  # "Dana (DAN)": the ticker confirms the name
    if ticker is False:
        return None  # "Great Elm Capital Group (GEC)": another company's ticker is named
    if _refused(at, _NEIGHBOUR_RULES):
        return None
    if at.e.rule == "suffix":
        return _stop_list_name(at)
    if _refused(at, _ORDINARY_WORD_RULES):
        return None
    if infinitive(at):
        if maybe is not None and not at.doc.uninformative_caps(at.i):
            maybe.append((at.i, at.j, at.e))  # "to Delta and American Airlines"
        return None
    if lacks_context(at):
        if maybe is not None:
            maybe.append((at.i, at.j, at.e))
        return None
    return at.nxt + 1 if at.suffix else at.j


def wrong_case(at: Spot) -> bool:
    """Refuses a name not capitalised as a name: "tesla" is not Tesla, and a name the table
    writes in capitals ("AMD", "GM") must appear in capitals."""
    toks = at.doc.toks[at.i : at.j]
    return not all(_case_ok(canon, tok) for canon, tok in zip(at.e.canon, toks, strict=False))


def unhyphenated(at: Spot) -> bool:
    """Refuses a name the list writes with a hyphen before a lower-case part ("Snap-on") where
    the text has neither the hyphen nor a capital there: "downgrades Snap on ad market shift"
    is about Snap; "Snap-On", "Snap On EPS beats" are Snap-on."""
    doc, i = at.doc, at.i
    return any(
        doc.text[doc.spans[i + k - 1][1] : doc.spans[i + k][0]] not in _HYPHENS
        and doc.toks[i + k][0].islower()
        for k in at.e.hyphened
    )


def another_companys_ticker(at: Spot) -> bool:
    """Refuses a one-word name written as a listed ticker in ordinary text ("FLEX" for Flex):
    a bare upper-case ticker is not a name. In a line in capitals, capitals say nothing."""
    e, doc, first = at.e, at.doc, at.doc.toks[at.i]
    return (
        at.n == 1
        and first.isupper()
        and len(first) > 1
        and first in at.rows
        and not e.canon[0].isupper()
        and (first != e.symbol or e.plain)
        and not doc.line_style(doc.spans[at.i][0])[1]
    )


def ticker_in_brackets(at: Spot) -> bool:
    """Refuses a one-word name in brackets ("(PRA)"): that is a ticker, found as a ticker."""
    doc, (start, end) = at.doc, at.doc.spans[at.i]
    return at.n == 1 and start > 0 and doc.text[start - 1] == "(" and doc.text[end : end + 1] == ")"


def fund_named_after(at: Spot) -> bool:
    """Refuses a company's name that opens a fund's: "Apollo Tactical Income Fund"."""
    return bool(at.e.symbol) and _fund_follows(at.doc, at.j)


def unwanted_neighbour(at: Spot) -> bool:
    """Refuses a name next to a word its alias lists in not_followed_by / not_preceded_by
    ("Amazon rainforest", "Oracle of Omaha"): there the word is not the company."""
    if at.follow in at.e.not_followed_by and not at.possessive and not _stock_follows(at):
        return True
    return bool(at.prev) and at.prev in at.e.not_preceded_by


def person_name(at: Spot) -> bool:
    """Refuses a one-word name after a first name, an initial or a title ("Harrison Ford",
    "Michael J. Fox", "Mr. Ford"): it is a person's name."""
    return at.n == 1 and at.i > 0 and _after_person(at.doc, at.i)


def inside_longer_name(at: Spot) -> bool:
    """Refuses a one-word name that needs context, after a capitalised word that is not a
    descriptor, a determiner or a two-letter place ("US", "EU"): "Mississippi Delta",
    "Community Bancorp, Inc." are part of a longer name. Where capitals prove nothing this
    holds only for a name on the stop list."""
    e, doc, i = at.e, at.doc, at.i
    return (
        at.n == 1
        and at.plain_gap
        and not at.descriptor
        and (e.plain or e.rule != "name")
        and doc.toks[i - 1][:1].isupper()
        and not (doc.toks[i - 1].isupper() and len(doc.toks[i - 1]) <= 2)  # "US", "EU"
        and at.prev not in W.DETERMINERS
        and (e.rule == "suffix" or not doc.uninformative_caps(i))
    )


def opens_another_name(at: Spot) -> bool:
    """Refuses an ordinary-word name followed, mid-sentence, by a capitalised word that is not
    a market word: "Hawaiian Airlines", "Boston Fed" are other names."""
    doc, j = at.doc, at.j
    return (
        at.n == 1
        and at.e.rule == "cue"
        and not at.suffix
        and at.nxt == j
        and bool(at.follow)
        and doc.toks[j][:1].isupper()
        and at.follow not in W.CUE_NEXT
        and doc.text[doc.spans[j - 1][1] : doc.spans[j][0]] == " "
        and not doc.uninformative_caps(j)
    )


def _stop_list_name(at: Spot) -> int | None:
    """A name on the stop list ("Dow", "News") or a very short one counts with a legal suffix
    ("Dow Inc."), a descriptor before it ("chemicals maker Dow") or an unmistakable market word
    after it ("Ashland shares"); never alone."""
    if at.suffix:
        return at.nxt + 1
    if at.descriptor or (at.follow in W.STRONG_NEXT and not at.possessive):
        return at.j
    return None


def after_determiner(at: Spot) -> bool:
    """Refuses an ordinary-word name after "the", "a" or a number ("the Amazon", "40 Celsius"):
    a company's name takes no article."""
    return (
        (at.e.plain or at.e.rule == "cue")
        and not at.suffix
        and at.plain_gap
        and (at.prev in W.DETERMINERS or at.prev.isdigit())
        and not _stock_follows(at)
    )


def infinitive(at: Spot) -> bool:
    """Refuses an ordinary-word name after "to" ("move to block", "seeks to snap up"): a verb.
    A name of more words capitalised mid-sentence is no verb ("loses contract to Pilgrim's
    Pride"); one word capitalised there may still count in a list ("to Delta and American
    Airlines": Matcher._listed_with)."""
    return (
        at.bare_cue
        and at.prev == "to"
        and at.plain_gap
        and (at.n == 1 or at.doc.uninformative_caps(at.i))
    )


def event_name(at: Spot) -> bool:
    """Refuses an ordinary-word name that opens an event's name ("Presents At Southwest Ideas
    Investor Conference")."""
    return at.bare_cue and _event_follows(at.doc, at.j)


def lacks_context(at: Spot) -> bool:
    """Refuses an ordinary-word name without a business context. Where capitals prove nothing
    (sentence start, Title Case, capitals; for a name written in capitals, only a line in
    capitals) it needs a market word next to it, a price move after it, or to open the headline
    before a colon; elsewhere the line must read as business news. Such a name may still count
    in a list next to a company found for sure (Matcher._listed_with)."""
    if not at.bare_cue:
        return False
    e, doc, i, j = at.e, at.doc, at.i, at.j
    if e.canon[0].isupper() and len(e.canon[0]) > 1:
        caps_say_nothing = doc.line_style(doc.spans[i][0])[1]  # "GM" only in "GM ..."
    else:
        caps_say_nothing = doc.uninformative_caps(i)
    if caps_say_nothing and not _move_follows(doc, j):
        return not (at.follow in W.CUE_NEXT or at.prev in W.CUE_PREV or _topic(doc, i, j))
    return not doc.business()


# The refusals, in the order `accept` applies them (see its body for where each group runs).
_SHAPE_RULES = (wrong_case, unhyphenated, another_companys_ticker, ticker_in_brackets)
_NEIGHBOUR_RULES = (
    fund_named_after,
    unwanted_neighbour,
    person_name,
    inside_longer_name,
    opens_another_name,
)
_ORDINARY_WORD_RULES = (after_determiner, event_name)  # then `infinitive`, which may list


def _refused(at: Spot, rules: tuple[Callable[[Spot], bool], ...]) -> bool:
    for refuses in rules:
        if refuses(at):
            return True
    return False


def _ticker_after(at: Spot) -> bool | None:
    """After the name (and any legal suffix): its own ticker in brackets confirms it -> True
    ("Dana (DAN)"); another company's ticker refuses it -> False ("Great Elm Capital Group
    (GEC)" is not Great Elm Capital); none, or a phrase that is no company -> None."""
    if not at.e.symbol:
        return None
    return _ticker_follows(at.doc, at.j, at.e.symbol, at.rows)


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


def _ticker_follows(
    doc: Doc, j: int, symbol: str, rows: Mapping[str, tuple[str, str, str]]
) -> bool | None:
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
    row = rows.get(ticker)
    if row is not None and (row[2] == symbol or ticker == symbol):
        return True if k == j else None
    return False


def _stock_follows(at: Spot) -> bool:
    """The name, capitalised mid-sentence, is followed by what names a stock: "its Apple price
    target", "Target price target", "its Apple stake" (W.STOCK_AFTER)."""
    doc, k = at.doc, at.nxt
    if at.possessive or k >= len(doc.low) or doc.uninformative_caps(at.i):
        return False
    if doc.low[k] == "price":
        return k + 1 < len(doc.low) and doc.low[k + 1] in ("target", "targets", "objective")
    return doc.low[k] in W.STOCK_AFTER


def _move_follows(doc: Doc, j: int) -> bool:
    """A price move right after the name: "Comtech +18.5%", "Varonis -6% on..."."""
    return _MOVE.match(doc.text, doc.spans[j - 1][1]) is not None


def _topic(doc: Doc, i: int, j: int) -> bool:
    """The name opens the headline and a colon follows: "Skyworks: China Risk Caps Upside"."""
    return doc.sentence_start(i) and doc.text[doc.spans[j - 1][1] :].startswith(":")


def _fund_follows(doc: Doc, j: int) -> bool:
    """The capitalised words after the name end in Fund / Trust / ETF."""
    for k in range(j, min(j + 8, len(doc.toks))):
        tok = doc.toks[k]
        if doc.low[k] in W.FUND_WORDS:
            return k > j or not tok.islower()
        if not (tok[:1].isupper() or tok[:1].isdigit() or tok == "&"):
            return False
    return False


def _event_follows(doc: Doc, j: int) -> bool:
    """The capitalised words after the name end in Conference / Summit / Forum."""
    for k in range(j, min(j + 6, len(doc.toks))):
        if doc.low[k] in W.EVENTS:
            return True
        if not (doc.toks[k][:1].isupper() or doc.toks[k][:1].isdigit()):
            return False
    return False


def _after_person(doc: Doc, i: int) -> bool:
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
