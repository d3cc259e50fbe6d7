"""Names that are not companies, and banks that are the news rather than the analyst.

Headlines are written for these tests (wire style), on the shipped ticker list.
"""

from __future__ import annotations

import pytest

from engine.symbols import SymbolIndex


def found(index: SymbolIndex, text: str) -> list[tuple[str, str]]:
    return [(m.symbol, m.role) for m in index.extract(text)]


# -- a number alone is never a company's name ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dow falls 111 points as yields climb",
        "S&P 500 gains 111 points in a week",
        "Chipmaker shares slide 111 basis points after guidance",
        "Insider sells 111 shares",
        "111",
    ],
)
def test_a_number_is_not_a_company_name(symbols: SymbolIndex, text: str) -> None:
    assert "YI" in symbols and symbols.name_of("YI") == "111"  # the company is listed
    assert found(symbols, text) == []


def test_a_company_named_by_a_number_is_found_by_its_ticker(symbols: SymbolIndex) -> None:
    assert found(symbols, "111 (YI) shares jump on online pharmacy sales") == [("YI", "subject")]
    assert found(symbols, "$YI jumps") == [("YI", "subject")]
    assert found(symbols, "111, Inc. (NASDAQ: YI) to report results") == [("YI", "subject")]
    assert symbols.resolve("111") is None  # a number typed to /signal is no company either


def test_digits_only_names_never_match_whatever_the_list_holds() -> None:
    index = SymbolIndex(
        {
            "YI": ("111", "Nasdaq", "YI"),
            "QQ": ("360 365 Holdings", "Nasdaq", "QQ"),
            "TXG": ("10x Genomics", "Nasdaq", "TXG"),
        },
        {"500": "TXG"},  # an alias that is a number
    )
    assert found(index, "Futures up 111 points, 360 365 ways to trade, top 500 stocks") == []
    assert found(index, "10x Genomics cuts its outlook") == [("TXG", "subject")]


# -- a bank is the analyst only when it acts on another company ------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Wells Fargo lifted after asset cap removal; Citigroup falls on restructuring costs",
            [("WFC", "subject"), ("C", "subject")],
        ),
        ("Wells Fargo lifted, Citigroup falls on costs", [("WFC", "subject"), ("C", "subject")]),
        (
            "Morgan Stanley is up as Goldman Sachs slides on trading miss",
            [("MS", "subject"), ("GS", "subject")],
        ),
        ("Wells Fargo lifted after upgrade", [("WFC", "subject")]),
        # a rating change made at / by another bank: that one is the analyst
        ("Goldman Sachs cut to neutral at JPMorgan", [("GS", "subject"), ("JPM", "analyst")]),
        (
            "Morgan Stanley lifted to overweight by Wells Fargo",
            [("MS", "subject"), ("WFC", "analyst")],
        ),
        ("Citigroup started at buy at Jefferies", [("C", "subject"), ("JEF", "analyst")]),
        ("HSBC moves to sell its French retail unit", [("HSBC", "subject")]),
        (
            "Citigroup gets approval to sell unit while Wells Fargo rises",
            [("C", "subject"), ("WFC", "subject")],
        ),
    ],
)
def test_a_bank_in_the_news_is_a_subject(
    symbols: SymbolIndex, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(symbols, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wells Fargo lifts Citigroup to overweight", [("WFC", "analyst"), ("C", "subject")]),
        ("Morgan Stanley cuts Tesla to sell", [("MS", "analyst"), ("TSLA", "subject")]),
        ("Barclays moves to buy on Nvidia", [("BCS", "analyst"), ("NVDA", "subject")]),
        ("Jefferies names Nvidia its top pick", [("JEF", "analyst"), ("NVDA", "subject")]),
        (
            "Nomura points to weaker bookings at Carnival",
            [("NMR", "analyst"), ("CCL", "subject")],
        ),
        ("Goldman Sachs cuts S&P 500 target", [("GS", "analyst")]),
        ("UBS cuts to Hold", [("UBS", "analyst")]),
        ("Barclays moves to sell from neutral on valuation", [("BCS", "analyst")]),
        (
            "Goldman Sachs cut Tesla to neutral at a conference",
            [("GS", "analyst"), ("TSLA", "subject")],
        ),
    ],
)
def test_a_bank_acting_on_another_company_or_a_rating_is_the_analyst(
    symbols: SymbolIndex, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(symbols, text) == expected


# -- names news writes otherwise than the list ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "Snap on" (no hyphen, lower case) is Snap; Snap-on has its hyphen or a capital On
        ("Wedbush upgrades Alphabet, downgrades Snap on ad market shift", ["GOOGL", "SNAP"]),
        ("Citi upgrades Snap on user growth", ["SNAP"]),
        ("Snap-on beats estimates on tools demand", ["SNA"]),
        ("Snap-On raises its outlook", ["SNA"]),
        ("Snap On tops EPS estimates on tool demand", ["SNA"]),  # the hyphen left out
        # a short form without a trailing "Health", "Global", "Outdoor", "Holding"...
        ("Amazon ends health care partnership with Teladoc; Teladoc slides", ["AMZN", "TDOC"]),
        ("Hims & Hers jumps on weight-loss sales", ["HIMS"]),
        ("Nike falls while Deckers jumps on Hoka demand", ["NKE", "DECK"]),
        ("Chewy gains share while Petco's sales shrink", ["CHWY", "WOOF"]),
        # brand names the alias table knows
        ("Hertz cancels Tesla order and turns to Polestar for EVs", ["HTZ", "TSLA", "PSNY"]),
        ("Kroger cuts ties with Instacart", ["KR", "CART"]),
        # SEC drops the apostrophe of a possessive inside a name; news keeps it
        ("Tyson Foods loses contract to Pilgrim's Pride", ["TSN", "PPC"]),
        ("Nathan's Famous raises its dividend", ["NATH"]),
    ],
)
def test_names_as_news_writes_them(symbols: SymbolIndex, text: str, expected: list[str]) -> None:
    assert [s for s, role in found(symbols, text) if role == "subject"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Netflix wins Oscar for best picture", ["NFLX"]),  # not Oscar Health
        ("Conagra recalls Healthy Choice meals", ["CAG"]),  # a brand, not Healthy Choice Wellness
        ("Bausch + Lomb recalls contact lenses", []),  # "Bausch" alone is two companies
        ("Japan's prime minister calls snap election on the economy", []),
    ],
)
def test_short_forms_stay_out_of_ordinary_words(
    symbols: SymbolIndex, text: str, expected: list[str]
) -> None:
    assert [s for s, _ in found(symbols, text)] == expected


# -- context that lets an ordinary-word name through --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Goldman lifts its Apple price target", [("GS", "analyst"), ("AAPL", "subject")]),
        ("Citi trims Target price target", [("C", "analyst"), ("TGT", "subject")]),
        ("Berkshire trims its Apple stake", [("BRK-B", "subject"), ("AAPL", "subject")]),
        (
            "Southwest's outage sends stranded travelers to Delta and American Airlines",
            [("LUV", "subject"), ("DAL", "subject"), ("AAL", "subject")],
        ),
        (
            "Coherent wins Apple laser supply deal, shares rise 9%",
            [("COHR", "subject"), ("AAPL", "subject")],
        ),
    ],
)
def test_a_name_in_a_market_context(
    symbols: SymbolIndex, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(symbols, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Analysts Raise Target Price On Chipmakers", []),  # Title Case: capitals say nothing
        ("Oil price target raised by Goldman", []),
        ("Southwest's outage sends stranded travelers to Delta", ["LUV"]),  # no list: a delta?
        ("Regulators move to Block and delay the merger", []),
        ("Coherent plan needed for the economy, investors say", []),
        ("Coherent Strategy Needed For Rates, Analysts Say", []),
    ],
)
def test_no_company_without_that_context(
    symbols: SymbolIndex, text: str, expected: list[str]
) -> None:
    assert [s for s, role in found(symbols, text) if role == "subject"] == expected
