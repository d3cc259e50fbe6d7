"""Roles: is a bank or broker in a headline the news, or the analyst commenting on it?

"Morgan Stanley upgrades Nvidia": Morgan Stanley is the analyst, Nvidia the subject. "Morgan
Stanley profit jumps": Morgan Stanley is the subject. Only companies listed as analysts in
aliases.json ("analysts") can take the analyst role; every other match is a subject. A bank is
the analyst when, in the headline:

- its name is followed by a research noun: "JPMorgan analysts", "Citi strategists", "BofA
  Securities", "Evercore ISI";
- it does what analysts do: upgrades, downgrades, initiates, reiterates...; or cuts / raises /
  lifts / starts / names... with a company or a rating or target word after it in the same
  clause ("Goldman cuts Tesla to sell", "JPMorgan raises Microsoft target"; but "Goldman cuts
  3,000 jobs" and "Wells Fargo lifted after asset cap removal; Citigroup falls" are news, and
  in "Goldman Sachs cut to neutral at JPMorgan" the call is on Goldman);
- it forecasts or speaks, not of itself: "Goldman expects the Fed to cut" (but "Citi says it
  will exit Mexico" is news);
- a call is made "at" / "by" / "from" it: "Apple downgraded at Barclays", "after a downgrade
  from UBS";
- the headline is attributed to it: "... - Morgan Stanley", "...: Bank of America", "according
  to Citi", "Morgan Stanley: the S&P 500 will...";
- one of its people talks markets: "BofA's Hartnett: don't expect upside in stocks".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from engine.symbols import words as W
from engine.symbols.doc import Doc

Role = Literal["subject", "analyst"]

_SKIP_AFTER = frozenset({"capital", "markets", "global", "research", "securities", "isi", "&"})
_ATTRIBUTION = frozenset("-:—–|(")


@dataclass(frozen=True, slots=True)
class Hit:
    start: int  # chars in the (entity-decoded) text
    end: int
    symbol: str
    how: str
    tok_start: int  # tokens
    tok_end: int


def assign_roles(
    doc: Doc,
    hits: Sequence[Hit],
    analysts: frozenset[str],
    primary_of: Callable[[str], str | None],
) -> list[Role]:
    roles: list[Role] = ["subject"] * len(hits)
    if not analysts:
        return roles
    marked = any(t in W.ANALYST_MARKERS for t in doc.low)
    for k, hit in enumerate(hits):
        if (primary_of(hit.symbol) or hit.symbol) in analysts and _is_analyst(doc, hits, k, marked):
            roles[k] = "analyst"
    return roles


_WINDOW = 12  # tokens after a bank's verb that can hold its object
_CLAUSE_BREAK = re.compile(r"[;!?|—–]|[:,]\s|(?<!\b[A-Z])\.\s|\s-\s")
_AFTER_RATING = frozenset({"at", "from", "on", "rating"})
# The words of a rating change after its verb: "cut to neutral from buy", "started at buy".
_RATING_WORDS = (
    W.ANALYST_MARKERS
    | W.ANALYST_PREPS
    | {"to"}
    | {w for r in W.POSITIVE_RATINGS | W.NEUTRAL_RATINGS | W.NEGATIVE_RATINGS for w in r.split()}
)


def _is_analyst(doc: Doc, hits: Sequence[Hit], k: int, marked: bool) -> bool:
    hit = hits[k]
    low, toks = doc.low, doc.toks
    count = len(low)
    i, j = hit.tok_start, hit.tok_end
    nxt = j
    possessive = doc.possessive_at(nxt)
    if possessive:
        nxt += 1
    if nxt < count and low[nxt] in W.ANALYST_NOUNS:
        return True  # "JPMorgan analysts", "BofA Securities", "Piper Jaffray PT cut"
    if nxt + 1 < count and low[nxt] in W.ANALYST_WORKS and low[nxt + 1] in W.ANALYST_WORKS_VERBS:
        return True  # "UBS report says"
    if any(t in W.EVENTS for t in low[j : j + 6]) and all(
        toks[m][:1].isupper() or toks[m][:1].isdigit() for m in range(j, _first(low, W.EVENTS, j))
    ):
        return True  # "... Presents At Barclays Global Automotive Conference": the host
    while nxt < count and low[nxt] in _SKIP_AFTER:
        nxt += 1
    verb = low[nxt] if nxt < count else ""
    if possessive:
        if any(t in W.ANALYST_MARKERS or t in W.ANALYST_NOUNS for t in low[nxt : nxt + 3]):
            return True  # "Goldman's Conviction List", "Barclays' price target"
        later = any(h.symbol != hit.symbol for h in hits[k + 1 : k + 4])
        if nxt < count and toks[nxt][:1].isupper() and not later:
            if any(t in W.MACRO for t in low[nxt + 1 : nxt + 1 + _WINDOW]):
                return True  # "BofA's Hartnett: don't expect upside in stocks"
    elif verb:
        if verb in W.ANALYST_VERBS:
            return True
        if verb in W.ANALYST_SAYS and not any(t in W.SELF_WORDS for t in low[nxt + 1 : nxt + 3]):
            return True
        if verb in W.ANALYST_ACTIONS and _acts_on(doc, hits, k, nxt):
            return not _rated_by(doc, hits, k, nxt)
    # "downgraded at Barclays", "cut at Credit Suisse, J.P. Morgan": a call made by the bank
    for m in range(i - 1, max(-1, i - 6), -1):
        if low[m] in W.ANALYST_PREPS:
            if marked:
                return True
            if (
                m > 0
                and low[m - 1] in W.ANALYST_ACTIONS
                and any(
                    h.tok_end <= m - 1 for h in hits[max(0, k - 3) : k] if h.symbol != hit.symbol
                )
            ):
                return True  # "Cemex cut at Credit Suisse": a company cut by the bank
            break
        if not (toks[m][:1].isupper() or low[m] in ("&", "and") or toks[m].isdigit()):
            break
    if i > 1 and low[i - 1] == "to" and low[i - 2] == "according":
        return True
    if _attributed(doc, hit, nxt if possessive else j):
        return True
    if i == 0 or doc.sentence_start(i):
        after = doc.text[hit.end : hit.end + 2]
        if after.startswith(":") and not any(t in W.SELF_WORDS for t in low[j : j + _WINDOW]):
            return True  # "Morgan Stanley: The S&P 500 will fail to break out"
    return False


def _acts_on(doc: Doc, hits: Sequence[Hit], k: int, verb: int) -> bool:
    """The bank's verb at token `verb` acts, in its own clause, on another company ("Goldman cuts
    Tesla to sell", "Nomura points to weak bookings at Carnival") or on a rating or target
    ("UBS raises price target on..."). In "Wells Fargo lifted after asset cap removal; Citigroup
    falls" the clause ends at "after": the bank is the news."""
    low = doc.low
    end = min(_clause_end(doc, verb), verb + 1 + _WINDOW)
    for m in range(verb + 1, end):
        if low[m] in W.ANALYST_MARKERS and _is_call(low, m, end):
            return True  # "... price target", "to overweight", "cuts to Hold"
    return any(h.symbol != hits[k].symbol and verb < h.tok_start < end for h in hits[k + 1 : k + 4])


def _rated_by(doc: Doc, hits: Sequence[Hit], k: int, verb: int) -> bool:
    """The bank's verb is a passive one, a call made at / by another company right after it or
    after a rating: "Goldman Sachs cut to neutral at JPMorgan", "Morgan Stanley lifted by Wells
    Fargo". The bank is what the call is on; the other one is the analyst (but "Nomura points
    to weaker bookings at Carnival" is Nomura's call on Carnival)."""
    low = doc.low
    starts = {h.tok_start for h in hits[k + 1 :] if h.symbol != hits[k].symbol}
    for m in range(verb + 1, min(len(low) - 1, verb + 1 + _WINDOW)):
        if low[m] in W.ANALYST_PREPS and m + 1 in starts:
            return True
        if low[m] not in _RATING_WORDS:
            return False
    return False


def _is_call(low: list[str], m: int, end: int) -> bool:
    """Whether the marker at `m` is a rating call: "to sell" is one only where the clause ends or
    a rating follows ("cuts to Hold", "to sell from neutral"), not "moves to sell its unit"."""
    if low[m] not in W.RATING_VERBS or low[m - 1] != "to":
        return True
    return m + 1 >= end or low[m + 1] in _AFTER_RATING


def _clause_end(doc: Doc, m: int) -> int:
    """The token where the clause holding token `m` ends: at a clause's punctuation (";", ", ",
    ": ", " - ", a full stop) or a conjunction ("after", "as", "while"...); else the text's end."""
    brk = _CLAUSE_BREAK.search(doc.text, doc.spans[m][1])
    stop = brk.start() if brk else len(doc.text)
    for t in range(m + 1, len(doc.low)):
        if doc.spans[t][0] >= stop or doc.low[t] in W.CLAUSE_WORDS:
            return t
    return len(doc.low)


def _first(low: list[str], words: frozenset[str], start: int) -> int:
    for m in range(start, len(low)):
        if low[m] in words:
            return m
    return len(low)


def _attributed(doc: Doc, hit: Hit, rest: int) -> bool:
    """The headline ends with the bank as its source: "... - Morgan Stanley", "...: BofA",
    "... - Morgan Stanley's Wilson"."""
    i = hit.tok_start
    if i == 0:
        return False
    if any(not doc.toks[m][:1].isupper() for m in range(rest, min(rest + 3, len(doc.toks)))):
        return False
    if len(doc.toks) - rest > 2:
        return False
    gap = doc.text[doc.spans[i - 1][1] : hit.start]
    return any(c in _ATTRIBUTION for c in gap)
