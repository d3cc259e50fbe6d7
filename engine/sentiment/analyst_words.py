"""The words of analyst actions (engine/sentiment/analyst.py), kept apart to read as data.

Ratings and the words the extractor shares (prepositions naming the analyst, clause words)
live in engine/symbols/words.py; these are the verbs, nouns and list phrases of the actions.
"""

from __future__ import annotations

import enum


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class Fam(enum.Enum):
    UP = "up"  # upgrade
    DOWN = "down"  # downgrade
    RAISE = "raise"  # a rating or target raised
    LOWER = "lower"  # cut
    MOVE = "move"  # moved to a rating: up or down by the ratings
    INIT = "init"  # coverage started
    REIT = "reit"  # rating kept
    ADD = "add"  # put on a list
    REMOVE = "remove"  # taken off one


# Forms: a = active ("UBS cuts Tesla"), p = passive ("Tesla cut at UBS"), n = noun ("after
# downgrade"). Past forms are read as active after an analyst, passive after a company.
_TABLE: tuple[tuple[Fam, str, str], ...] = (
    (Fam.UP, "an", "upgrade upgrades upgrading"),
    (Fam.UP, "ap", "upgraded"),
    (Fam.DOWN, "an", "downgrade downgrades downgrading"),
    (Fam.DOWN, "ap", "downgraded"),
    (Fam.RAISE, "a", "raise raises raising lift lifts lifting boost boosts boosting hikes ups"),
    (Fam.RAISE, "a", "bumps increases"),
    (Fam.RAISE, "ap", "raised lifted boosted hiked upped bumped increased"),
    (Fam.RAISE, "p", "hike increase bump"),  # "price target hike"
    (Fam.LOWER, "a", "cuts cutting lowers lowering trims trimming slashes slashing reduces"),
    (Fam.LOWER, "a", "lower trim slash chops"),
    (Fam.LOWER, "ap", "cut lowered trimmed slashed reduced chopped"),
    (Fam.LOWER, "p", "reduction"),
    (Fam.MOVE, "a", "moves move shifts switches puts"),
    (Fam.MOVE, "ap", "moved shifted switched put"),
    (Fam.INIT, "a", "initiate initiates initiating reinitiates starts start begins launches"),
    (Fam.INIT, "a", "resumes reinstates assumes"),
    (Fam.INIT, "ap", "initiated reinitiated started began launched resumed reinstated assumed"),
    (Fam.REIT, "a", "reiterate reiterates reaffirms maintains keeps retains repeats"),
    (Fam.REIT, "ap", "reiterated reaffirmed maintained kept retained repeated"),
    (Fam.ADD, "a", "add adds names picks places includes"),
    (Fam.ADD, "ap", "added named picked placed included"),
    (Fam.REMOVE, "a", "remove removes drops deletes pulls takes"),
    (Fam.REMOVE, "ap", "removed dropped deleted pulled taken"),
)
VERBS: dict[str, tuple[Fam, str]] = {
    w: (fam, forms) for fam, forms, text in _TABLE for w in text.split()
}

# Verbs that start coverage whatever follows ("Bernstein initiates Netflix"); "starts" and
# "launches" need a rating or "coverage".
STRONG_INIT = _words("initiate initiates initiated initiating reinitiates reinitiated")

TARGETS = _words("target targets pt pts objective")  # "price target", "PT", "price objective"
CREDIT = _words("credit debt bond bonds junk grade")  # a credit rating agency's action

# Words a rating follows: "to sell", "at outperform", "with a buy rating", "as overweight".
RATING_LEADS = _words("a an as at to with")

# Words between an analyst and its verb: "JPMorgan analysts raise", "Goldman now sees".
ACTOR_WORDS = _words(
    """
    again also analyst analysts brokers brokerages now research strategist strategists
    """
)
GENERIC = _words("analyst analysts brokers brokerages strategist strategists")

# Words between a company and its passive verb: "Apple stock upgraded", "Nike price target
# cut", "Apple buy rating reiterated", "Netflix coverage initiated".
BACK_FILLERS = _words(
    """
    also again been being coverage formally gets got has is just now officially pt price
    rating ratings s shares stock stocks target targets was
    """
)

# After a past form these make the company the doer: "Apple upgraded its iPhone".
ACTIVE_NEXT = _words("a all an her his its our some that the their this those")

# What may follow "UBS cuts Tesla" for it to be a call on Tesla, not on its stake or jobs.
BARE_FOLLOW = _words(
    """
    after ahead amid and as at citing despite following for from in on over to while
    """
)

# Words before "upgrade" / "downgrade" that make it a call's noun ("falls after downgrade",
# "gets an upgrade") and words that may stand between them ("after a double downgrade").
NOUN_LEADS = _words(
    """
    after amid being despite draws drew earns earned following get gets getting got hit on
    receives received sees saw upon wins with won
    """
)
NOUN_ADJ = _words(
    """
    a an analyst another broker double first fresh its new rare rating second surprise
    triple two
    """
)

# Words that name a list of an analyst's picks ("conviction buy list", "focus list"), the
# lists of sells among them, what a "favorite" is ("favorite restaurant stock") and what a
# "pick" follows ("top pick").
LIST_WORDS = _words("best buy catalyst conviction focus ideas pick picks sell short tactical top")
NEGATIVE_LISTS = _words("sell short underperform")
FAVORITE_OF = _words("bet bets holding idea ideas name names pick picks play plays stock stocks")
PICK_BEFORE = _words("best conviction favorite favourite key top")
