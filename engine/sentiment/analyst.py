"""Analyst actions in a headline, and their direction for each company acted on.

"Goldman names Chipotle its favorite restaurant stock" is good news for Chipotle although a
sentiment model reads it as neutral. `analyst_call(title, subject, matches)` reads the headline
by rule and says which analyst action, if any, applies to `subject`:

- rating changes: "Morgan Stanley downgrades Tesla to underweight", "Apple upgraded to buy at
  Jefferies", "JPMorgan raises Nvidia to overweight", "Tesla cut to sell at UBS", "Piper moves
  Disney to neutral from overweight" (up or down by the two ratings), a credit rating agency's
  ("S&P downgrades Boeing's credit rating": negative, "credit rating downgrade");
- price targets: "Goldman lifts its Nvidia price target", "Nike price target cut at Barclays";
- initiations: "Bernstein initiates Netflix at outperform" (the rating says the direction: buy
  positive, hold / neutral / equal weight / market perform neutral, sell / underperform
  negative); "coverage initiated" without a rating is neutral;
- reiterations: "Wedbush reiterates outperform on Apple" (by the rating);
- lists: top pick, favorite stock, best idea, conviction / focus list ("adds X to ...",
  "X named top pick at Citi", "X is Goldman's top pick"); removal from one is negative;
- nouns: "Intel falls after downgrade", "Nvidia rises after Morgan Stanley upgrade".

Who acts comes from the extractor's roles (engine/symbols/roles.py decides when a bank is the
analyst) or, for brokers not in the ticker list, from the capitalised words before the verb
("Bernstein", "Loop Capital") or after "at" / "by" / "from". A company doing the verb itself is
no analyst action: "Tesla cuts prices", "Apple upgrades iPhone cameras", "Goldman cuts jobs".
The verb's objects are the companies after it in its clause ("Barclays upgrades Ford, GM"), or,
for a passive, those just before it ("Ford, GM upgraded at Barclays"); a call that names no
company ("Apple rallies as analysts raise targets") goes to the nearest company in its sentence.
When several calls reach one company, a rating change or initiation wins over a list, a list
over a price target, a price target over a reiteration ("reiterates buy, cuts target": cut).

Not read: buy / sell advice without an analyst's verb ("Buy Apple, says Goldman"), opinions
("Goldman bullish on Apple"), price targets set without a direction ("sets $300 target").

Cost: one pass over the tokens, then a bounded window (at most `_WINDOW` tokens) around each
action word. No regular expression here; the extractor's token pattern has no nested
repetition, so a 20,000-character title costs time in proportion to its length.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from engine.models import SymbolMatch
from engine.sentiment.analyst_meaning import (
    What,
    from_before,
    meaning,
    rating_after,
    updown,
)
from engine.sentiment.analyst_text import (
    COLON,
    COMMA,
    HARD,
    NONE,
    Direction,
    Head,
    Occ,
    list_at,
)
from engine.sentiment.analyst_words import (
    ACTIVE_NEXT,
    ACTOR_WORDS,
    BACK_FILLERS,
    GENERIC,
    NOUN_ADJ,
    NOUN_LEADS,
    TARGETS,
    VERBS,
    Fam,
)
from engine.symbols import words as W

_WINDOW = 14  # tokens after an action word that can hold its object and its rating


@dataclass(frozen=True)
class AnalystCall:
    """An analyst's action on one company: its direction for that company, a short phrase for
    users ("upgrade", "price target cut", "initiated at hold", "top pick") and who acted, as
    written ("Goldman", "Morgan Stanley"; "" when unnamed)."""

    direction: Direction
    action: str
    analyst: str


@dataclass(frozen=True, slots=True)
class _Act:
    at: int  # token of the action word
    priority: int  # 3 rating / initiation, 2 list, 1 price target, 0 reiteration
    direction: Direction
    action: str
    analyst: str
    objects: tuple[Occ, ...]  # () when its grammar names no company


def analyst_call(
    title: str, subject: SymbolMatch, matches: Sequence[SymbolMatch]
) -> AnalystCall | None:
    """The analyst action on `subject` (one of `matches`, the extractor's finds in `title`),
    or None when no analyst action applies to that company."""
    if not isinstance(title, str) or not title.strip() or not isinstance(subject, SymbolMatch):
        return None
    found = tuple(m for m in matches or () if isinstance(m, SymbolMatch))
    for symbol, call in _calls(title, found):
        if symbol == subject.symbol:
            return call
    return None


@functools.lru_cache(maxsize=256)
def _calls(title: str, matches: tuple[SymbolMatch, ...]) -> tuple[tuple[str, AnalystCall], ...]:
    """Every company's call in the headline (read once for all its companies)."""
    head = Head(title, matches)
    acts, used = _verbs(head)
    acts += _nouns(head, used)
    named: dict[int, str] = {}  # per sentence: the first analyst a call names
    for act in acts:
        if act.analyst:
            named.setdefault(head.seg[act.at], act.analyst)
    best: dict[str, tuple[tuple[int, int], AnalystCall]] = {}
    for act in acts:
        seg = head.seg[act.at]
        analyst = act.analyst or named.get(seg) or head.seg_analyst.get(seg, "")
        call = AnalystCall(act.direction, act.action, analyst)
        for symbol in {o.symbol for o in act.objects or _nearest(head, act.at)}:
            rank = (-act.priority, act.at)
            if symbol not in best or rank < best[symbol][0]:
                best[symbol] = (rank, call)
    return tuple((s, c) for s, (_, c) in best.items())


# -- verbs -------------------------------------------------------------------------------


def _verbs(h: Head) -> tuple[list[_Act], set[int]]:
    acts: list[_Act] = []
    used: set[int] = set()
    for v in range(h.n):
        entry = VERBS.get(h.word(v))
        if entry is None:
            continue
        act, what = _read_verb(h, v, entry[0], entry[1], acts)
        if act is not None:
            acts.append(act)
            used.update(range(*what.used))
    return acts, used


def _read_verb(
    h: Head, v: int, fam: Fam, forms: str, before: list[_Act]
) -> tuple[_Act | None, What]:
    none = What(0, "neutral", "", False)
    after_target = h.word(v - 1) in TARGETS and h.gap[v] == NONE  # "price target cut"
    if "a" in forms and not after_target:
        kind, name = _actor(h, v, before)
        found = _active(h, v, fam, kind, name)
        if found is not None:
            return found
        if kind == "company" and "p" not in forms:
            return None, none  # the company's own doing: "Tesla cuts prices"
    if "p" in forms:
        return _passive(h, v, fam)
    if "n" in forms:
        return _noun(h, v, fam), none
    return None, none


def _active(h: Head, v: int, fam: Fam, kind: str, name: str) -> tuple[_Act, What] | None:
    """The verb at v done by `kind` ("analyst", "named", "generic", "company", "none") on the
    companies after it, if it is an analyst's action."""
    end, objs = _forward(h, v)
    what = meaning(h, v, fam, v + 1, end, (v, v), objs, kind == "analyst")
    if what is None:
        return None
    if kind == "company":
        # a company acting on another with an analyst's verb or words is a bank the extractor
        # calls a subject because it is news elsewhere ("Goldman upgrades Apple; Goldman
        # shares fall"); with nothing of the kind it is the company's own doing
        if not objs or not (what.marked or fam in (Fam.UP, Fam.DOWN)):
            return None
    elif not objs and (not (what.marked or kind == "analyst") or _names_other(h, v + 1, end)):
        return None  # "Goldman raises S&P 500 target": a call on no company of ours
    return _Act(v, *_call(what), name or _analyst_after(h, v + 1, end), objs), what


def _call(what: What) -> tuple[int, Direction, str]:
    return what.priority, what.direction, what.action


def _actor(h: Head, v: int, before: list[_Act]) -> tuple[str, str]:
    """Who does the verb at v: ("analyst" | "named" | "generic" | "company" | "none", name)."""
    if h.gap[v] == COMMA:  # "Barclays upgrades Ford, downgrades GM": the same actor
        last = before[-1] if before else None
        if last is not None and h.seg[last.at] == h.seg[v]:
            return "analyst", last.analyst
        first = h.seg_start[h.seg[v]]
        return ("company", "") if h.company(first) else ("none", "")
    k, generic = v - 1, False
    while k >= 0 and h.gap[k + 1] == NONE and h.word(k) in ACTOR_WORDS:
        generic = generic or h.word(k) in GENERIC
        k -= 1
    if k < 0 or h.gap[k + 1] != NONE:
        return ("generic" if generic else "none"), ""
    if h.possessive(k) and h.analyst_at(k - 1):
        k -= 1  # "Goldman's analysts"
    occ = h.owner[k]
    if occ is not None:
        return ("analyst" if occ.role == "analyst" else "company"), occ.text
    named = h.name_before(k)
    if named is not None:
        return "named", named[1]
    return ("generic" if generic else "none"), ""


def _names_other(h: Head, a: int, b: int) -> bool:
    """A name that is no company of the list stands in a..b: the call is on it ("raises S&P
    500 target", "cuts Rivian target")."""
    return any(h.other_name(k) for k in range(a, b))


def _forward(h: Head, v: int) -> tuple[int, tuple[Occ, ...]]:
    """Where the clause of the verb at v ends (within `_WINDOW`), and the companies it acts on:
    the first after it and any listed with it ("upgrades Ford, GM and Tesla")."""
    objs: list[Occ] = []
    linked = closed = False
    k = v + 1
    while k < h.n and k - v <= _WINDOW:
        gap, occ, w = h.gap[k], h.company(k), h.word(k)
        if gap > COMMA or (gap == COMMA and not (objs and (occ or w in ("and", "&")))):
            break  # a comma goes on only with a list of the companies acted on
        if occ is not None:
            if not closed and (not objs or linked):
                objs.append(occ)
                linked = True
            k = occ.b
            continue
        if w in W.CLAUSE_WORDS or (
            w in VERBS and h.word(k - 1) != "to" and h.word(k - 1) not in TARGETS
        ):
            break
        if w not in ("and", "&") and h.owner[k] is None:
            closed = closed or bool(objs)
            linked = False
        k += 1
    return k, tuple(objs)


def _passive(h: Head, v: int, fam: Fam) -> tuple[_Act | None, What]:
    """ "Apple upgraded to buy at Jefferies", "Ford, GM cut at Barclays", "Nike price target cut"
    (the object before the word), or with no company before it ("after being downgraded")."""
    none = What(0, "neutral", "", False)
    k = v - 1
    while k >= 0 and v - k <= 5 and h.gap[k + 1] == NONE and _filler(h, k):
        k -= 1
    back = (k + 1, v)
    objs = _listed_before(h, k) if k >= 0 and h.gap[k + 1] == NONE else ()
    if (
        objs
        and h.gap[v + 1 : v + 2] == [NONE]
        and (h.word(v + 1) in ACTIVE_NEXT or h.company(v + 1))
    ):
        return None, none  # "Apple upgraded its iPhone": the company did it
    end, _ = _forward(h, v)
    what = meaning(h, v, fam, v + 1, end, back, objs, False)
    analyst = _analyst_after(h, v + 1, end)
    if what is None and fam in (Fam.RAISE, Fam.LOWER) and objs and analyst:
        up = fam == Fam.RAISE
        what = What(3, "positive" if up else "negative", updown(up), True)  # "cut at UBS"
    if what is None:
        return None, none
    if not (objs or what.marked or analyst or h.word(k) in NOUN_LEADS):
        return None, none
    return _Act(v, *_call(what), analyst, objs), what


def _filler(h: Head, k: int) -> bool:
    w = h.word(k)
    if w in BACK_FILLERS or (w and h.rating_at(k) is not None):
        return True
    s, e = h.doc.spans[k]
    return h.owner[k] is None and h.text[s - 1 : s] == "(" and h.text[e : e + 1] == ")"


def _listed_before(h: Head, k: int) -> tuple[Occ, ...]:
    """The company ending at token k and those listed before it ("Ford, GM and Tesla")."""
    occ = h.company(k)
    out: list[Occ] = []
    while occ is not None and len(out) < 50:
        out.append(occ)
        a = occ.a
        if h.gap[a] == COMMA:
            occ = h.company(a - 1)
        elif h.gap[a] == NONE and h.word(a - 1) in ("and", "&") and h.gap[a - 1] <= COMMA:
            occ = h.company(a - 2)
        else:
            occ = None
    return tuple(reversed(out))


# -- nouns -------------------------------------------------------------------------------


def _noun(h: Head, v: int, fam: Fam) -> _Act | None:
    """ "after Morgan Stanley upgrade", "gets a downgrade from UBS", "Downgrade: ..."."""
    if fam not in (Fam.UP, Fam.DOWN):
        return None
    k = v - 1
    while k >= 0 and h.gap[k + 1] == NONE and h.word(k) in NOUN_ADJ:
        k -= 1
    lead = h.gap[k + 1] == NONE and (h.word(k) in NOUN_LEADS or h.analyst_at(k) is not None)
    if h.possessive(k) and h.analyst_at(k - 1):
        lead, k = True, k - 1
    end, _ = _forward(h, v)
    after = _analyst_after(h, v + 1, end)
    heading = (v == 0 or h.gap[v] == HARD) and v + 1 < h.n and h.gap[v + 1] == COLON
    to = rating_after(h, v + 1, end, ("to",))
    if not (lead or after or heading or to):
        return None
    up = fam == Fam.UP
    by = h.analyst_at(k)
    analyst = after or (by.text if by is not None else "")
    return _Act(v, 3, "positive" if up else "negative", updown(up), analyst, ())


def _nouns(h: Head, used: set[int]) -> list[_Act]:
    """List words no verb took: "Nvidia is Morgan Stanley's top pick", "Apple falls off
    Goldman's conviction list"."""
    acts: list[_Act] = []
    k = 0
    while k < h.n:
        mark = list_at(h, k) if k not in used else None
        if mark is None:
            k += 1
            continue
        start = mark.start
        off = from_before(h, max(0, start - 4), start)
        direction, action = mark.removed if off else mark.on
        analyst = _possessor(h, start - 1)
        end, _ = _forward(h, mark.end - 1)
        analyst = analyst or _analyst_after(h, mark.end, end)
        acts.append(_Act(start, 2, direction, action, analyst, ()))
        k = max(mark.end, k + 1)
    return acts


# -- who and whom ------------------------------------------------------------------------


def _possessor(h: Head, k: int) -> str:
    """The analyst whose "'s" is token k: "Goldman's top pick", "Leerink's top pick"."""
    if not h.possessive(k):
        return ""
    by = h.analyst_at(k - 1)
    if by is not None:
        return by.text
    named = h.name_before(k - 1) if h.owner[k - 1] is None else None
    return named[1] if named is not None else ""


def _analyst_after(h: Head, a: int, end: int) -> str:
    """The analyst named after "at" / "by" / "from" in a..end: "cut at UBS", "initiated at
    outperform by Wedbush"."""
    for k in range(a, min(end + 1, h.n - 1)):
        if h.word(k) in W.ANALYST_PREPS:
            occ = h.analyst_at(k + 1)
            if occ is not None:
                return occ.text
            if h.company(k + 1) is None:
                name = h.name_after(k + 1)
                if name:
                    return name
    return ""


def _nearest(h: Head, at: int) -> tuple[Occ, ...]:
    """For a call that names no company: the nearest company in its sentence, before it if
    any, else after it, with those listed with it; or the one company known only from the
    feed's tags when the text names none."""
    if not h.subjects:
        if len(h.unlocated) == 1:
            return (Occ(h.unlocated[0], "subject", -1, -1, ""),)
        return ()
    k = bisect.bisect_left(h.subject_starts, at)  # subjects[k] is the first after `at`
    if k > 0 and h.seg[h.subjects[k - 1].a] == h.seg[at]:
        return _listed_before(h, h.subjects[k - 1].b - 1)
    if k < len(h.subjects) and h.seg[h.subjects[k].a] == h.seg[at]:
        return (h.subjects[k],)
    return ()
