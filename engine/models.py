"""Plain data types shared by every part of the engine.

Nothing here knows about HTTP, models or chat platforms; these are the values that flow
from news to signals and that the adapters render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Label = Literal["positive", "negative", "neutral"]
LABELS: tuple[Label, ...] = ("positive", "negative", "neutral")
Direction = Literal["bullish", "bearish"]
DecidedBy = Literal["headline", "company", "analyst"]  # see engine.sentiment.companies


@dataclass(frozen=True)
class Article:
    """One news story as read from a feed."""

    title: str
    url: str
    source: str
    published: datetime  # timezone-aware (UTC)
    summary: str = ""
    feed_tickers: tuple[str, ...] = ()  # tickers the feed itself tagged the item with


@dataclass(frozen=True)
class SymbolMatch:
    """A ticker found in a piece of text."""

    symbol: str  # SEC spelling, e.g. "BRK-B"
    name: str  # company name as shown to users
    match: str  # the text that matched
    start: int
    end: int
    how: Literal["cashtag", "exchange", "feed", "name", "alias"]
    role: Literal["subject", "analyst"] = "subject"


@dataclass(frozen=True)
class Sentiment:
    """Class probabilities for one text; `label` is the most probable class."""

    label: Label
    scores: dict[str, float]  # keys: positive, negative, neutral; values sum to ~1

    @property
    def polarity(self) -> float:
        """positive minus negative probability, in [-1, 1]."""
        return self.scores.get("positive", 0.0) - self.scores.get("negative", 0.0)


@dataclass(frozen=True)
class Bar:
    """One OHLCV bar; `ts` is timezone-aware. Daily bars carry the session close time."""

    ts: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    daily: bool = False


@dataclass(frozen=True)
class Quote:
    """The price shown with a signal, with the time it was valid."""

    symbol: str
    last: float
    as_of: datetime  # timezone-aware
    stale: bool  # older than allowed while the market is open: never used for levels
    market_open: bool  # whether the market was open at the engine's clock
    source: str = ""

    @property
    def at_close(self) -> bool:
        """True when the market is closed and this is the last close."""
        return not self.market_open and not self.stale


@dataclass(frozen=True)
class Technicals:
    """Technical inputs from recent bars and the score made of them (in [-1, 1])."""

    rsi14: float | None
    sma20: float | None
    sma50: float | None
    atr14: float | None
    score: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Levels:
    entry: float
    stop: float
    target: float
    formula: str = ""  # human-readable, e.g. "stop = entry - 1.5 x ATR(14)"; a stored signal
    # keeps it in its explanation (records.Explanation.levels_formula), not with its levels


@dataclass(frozen=True)
class Basis:
    """What decided a headline's sentiment for one company in it (engine.sentiment.companies)."""

    decided_by: DecidedBy = "headline"
    companies: int = 1  # distinct companies the headline is about
    analyst: str = ""  # decided by an analyst action: who ("Goldman")
    action: str = ""  # and what ("downgrade", "favorite stock")


@dataclass(frozen=True)
class CompanySentiment:
    """A headline's sentiment for one company in it, the headline's own, and what decided."""

    sentiment: Sentiment  # for the company: what its signal uses
    headline: Sentiment  # the headline's own score
    basis: Basis = Basis()


@dataclass(frozen=True)
class ScoredArticle:
    article: Article
    sentiment: Sentiment  # for the signal's ticker (what the aggregate used)
    weight: float  # confidence x recency weight used in the aggregate
    headline: Sentiment | None = None  # the headline's own score; None: the same as `sentiment`
    basis: Basis = Basis()


@dataclass
class Signal:
    symbol: str
    name: str
    direction: Direction
    score: float  # combined score, signed: > 0 bullish
    confidence: float  # in [0, 1]
    sentiment: float  # aggregated sentiment in [-1, 1]
    technical: float  # technical score in [-1, 1]
    quote: Quote | None
    levels: Levels | None
    technicals: Technicals | None
    articles: list[ScoredArticle] = field(default_factory=list)
    reversal: bool = False
    backend: str = ""


@dataclass
class Digest:
    generated_at: datetime
    backend: str
    signals: list[Signal]
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"symbol"?, "source"?, "reason"}
    failed_sources: list[dict[str, str]] = field(default_factory=list)  # {"source", "error"}
    articles_seen: int = 0
    market: str = ""  # at generated_at: "open", "pre-market", "after-hours" or "closed"
    price_source: str = ""  # the price provider: "yfinance", "csv"
    unpriced: list[str] = field(default_factory=list)  # news strong enough, but no price
    notes: list[str] = field(default_factory=list)  # price data skipped, e.g. a bad CSV row


@dataclass(frozen=True)
class PastSignal:
    """A signal recorded before, as the store gives it back (what the cooldown reads)."""

    id: int
    symbol: str
    direction: Direction
    created_at: datetime
    reversal: bool
    payload: dict[str, Any]
