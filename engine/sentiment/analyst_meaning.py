"""What an analyst's action word does (engine/sentiment/analyst.py): read from the words in
its window, which call it is, its direction and the phrase users see.

"cuts Tesla to sell" is a downgrade, "cuts its Tesla price target" a price target cut, "adds
Apple to the conviction list" a list call, "initiates Netflix at hold" an initiation at a
neutral rating, "reiterates buy" a reiteration. Each call has a priority: when several reach
one company, a rating change or initiation (3) wins over a list (2), a list over a price target
(1), a price target over a reiteration (0).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.sentiment.analyst_text import NONE, Direction, Head, ListMark, Occ, Rating, list_at
from engine.sentiment.analyst_words import (
    BARE_FOLLOW,
    CREDIT,
    RATING_LEADS,
    STRONG_INIT,
    TARGETS,
    Fam,
)

_LOOK_BACK = 24  # tokens before a list verb where the list it adds to may be named


@dataclass(frozen=True, slots=True)
class What:
    priority: int
    direction: Direction
    action: str
    marked: bool  # a rating, target, list or credit word said so (not the verb alone)
    used: tuple[int, int] = (0, 0)  # tokens of a list phrase it took


def meaning(
    h: Head,
    v: int,
    fam: Fam,
    a: int,
    end: int,
    back: tuple[int, int],
    objs: tuple[Occ, ...],
    by_analyst: bool,
) -> What | None:
    """What the action word at v does, read from its window a..end and the words `back`
    before it ("price target cut", "buy rating reiterated")."""
    mark = _list_in(h, a, end)
    if mark is not None and fam not in (Fam.DOWN, Fam.LOWER, Fam.REMOVE):
        return What(2, *mark.added, True, (mark.start, mark.end))
    if mark is not None and (fam == Fam.REMOVE or from_before(h, a, mark.start)):
        return What(2, *mark.removed, True, (mark.start, mark.end))
    if mark is None and fam in (Fam.ADD, Fam.REMOVE):
        # the list named earlier in the sentence: "removes Apple from its list, adds Tesla"
        earlier = _list_in(h, max(h.seg_start[h.seg[v]], v - _LOOK_BACK), v)
        if earlier is not None:
            return What(2, *(earlier.added if fam == Fam.ADD else earlier.removed), True)
    words = {h.word(k) for k in (*range(a, end), *range(*back))}
    to = rating_after(h, a, end, ("to",))
    credit = "credit " if words & CREDIT or (to is not None and to.text == "junk") else ""
    if fam in (Fam.UP, Fam.DOWN):
        up = fam == Fam.UP
        change = f"{credit}rating {'upgrade' if up else 'downgrade'}" if credit else ""
        return What(3, "positive" if up else "negative", change or updown(up), bool(credit))
    if fam in (Fam.RAISE, Fam.LOWER):
        up = fam == Fam.RAISE
        sign: Direction = "positive" if up else "negative"
        if to is not None or credit:
            label = f"{credit}rating {updown(up)}" if credit else updown(up)
            return What(3, sign, label, True)
        if words & TARGETS:
            return What(1, sign, f"price target {'raised' if up else 'cut'}", True)
        if by_analyst and objs and _bare_ok(h, objs[-1]):
            return What(3, sign, updown(up), False)  # "UBS cuts Tesla"
        return None
    if fam == Fam.MOVE and to is not None:
        return _moved(to, rating_after(h, a, end, ("from",)))
    rating = rating_after(h, a, end, RATING_LEADS, v) or _rating_in(h, *back)
    if fam == Fam.INIT:
        if rating is not None:
            return What(3, rating.direction, f"initiated at {rating.text}", True)
        if "coverage" in words or h.word(v) in STRONG_INIT:
            return What(3, "neutral", "coverage initiated", "coverage" in words)
    if fam == Fam.REIT and rating is not None:
        return What(0, rating.direction, f"{rating.text} reiterated", True)
    return None


def updown(up: bool) -> str:
    return "upgrade" if up else "downgrade"


def _moved(to: Rating, frm: Rating | None) -> What:
    if frm is not None and frm.rank != to.rank:
        up = to.rank > frm.rank
        return What(3, "positive" if up else "negative", updown(up), True)
    return What(3, to.direction, f"moved to {to.text}", True)


def rating_after(
    h: Head, a: int, end: int, leads: frozenset[str] | tuple[str, ...], verb: int = -1
) -> Rating | None:
    """The first rating in a..end after one of `leads` ("to sell", "at outperform", "with a
    buy rating"), or right after the verb ("reiterates buy")."""
    for k in range(a, end):
        prev = k - 1
        if prev == verb or h.word(prev) in leads or h.word(k + 1) == "rating":
            rating = h.rating_at(k)
            if rating is not None:
                return rating
    return None


def _rating_in(h: Head, a: int, b: int) -> Rating | None:
    for k in range(a, b):
        rating = h.rating_at(k)
        if rating is not None:
            return rating
    return None


def _bare_ok(h: Head, occ: Occ) -> bool:
    """After "UBS cuts Tesla" nothing says it cut something else of Tesla's ("UBS cuts Tesla
    stake" is not a call): the clause ends or a word such as "to", "on", "after" follows."""
    k = occ.b
    return k >= h.n or h.gap[k] != NONE or h.word(k) in BARE_FOLLOW


def _list_in(h: Head, a: int, end: int) -> ListMark | None:
    for k in range(a, end):
        mark = list_at(h, k)
        if mark is not None:
            return mark
    return None


def from_before(h: Head, a: int, b: int) -> bool:
    return any(h.word(k) in ("from", "off") for k in range(max(a, b - 6), b))
