"""Signals: aggregate headline sentiment per symbol and combine it with technicals.

sentiment  = sum(w_i * polarity_i) / sum(w_i), polarity = P(positive) - P(negative),
             w_i = confidence_i x recency_i, confidence = the winning class's probability,
             recency = 0.5 ** (age / half_life)
combined   = sentiment_weight x sentiment + technical_weight x technical (weights normalised)
direction  = the sign of the combined score; the news must point the same way
confidence = the weighted probability that the headlines support that direction
cooldown   = no second signal on a symbol in the same direction within the cooldown; a flip of
             direction is allowed and marked as a reversal
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.models import (
    Article,
    Basis,
    CompanySentiment,
    Direction,
    PastSignal,
    ScoredArticle,
    Sentiment,
)


@dataclass(frozen=True)
class Weights:
    sentiment: float = 0.7
    technical: float = 0.3

    def normalised(self) -> Weights:
        total = self.sentiment + self.technical
        return Weights(self.sentiment / total, self.technical / total)


@dataclass(frozen=True)
class Aggregate:
    sentiment: float  # in [-1, 1]
    support_positive: float  # weighted P(positive)
    support_negative: float  # weighted P(negative)
    articles: list[ScoredArticle]


def recency_weight(published: datetime, now: datetime, half_life: timedelta) -> float:
    age = max((now - published).total_seconds(), 0.0)
    return float(0.5 ** (age / half_life.total_seconds()))


def aggregate(
    scored: Sequence[tuple[Article, Sentiment | CompanySentiment]],
    now: datetime,
    half_life: timedelta,
) -> Aggregate:
    """The weighted sentiment of a symbol's headlines; a CompanySentiment counts with its
    sentiment for the company (the headline's own is kept alongside, for `why`)."""
    items: list[ScoredArticle] = []
    total = pos = neg = polar = 0.0
    for article, scored_as in scored:
        if isinstance(scored_as, CompanySentiment):
            sentiment = scored_as.sentiment
            extra: tuple[Sentiment | None, Basis] = (scored_as.headline, scored_as.basis)
        else:
            sentiment, extra = scored_as, (None, Basis())
        confidence = max(sentiment.scores.values()) if sentiment.scores else 0.0
        weight = confidence * recency_weight(article.published, now, half_life)
        items.append(ScoredArticle(article, sentiment, round(weight, 4), *extra))
        total += weight
        polar += weight * sentiment.polarity
        pos += weight * sentiment.scores.get("positive", 0.0)
        neg += weight * sentiment.scores.get("negative", 0.0)
    items.sort(key=lambda s: s.weight, reverse=True)
    if total <= 0:
        return Aggregate(0.0, 0.0, 0.0, items)
    return Aggregate(polar / total, pos / total, neg / total, items)


# News this close to neutral never makes a signal, whatever the technicals say: the bot trades
# on news, and a price trend alone is not news.
MIN_NEWS_SENTIMENT = 0.1


def news_too_weak(agg: Aggregate, weights: Weights, min_score: float) -> str | None:
    """Why this symbol's news cannot make a signal whatever its price does, or None."""
    if not agg.articles:
        return "no fresh headlines"
    if abs(agg.sentiment) < MIN_NEWS_SENTIMENT:
        return f"news neutral or mixed ({agg.sentiment:+.2f})"
    w = weights.normalised()
    if w.sentiment * abs(agg.sentiment) + w.technical < min_score:
        return f"news too weak ({agg.sentiment:+.2f}) to reach the threshold {min_score:.2f}"
    return None


@dataclass(frozen=True)
class Decision:
    direction: Direction | None  # None: no signal
    combined: float
    confidence: float
    reason: str  # why there is no signal, or a summary of why there is


def decide(agg: Aggregate, technical: float, weights: Weights, min_score: float) -> Decision:
    w = weights.normalised()
    combined = w.sentiment * agg.sentiment + w.technical * technical
    direction: Direction = "bullish" if combined > 0 else "bearish"
    confidence = agg.support_positive if direction == "bullish" else agg.support_negative
    weak = news_too_weak(agg, weights, min_score)
    if weak:
        return Decision(None, combined, confidence, weak)
    if abs(combined) < min_score:
        return Decision(
            None,
            combined,
            confidence,
            f"combined score {combined:+.2f} is below the threshold {min_score:.2f}",
        )
    if (agg.sentiment > 0) != (combined > 0):
        return Decision(
            None,
            combined,
            confidence,
            f"the news ({agg.sentiment:+.2f}) does not point the same way as the score",
        )
    return Decision(
        direction,
        combined,
        confidence,
        f"{w.sentiment:.0%} news {agg.sentiment:+.2f} + {w.technical:.0%} technicals "
        f"{technical:+.2f} = {combined:+.2f}",
    )


@dataclass(frozen=True)
class CooldownVerdict:
    allowed: bool
    reversal: bool
    note: str  # why the cooldown let it through, or why not
    last: PastSignal | None


def cooldown_verdict(
    last: PastSignal | None, symbol: str, direction: Direction, now: datetime, days: float
) -> CooldownVerdict:
    """May `symbol` be signalled `direction` at `now`, given its `last` signal (None: never)?"""
    window = timedelta(days=days)
    if last is None:
        return CooldownVerdict(True, False, f"no earlier signal on {symbol}", None)
    age = now - last.created_at
    when = last.created_at.strftime("%Y-%m-%d %H:%M UTC")
    if age >= window:
        return CooldownVerdict(
            True,
            False,
            f"last {last.direction} signal on {symbol} was {when}, "
            f"outside the {days:g}-day cooldown",
            last,
        )
    if last.direction == direction:
        return CooldownVerdict(
            False, False, f"already signalled {direction} on {when} (cooldown {days:g} days)", last
        )
    return CooldownVerdict(
        True, True, f"reversal: last signal was {last.direction} on {when}", last
    )

