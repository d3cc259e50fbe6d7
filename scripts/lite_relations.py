"""Made-up headlines where two or three companies meet in one event, each with its own label.

The joined examples (scripts/lite_data.py) put two companies in two clauses. Real headlines
often put them in one: "X takes share from Y", "Z picks X over Y", "Y must pay X", "analyst
upgrades X, downgrades Y". Real labelled ones are few, so this module writes them from
templates: a pattern with slots A, B, C, a label per slot, and fillers (amounts, products,
regulators, banks) drawn at random. Company names are the mentions of the training
headlines (SEntFiN train entities and TFNS rows naming one listed company), so no validation
or test text is used. Labels follow benchmarks/data/target_headlines.md's labelling rules
(the acquirer, the plaintiff, the customer who switches and the party ending a partnership
are neutral; the bank giving a rating is not labelled).

The patterns were written after reading the error list of the US validation set (the kinds
of event the model got wrong), never the US test set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from scripts.sentfin import Headline

P, N, Z = "positive", "negative", "neutral"  # Z: zero, no direction

# (pattern, labels of A, B, C); a slot not in the pattern is ignored.
PATTERNS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    # two clauses, price moves and results
    ("{A} {up} {pct} as {B} {down}", (P, N, Z)),
    ("{A} {down} {pct} while {B} {up} on {reason}", (N, P, Z)),
    ("{A} {beats}, {B} {misses}", (P, N, Z)),
    ("{A} {beats}; {B} {misses}, {C} {steady}", (P, N, Z)),
    ("{A} {up} after earnings; {B} {steady}", (P, Z, Z)),
    ("{A} {steady} as {B} {down} on {reason}", (Z, N, Z)),
    ("{A} {down}, {B} {up} after {reason}", (N, P, Z)),
    ("{A} {up}, {B} {down} in {market} stocks", (P, N, Z)),
    # rivals and market share
    ("{A} takes {market} market share from {B}", (P, N, Z)),
    ("{A} gains share at {B}'s expense in {market}", (P, N, Z)),
    ("{B} loses ground to {A} in {market}", (P, N, Z)),
    ("{A} overtakes {B} as top {market} seller", (P, N, Z)),
    ("{A}'s {product} outsells {B}'s for the first time", (P, N, Z)),
    ("{A}'s outage drives customers to {B}", (N, P, Z)),
    ("{B}'s loss is {A}'s gain as {product} demand shifts", (P, N, Z)),
    ("{A}'s {product} beats {B}'s in head-to-head trial", (P, N, Z)),
    # contracts, suppliers, customers
    ("{A} wins {contract} over {B}", (P, N, Z)),
    ("{B} loses {contract} to {A}", (P, N, Z)),
    ("{C} picks {A} over {B} for {contract}", (P, N, Z)),
    ("{C} drops {B} as {product} supplier, turns to {A}", (P, N, Z)),
    ("{C} shifts {product} orders from {B} to {A}", (P, N, Z)),
    ("{A} lands {C} {product} order, shares rise", (P, Z, Z)),
    ("{C} cancels {B} order; {B} {down}", (Z, N, Z)),
    ("{C} ends partnership with {B}", (Z, N, Z)),
    ("{B} loses {C} as a customer", (Z, N, Z)),
    ("{A} wins {C} supply deal", (P, Z, Z)),
    # lawsuits and rulings
    ("{A} sues {B} over {topic}", (Z, N, Z)),
    ("Court rules for {A} in {topic} fight with {B}", (P, N, Z)),
    ("Judge dismisses {B}'s suit against {A}", (P, N, Z)),
    ("{B} must pay {A} {amt}, jury finds", (P, N, Z)),
    ("{A} wins appeal against {B} over {topic}", (P, N, Z)),
    ("{B} loses {topic} case to {A}", (P, N, Z)),
    # deals
    ("{A} to buy {B} for {amt}", (Z, P, Z)),
    ("{A} agrees to acquire {B}; {B} shares jump", (Z, P, Z)),
    ("{A} to acquire {B}; {B} {up}, {A} {down}", (N, P, Z)),
    ("{A} walks away from {B} deal; {B} {down}", (Z, N, Z)),
    ("{A} ends talks to buy {B}", (Z, N, Z)),
    ("{A} wins bidding war for {B} as {C} walks away", (Z, P, Z)),
    ("{C} sells {B} stake", (Z, N, Z)),
    # analysts (the bank is not labelled)
    ("{bank} upgrades {A}, downgrades {B}", (P, N, Z)),
    ("{bank} raises {A} to buy, cuts {B} to sell", (P, N, Z)),
    ("{bank} swaps {B} for {A} as top pick", (P, N, Z)),
    ("{bank} starts {A} at outperform, {B} at neutral", (P, Z, Z)),
    ("{bank} raises price target on {A}, lowers it on {B}", (P, N, Z)),
    ("{bank} cuts {B} to underweight, names {A} its top pick", (P, N, Z)),
    ("{bank} keeps {C} at hold, downgrades {B}", (Z, N, Z)),
    # regulators
    ("{reg} opens probe into {B}; {A} shares rise", (P, N, Z)),
    ("{reg} approves {A}'s {product}, rejects {B}'s", (P, N, Z)),
    ("{reg} fines {B}, clears {A}", (P, N, Z)),
    ("{reg} bans {B}'s {product} sales; {C} spared", (Z, N, Z)),
    ("{reg} clears {A} {product}, a blow to {B}", (P, N, Z)),
    # same direction (controls, so the model does not learn "two companies = opposite")
    ("{A}, {B} slide on {reason}", (N, N, Z)),
    ("{A}, {B} win {contract}", (P, P, Z)),
    ("{A}, {B} rally after {reason}", (P, P, Z)),
    ("{A} and {B} announce {product} partnership", (Z, Z, Z)),
)

FILLERS: dict[str, tuple[str, ...]] = {
    "up": ("jumps", "rises", "rallies", "climbs", "surges", "gains", "soars", "pops", "advances"),
    "down": ("falls", "slides", "drops", "slumps", "tumbles", "sinks", "declines", "plunges"),
    "beats": ("beats estimates", "tops forecasts", "raises guidance", "posts record profit"),
    "misses": ("misses estimates", "cuts outlook", "posts surprise loss", "warns on sales"),
    "steady": ("holds steady", "is flat", "reaffirms guidance", "is unchanged"),
    "pct": ("2%", "3.5%", "5%", "7%", "9%", "12%", "18%"),
    "reason": ("weak guidance", "a price war", "strong demand", "rate worries", "tariff news",
               "a rating change", "quarterly results", "a chip shortage"),
    "market": ("cloud", "smartphone", "chip", "EV", "streaming", "retail", "search", "payments"),
    "product": ("chip", "drug", "phone", "battery", "software", "vaccine", "truck", "modem"),
    "contract": ("a $2 billion Army contract", "the NASA deal", "a cloud contract",
                 "the supply contract", "a state tender", "the defence order"),
    "topic": ("patents", "trade secrets", "licensing fees", "a supply dispute", "antitrust"),
    "amt": ("$180 million", "$1.2 billion", "$5 billion", "$400 million", "$15 billion"),
    "bank": ("Goldman Sachs", "Morgan Stanley", "JPMorgan", "Citi", "UBS", "Jefferies",
             "Wells Fargo", "Barclays", "Bernstein"),
    "reg": ("FDA", "SEC", "FTC", "EU", "Regulator", "SEBI", "CCI"),
}
_SLOT = re.compile(r"\{(A|B|C)\}")


# SEntFiN also labels markets, sectors, currencies and countries: not companies for a slot.
_NOT_A_COMPANY = re.compile(
    r"\b(stocks?|shares?|futures|bonds?|sector|market|markets|cap|index|indices|sensex|nifty"
    r"|rupee|dollar|yen|euro|yuan|won|gold|silver|oil|crude|copper|prices?|rates?|economy"
    r"|government|govt|ministry|rbi|fed|investors|traders|players|companies|firms|banks"
    r"|china|india|japan|us|uk|asia|asian|europe|global|world|year|yr|g-sec)\b",
    re.IGNORECASE,
)


def usable_names(headlines: Sequence[Headline]) -> list[str]:
    """Distinct company-like mentions of the given training headlines, fit for a slot: a
    capitalised name of 3-30 characters that is not a market, sector or currency."""
    seen: dict[str, str] = {}
    for h in headlines:
        for name, _ in h.entities:
            name = name.strip()
            if (
                3 <= len(name) <= 30
                and name[0].isupper()
                and not any(c in name for c in "{},;")
                and not _NOT_A_COMPANY.search(name)
            ):
                seen.setdefault(name.lower(), name)
    return sorted(seen.values())


def _distinct(rng: random.Random, names: Sequence[str], k: int) -> list[str] | None:
    picked = rng.sample(names, k)
    low = [n.lower() for n in picked]
    if any(a != b and a in b for a in low for b in low):
        return None
    return picked


def _first_is_whole_word(title: str, name: str) -> bool:
    """The name's first place in the title (where it is marked) is a word of its own."""
    at = title.lower().find(name.lower())
    end = at + len(name)
    return (at == 0 or not title[at - 1].isalnum()) and (
        end == len(title) or not title[end].isalnum()
    )


def relation_headlines(names: Sequence[str], count: int, seed: int) -> list[Headline]:
    """`count` made-up headlines, each naming its companies once first (located by name)."""
    rng = random.Random(seed)
    out: list[Headline] = []
    while len(out) < count:
        pattern, labels = rng.choice(PATTERNS)
        slots = sorted(set(_SLOT.findall(pattern)))
        picked = _distinct(rng, names, len(slots))
        if picked is None:
            continue
        fill = {k: rng.choice(v) for k, v in FILLERS.items()}
        fill.update(dict(zip(slots, picked, strict=True)))
        title = pattern.format(**fill)
        if not all(_first_is_whole_word(title, name) for name in picked):
            continue
        entities = tuple(
            (fill[slot], labels["ABC".index(slot)])
            for slot in sorted(slots, key=lambda s: pattern.index("{" + s + "}"))
        )
        out.append(Headline(title, entities))
    return out
