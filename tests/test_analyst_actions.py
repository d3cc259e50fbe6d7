"""Analyst actions are news for the company acted on, with a direction (issue 15).

Every headline here is written for these tests. Each goes the whole way: the extractor on the
shipped ticker list finds the companies and their roles, then `analyst_call` says, for each
company found as a subject, which analyst call applies to it (direction, action, analyst).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import pytest

from engine.models import SymbolMatch
from engine.sentiment.analyst import AnalystCall, analyst_call
from engine.symbols import SymbolIndex

Call = tuple[str, str, str] | None


def calls(symbols: SymbolIndex, title: str, feed: Sequence[str] = ()) -> dict[str, Call]:
    """headline -> extract -> analyst_call, for every subject the extractor finds."""
    matches = symbols.extract(title, feed)
    out: dict[str, Call] = {}
    for m in matches:
        if m.role == "subject":
            c = analyst_call(title, m, matches)
            out[m.symbol] = None if c is None else (c.direction, c.action, c.analyst)
    return out


def check(symbols: SymbolIndex, title: str, expected: dict[str, Call]) -> None:
    assert calls(symbols, title) == expected


# -- rating changes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Morgan Stanley downgrades Tesla to underweight",
            {"TSLA": ("negative", "downgrade", "Morgan Stanley")},
        ),
        ("Tesla cut to sell at UBS", {"TSLA": ("negative", "downgrade", "UBS")}),
        ("Apple upgraded to buy at Jefferies", {"AAPL": ("positive", "upgrade", "Jefferies")}),
        ("JPMorgan raises Nvidia to overweight", {"NVDA": ("positive", "upgrade", "JPMorgan")}),
        (
            "BofA cuts Starbucks to underperform",
            {"SBUX": ("negative", "downgrade", "BofA")},
        ),
        (
            "Raymond James upgrades Costco to strong buy",
            {"COST": ("positive", "upgrade", "Raymond James")},
        ),
        (  # a bank not in the ticker list: its name as written
            "Why Needham upgraded Apple",
            {"AAPL": ("positive", "upgrade", "Needham")},
        ),
        (
            "Costco downgraded to neutral at Oppenheimer on valuation",
            {"COST": ("negative", "downgrade", "Oppenheimer")},
        ),
        (
            "Intel cut to underperform from market perform by Bernstein",
            {"INTC": ("negative", "downgrade", "Bernstein")},
        ),
        (  # "moves" says nothing: the two ratings do
            "Piper Sandler moves Disney to neutral from overweight",
            {"DIS": ("negative", "downgrade", "Piper Sandler")},
        ),
        ("Goldman moves Apple to buy", {"AAPL": ("positive", "moved to buy", "Goldman")}),
        ("UBS cuts Tesla", {"TSLA": ("negative", "downgrade", "UBS")}),
        ("Tesla (TSLA) downgraded to sell", {"TSLA": ("negative", "downgrade", "")}),
        (  # the company's name is an ordinary word and the rating a company's name's
            "Target upgraded to buy at Jefferies",
            {"TGT": ("positive", "upgrade", "Jefferies")},
        ),
        ("Best Buy cut to hold at Citi", {"BBY": ("negative", "downgrade", "Citi")}),
        (  # a bank as the company acted on
            "Goldman Sachs upgraded to buy at JPMorgan",
            {"GS": ("positive", "upgrade", "JPMorgan")},
        ),
        (
            "Morgan Stanley Downgrades Tesla To Underweight, Cites EV Demand",
            {"TSLA": ("negative", "downgrade", "Morgan Stanley")},
        ),
        (
            "Apple Upgraded To Buy At Jefferies On Strong iPhone Demand",
            {"AAPL": ("positive", "upgrade", "Jefferies")},
        ),
        (  # an HTML entity inside the company's name
            "Procter &amp; Gamble upgraded to buy at Deutsche Bank",
            {"PG": ("positive", "upgrade", "Deutsche Bank")},
        ),
    ],
)
def test_rating_changes(symbols: SymbolIndex, title: str, expected: dict[str, Call]) -> None:
    check(symbols, title, expected)


# -- price targets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Goldman lifts its Nvidia price target to $250",
            {"NVDA": ("positive", "price target raised", "Goldman")},
        ),
        ("Citi trims Ford target", {"F": ("negative", "price target cut", "Citi")}),
        (
            "Nike price target cut at Barclays",
            {"NKE": ("negative", "price target cut", "Barclays")},
        ),
        (
            "Evercore ISI lowers Home Depot price target to $400",
            {"HD": ("negative", "price target cut", "Evercore ISI")},
        ),
        (
            "Apple PT raised at Wedbush",
            {"AAPL": ("positive", "price target raised", "Wedbush")},
        ),
        (
            "Analysts slash Intel targets after weak guidance",
            {"INTC": ("negative", "price target cut", "")},
        ),
        (
            "Costco gets price target hike at Jefferies",
            {"COST": ("positive", "price target raised", "Jefferies")},
        ),
        (  # a call naming no company goes to the company of its sentence
            "Exxon shares slip as Barclays trims target",
            {"XOM": ("negative", "price target cut", "Barclays")},
        ),
        (  # the change wins over the rating kept
            "Needham maintains buy on Apple, cuts price target",
            {"AAPL": ("negative", "price target cut", "Needham")},
        ),
    ],
)
def test_price_targets(symbols: SymbolIndex, title: str, expected: dict[str, Call]) -> None:
    check(symbols, title, expected)


# -- initiations and reiterations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Bernstein initiates Netflix at outperform",
            {"NFLX": ("positive", "initiated at outperform", "Bernstein")},
        ),
        (
            "Bernstein initiates Netflix at market perform",
            {"NFLX": ("neutral", "initiated at market perform", "Bernstein")},
        ),
        (
            "Jefferies initiates Uber with hold rating",
            {"UBER": ("neutral", "initiated at hold", "Jefferies")},
        ),
        (
            "KeyBanc resumes coverage of Intel at sector weight",
            {"INTC": ("neutral", "initiated at sector weight", "KeyBanc")},
        ),
        (
            "Netflix initiated at underperform by Wedbush",
            {"NFLX": ("negative", "initiated at underperform", "Wedbush")},
        ),
        (
            "Mizuho starts Palantir at underperform",
            {"PLTR": ("negative", "initiated at underperform", "Mizuho")},
        ),
        (
            "Loop Capital starts Amazon at buy",
            {"AMZN": ("positive", "initiated at buy", "Loop Capital")},
        ),
        (
            "Netflix coverage initiated at Bernstein",
            {"NFLX": ("neutral", "coverage initiated", "Bernstein")},
        ),
        (
            "Wedbush reiterates outperform on Apple",
            {"AAPL": ("positive", "outperform reiterated", "Wedbush")},
        ),
        (
            "Needham reiterates sell on Intel",
            {"INTC": ("negative", "sell reiterated", "Needham")},
        ),
        (
            "Apple buy rating reiterated at Wedbush",
            {"AAPL": ("positive", "buy reiterated", "Wedbush")},
        ),
    ],
)
def test_initiations_and_reiterations(
    symbols: SymbolIndex, title: str, expected: dict[str, Call]
) -> None:
    check(symbols, title, expected)


# -- lists -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Goldman names Chipotle its favorite restaurant stock",
            {"CMG": ("positive", "favorite stock", "Goldman")},
        ),
        (
            "Goldman names Apple its least favorite megacap stock",
            {"AAPL": ("negative", "least favorite stock", "Goldman")},
        ),
        (
            "Nvidia is Morgan Stanley's top pick for 2025",
            {"NVDA": ("positive", "top pick", "Morgan Stanley")},
        ),
        ("Pfizer is Leerink's top pick in pharma", {"PFE": ("positive", "top pick", "Leerink")}),
        (
            "Goldman adds Microsoft to conviction buy list",
            {"MSFT": ("positive", "added to conviction buy list", "Goldman")},
        ),
        (
            "Goldman removes Walmart from conviction list",
            {"WMT": ("negative", "removed from conviction list", "Goldman")},
        ),
        (
            "Apple falls off Goldman's conviction list",
            {"AAPL": ("negative", "removed from conviction list", "Goldman")},
        ),
        (
            "Nvidia removed from top picks at Bernstein",
            {"NVDA": ("negative", "removed from top picks", "Bernstein")},
        ),
        (
            "JPMorgan puts Nvidia on focus list",
            {"NVDA": ("positive", "added to focus list", "JPMorgan")},
        ),
        (
            "Starbucks shares jump after Goldman names it a top pick",
            {"SBUX": ("positive", "top pick", "Goldman")},
        ),
        (
            "Amazon, Microsoft, Alphabet named top picks at Citi",
            {
                "AMZN": ("positive", "top pick", "Citi"),
                "MSFT": ("positive", "top pick", "Citi"),
                "GOOGL": ("positive", "top pick", "Citi"),
            },
        ),
    ],
)
def test_lists(symbols: SymbolIndex, title: str, expected: dict[str, Call]) -> None:
    check(symbols, title, expected)


# -- two companies acted on differently ------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Barclays upgrades Ford, downgrades GM",
            {"F": ("positive", "upgrade", "Barclays"), "GM": ("negative", "downgrade", "Barclays")},
        ),
        (
            "Ford upgraded, General Motors cut at Barclays",
            {"F": ("positive", "upgrade", "Barclays"), "GM": ("negative", "downgrade", "Barclays")},
        ),
        (
            "Morgan Stanley raises Meta to overweight, cuts Snap to underweight",
            {
                "META": ("positive", "upgrade", "Morgan Stanley"),
                "SNAP": ("negative", "downgrade", "Morgan Stanley"),
            },
        ),
        (
            "Apple, Microsoft downgraded at Redburn, Nvidia upgraded",
            {
                "AAPL": ("negative", "downgrade", "Redburn"),
                "MSFT": ("negative", "downgrade", "Redburn"),
                "NVDA": ("positive", "upgrade", "Redburn"),
            },
        ),
        (
            "Goldman Sachs removes Apple from its conviction list, adds Microsoft",
            {
                "AAPL": ("negative", "removed from conviction list", "Goldman Sachs"),
                "MSFT": ("positive", "added to conviction list", "Goldman Sachs"),
            },
        ),
        (  # a call in one sentence says nothing of the company in the next
            "UBS downgrades Tesla, upgrades Ford; GM rises",
            {
                "TSLA": ("negative", "downgrade", "UBS"),
                "F": ("positive", "upgrade", "UBS"),
                "GM": None,
            },
        ),
        (
            "Citigroup upgraded at Wells Fargo; JPMorgan shares fall",
            {"C": ("positive", "upgrade", "Wells Fargo")},
        ),
        (  # the bank acts here and is news in the next sentence: the extractor calls it a
            # subject, it still acts on Apple and no call applies to it
            "Goldman Sachs upgrades Apple; Goldman shares fall after earnings miss",
            {"GS": None, "AAPL": ("positive", "upgrade", "Goldman Sachs")},
        ),
    ],
)
def test_companies_acted_on_differently(
    symbols: SymbolIndex, title: str, expected: dict[str, Call]
) -> None:
    check(symbols, title, expected)


# -- calls as nouns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Nvidia rises after Morgan Stanley upgrade",
            {"NVDA": ("positive", "upgrade", "Morgan Stanley")},
        ),
        (
            "Morgan Stanley upgrade sends Tesla shares higher",
            {"TSLA": ("positive", "upgrade", "Morgan Stanley")},
        ),
        ("Intel falls after downgrade", {"INTC": ("negative", "downgrade", "")}),
        ("Intel falls after being downgraded", {"INTC": ("negative", "downgrade", "")}),
        (
            "Apple hit with downgrade from Barclays",
            {"AAPL": ("negative", "downgrade", "Barclays")},
        ),
        (
            "Citigroup falls after downgrade at KBW",
            {"C": ("negative", "downgrade", "KBW")},
        ),
        ("Upgrade: Apple to buy at Jefferies", {"AAPL": ("positive", "upgrade", "Jefferies")}),
        (
            "Nvidia, AMD rise after Bank of America upgrades chipmakers",
            {
                "NVDA": ("positive", "upgrade", "Bank of America"),
                "AMD": ("positive", "upgrade", "Bank of America"),
            },
        ),
    ],
)
def test_calls_written_as_nouns(
    symbols: SymbolIndex, title: str, expected: dict[str, Call]
) -> None:
    check(symbols, title, expected)


# -- credit ratings: a downgrade of the company's debt is read as negative for it ------------


def test_credit_rating_agencies(symbols: SymbolIndex) -> None:
    check(
        symbols,
        "S&P downgrades Boeing's credit rating",
        {"BA": ("negative", "credit rating downgrade", "S&P")},
    )
    check(
        symbols,
        "Moody's cuts Ford to junk",
        {"F": ("negative", "credit rating downgrade", "Moody's")},
    )
    check(symbols, "Moody's downgrades Italy", {})  # a country: no company to call


# -- not analyst actions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Goldman shares fall after earnings miss",  # the bank is the news
        "Goldman Sachs cuts 3,000 jobs",
        "JPMorgan Chase raises dividend after stress test",
        "Wells Fargo lifted after asset cap removal; Citigroup falls",
        "HSBC moves to sell its French retail unit",
        "Goldman Sachs names new chief financial officer",
        "Tesla cuts prices in China",  # the company's own doing
        "Apple upgrades iPhone cameras",
        "Apple upgraded its Mac lineup",
        "Apple raised its guidance",
        "Microsoft raises dividend",
        "Tesla lowers prices, Ford cuts jobs",
        "Berkshire cuts Apple stake",
        "Tesla unveils upgraded Model Y",
        "Apple's software upgrade draws complaints",
        "Verizon to upgrade network in Texas",
        "Tesla stock cut in half since December",
        "Nvidia lifted by strong data center demand",
        "Goldman raises S&P 500 target, Apple rises",  # the target is the index's
    ],
)
def test_not_analyst_actions(symbols: SymbolIndex, title: str) -> None:
    found = calls(symbols, title)
    assert found, "the headline must name a company for the test to mean anything"
    assert found == dict.fromkeys(found)


# -- how companies are named -----------------------------------------------------------------


def test_a_company_only_in_a_cashtag(symbols: SymbolIndex) -> None:
    check(symbols, "$TSLA cut to sell at UBS", {"TSLA": ("negative", "downgrade", "UBS")})


def test_the_same_company_named_twice(symbols: SymbolIndex) -> None:
    """The extractor reports Tesla once, at its first mention; the call is on the second."""
    check(
        symbols,
        "Tesla shares fall as UBS cuts Tesla to sell",
        {"TSLA": ("negative", "downgrade", "UBS")},
    )


def test_a_company_known_only_from_the_feed(symbols: SymbolIndex) -> None:
    title = "Jefferies upgrades iPhone maker to buy"
    assert calls(symbols, title, ["AAPL"]) == {"AAPL": ("positive", "upgrade", "Jefferies")}
    assert calls(symbols, "Stocks rally into the close", ["AAPL"]) == {"AAPL": None}


def test_ten_companies_in_one_call(symbols: SymbolIndex) -> None:
    title = (
        "Goldman upgrades Apple, Microsoft, Nvidia, Amazon, Tesla, Ford, Intel, Netflix, "
        "Disney and Nike"
    )
    found = calls(symbols, title)
    assert len(found) == 10
    assert set(found.values()) == {("positive", "upgrade", "Goldman")}


# -- bad and huge input ----------------------------------------------------------------------


def test_bad_input_gives_none() -> None:
    apple = SymbolMatch("AAPL", "Apple", "Apple", 0, 5, "name")
    assert analyst_call("", apple, [apple]) is None
    assert analyst_call(None, apple, [apple]) is None  # type: ignore[arg-type]
    assert analyst_call("Apple upgraded at UBS", None, []) is None  # type: ignore[arg-type]
    assert analyst_call("Apple upgraded at UBS", apple, None) is None  # type: ignore[arg-type]
    wrong = SymbolMatch("AAPL", "Apple", "Apple", 50, 10, "name")  # positions past the text
    assert analyst_call("Apple upgraded", wrong, [wrong, "junk"]) is None  # type: ignore[list-item]
    # a subject that is not among the matches has no call
    tesla = SymbolMatch("TSLA", "Tesla", "Tesla", 0, 5, "name")
    assert analyst_call("Apple upgraded at UBS", tesla, [apple]) is None


def test_the_signature_the_pipeline_calls() -> None:
    params = list(inspect.signature(analyst_call).parameters)
    assert params == ["title", "subject", "matches"]
    assert set(AnalystCall.__dataclass_fields__) == {"direction", "action", "analyst"}


@pytest.mark.parametrize(
    "title",
    [
        "upgrades " * 2500,
        "Goldman cuts Tesla " + "to " * 6000 + "sell",
        "Apple" + " -" * 9000 + " upgraded",
        "Goldman upgrades " + ", ".join(["Apple", "Microsoft", "Nvidia", "Ford"] * 900),
        "Apple upgraded at " + "Xyz " * 5000,
        "Apple" + ", upgrades it" * 1800,
        "Apple upgraded" + " after downgrade" * 1200,
        "Tesla cut to sell at UBS; " * 800,
        "Goldman adds Apple to " + "conviction " * 3000 + "list",
        "a" * 20000,
        ".,:;$&" * 3400,
    ],
)
def test_huge_titles_are_read_without_error(symbols: SymbolIndex, title: str) -> None:
    """20,000 characters built to trip a backtracking pattern or a quadratic scan: there is
    no regular expression in the reader but the extractor's token pattern (one character class
    repeated, no nesting), and every look-up reads a bounded window, so the cost grows with the
    length. Asserted: an answer for every company, of the right shape."""
    title = title[:20000]
    for call in calls(symbols, title).values():
        assert call is None or call[0] in ("positive", "negative", "neutral")
