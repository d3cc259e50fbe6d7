"""What the store keeps as JSON, read back as typed records.

A stored signal (a signal's history row or a card: what `why` and the cards show) is a
`SignalRecord`; a stored digest (its document, the card ids of its signals, the signals carried
from other schedules' digests) is a `DigestRecord`. Each record has one `parse` that reads the
stored dict, tolerating the keys older stores lack exactly as the readers always have. The JSON
is written by engine.serialize (from live signals and digests) and never reshaped here: a record
keeps the dict it was read from, so what is written back (a carried signal) is what was read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.models import Digest, Levels, Quote, ScoredArticle, Signal, Technicals
from engine.serialize import article_to_dict, digest_to_dict, signal_to_dict

Payload = Mapping[str, Any]


@dataclass(frozen=True)
class ArticleRecord:
    """A headline behind a signal, with its label and class probabilities for the signal's
    ticker, the headline's own, and what decided (engine.sentiment.companies). A headline
    stored before per-company scores were kept reads as decided by the headline."""

    title: str
    url: str
    source: str
    published: datetime
    label: str  # positive / negative / neutral, for the signal's ticker
    scores: Mapping[str, float] = field(default_factory=dict)
    headline_label: str = ""  # the headline's own ("" = the same as `label`)
    headline_scores: Mapping[str, float] = field(default_factory=dict)
    decided_by: str = "headline"  # "headline", "company" or "analyst"
    companies: int = 1  # how many companies the headline is about
    analyst: str = ""  # decided by an analyst action: who
    action: str = ""  # and what

    @property
    def score(self) -> float:
        """The model's probability for `label`."""
        return float(self.scores.get(self.label) or 0.0)

    @classmethod
    def of(cls, item: ScoredArticle) -> ArticleRecord:
        """A live scored article read as the store would keep it."""
        return cls.parse(article_to_dict(item))

    @classmethod
    def parse(cls, a: Payload) -> ArticleRecord:
        headline_label = str(a.get("label", "neutral"))
        headline_scores = dict(a.get("scores") or {})
        t = a.get("for_ticker") or {}
        return cls(
            title=str(a["title"]),
            url=str(a.get("url") or ""),
            source=str(a.get("source") or ""),
            published=datetime.fromisoformat(a["published"]),
            label=str(t.get("label") or headline_label),
            scores=dict(t.get("scores") or headline_scores),
            headline_label=headline_label,
            headline_scores=headline_scores,
            decided_by=str(t.get("decided_by") or "headline"),
            companies=int(t.get("companies") or 1),
            analyst=str(t.get("analyst") or ""),
            action=str(t.get("action") or ""),
        )


@dataclass(frozen=True)
class Explanation:
    """How a signal was made (kept with a recorded signal or card; a digest's signals lack it)."""

    sentiment_weight: float = 0.0
    technical_weight: float = 0.0
    min_score: float = 0.0
    half_life_hours: float = 0.0
    technicals: Technicals | None = None
    levels_formula: str = "n/a"
    article_weights: tuple[float, ...] = ()

    @classmethod
    def parse(cls, ex: Payload | None) -> Explanation:
        ex = ex or {}
        w = ex.get("weights", {})
        t = ex.get("technicals")
        return cls(
            sentiment_weight=w.get("sentiment", 0),
            technical_weight=w.get("technical", 0),
            min_score=ex.get("min_score", 0),
            half_life_hours=ex.get("half_life_hours", 0),
            technicals=None
            if not t
            else Technicals(
                rsi14=t.get("rsi14"),
                sma20=t.get("sma20"),
                sma50=t.get("sma50"),
                atr14=t.get("atr14"),
                score=t.get("score", 0.0),
                notes=tuple(t.get("notes", [])),
            ),
            levels_formula=ex.get("levels_formula", "n/a"),
            article_weights=tuple(ex.get("article_weights", [])),
        )


@dataclass(frozen=True)
class SignalRecord:
    """A signal as stored: serialize.signal_to_dict with the time it was made (a digest's
    signals take the digest's), and for a recorded signal or card its explanation and cooldown."""

    symbol: str
    name: str
    direction: str  # "bullish" / "bearish"
    score: float
    confidence: float
    sentiment: float
    technical: float
    generated_at: datetime
    price: Quote | None = None
    levels: Levels | None = None
    articles: tuple[ArticleRecord, ...] = ()
    reversal: bool = False
    backend: str | None = None  # None: not kept by an older store
    cooldown: str | None = None  # the cooldown verdict's note; None: not kept
    explain: Explanation = Explanation()
    payload: Payload = field(default_factory=dict, compare=False, repr=False)  # as stored

    @classmethod
    def parse(cls, p: Payload) -> SignalRecord:
        symbol = str(p["symbol"])
        price = p.get("price")
        lv = p.get("levels")
        backend = p.get("backend")
        return cls(
            symbol=symbol,
            name=str(p["name"]),
            direction=str(p["direction"]),
            score=float(p["score"]),
            confidence=float(p["confidence"]),
            sentiment=float(p["sentiment"]),
            technical=float(p["technical"]),
            generated_at=datetime.fromisoformat(p["generated_at"]),
            price=None
            if not price
            else Quote(
                symbol=symbol,
                last=float(price["last"]),
                as_of=datetime.fromisoformat(price["as_of"]),
                stale=bool(price["stale"]),
                market_open=bool(price.get("market_open", False)),
                source=str(price.get("source") or ""),
            ),
            levels=None if not lv else Levels(lv["entry"], lv["stop"], lv["target"]),
            articles=tuple(ArticleRecord.parse(a) for a in p.get("articles", [])),
            reversal=bool(p.get("reversal")),
            backend=None if backend is None else str(backend),
            cooldown=p.get("cooldown"),
            explain=Explanation.parse(p.get("explain")),
            payload=p,
        )

    @classmethod
    def of(cls, sig: Signal, generated_at: datetime) -> SignalRecord:
        """A live signal read as the store would keep it (no explanation)."""
        return cls.parse(dict(signal_to_dict(sig), generated_at=generated_at.isoformat()))


def latest(records: Sequence[SignalRecord | None]) -> SignalRecord | None:
    """The most recently made of `records` (None for none); the first wins a tie."""
    found = [r for r in records if r is not None]
    return max(found, key=lambda r: r.generated_at) if found else None


@dataclass(frozen=True)
class Skip:
    """A ticker in the news without a signal, and why."""

    reason: str
    symbol: str = "?"


@dataclass(frozen=True)
class Failure:
    """A source that could not be read: a feed, or the price provider."""

    source: str
    error: str

    @classmethod
    def parse(cls, f: Payload) -> Failure:
        return cls(f["source"], f["error"])


@dataclass(frozen=True)
class DigestDoc:
    """A digest's document: serialize.digest_to_dict, what `digest --json` prints."""

    generated_at: datetime
    backend: str
    signals: tuple[SignalRecord, ...]
    articles_seen: int
    market: str = ""  # "" in a digest stored before the market state was kept
    price_source: str = ""
    skipped: tuple[Skip, ...] = ()
    failed_sources: tuple[Failure, ...] = ()
    unpriced: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, d: Payload) -> DigestDoc:
        made = d["generated_at"]
        return cls(
            generated_at=datetime.fromisoformat(made),
            backend=d["backend"],
            signals=tuple(SignalRecord.parse(dict(s, generated_at=made)) for s in d["signals"]),
            articles_seen=d["articles_seen"],
            market=d.get("market", ""),
            price_source=d.get("price_source", ""),
            skipped=tuple(Skip(s["reason"], s.get("symbol", "?")) for s in d.get("skipped", [])),
            failed_sources=tuple(Failure.parse(f) for f in d.get("failed_sources", [])),
            unpriced=tuple(d.get("unpriced", [])),
            notes=tuple(d.get("notes", [])),
        )

    @classmethod
    def of(cls, digest: Digest) -> DigestDoc:
        """A live digest read as the store would keep it."""
        return cls.parse(digest_to_dict(digest))


@dataclass(frozen=True)
class CarriedSignal:
    """A signal another schedule's digest issued, carried into this one with its card."""

    signal: SignalRecord
    card_id: int | None = None

    @classmethod
    def parse(cls, c: Payload) -> CarriedSignal:
        return cls(SignalRecord.parse(c["signal"]), c.get("card_id"))

    def to_payload(self) -> dict[str, Any]:
        return {"signal": dict(self.signal.payload), "card_id": self.card_id}


@dataclass(frozen=True)
class DigestRecord:
    """A stored digest's payload: its document, the card id of each of its signals (a Why?
    button each), the signals carried from other schedules' digests, and its slot."""

    digest: DigestDoc
    card_ids: tuple[int, ...] = ()
    carried: tuple[CarriedSignal, ...] = ()
    slot: str | None = None

    @classmethod
    def parse(cls, p: Payload) -> DigestRecord:
        return cls(
            digest=DigestDoc.parse(p["digest"]),
            card_ids=tuple(p.get("card_ids", [])),
            carried=tuple(CarriedSignal.parse(c) for c in p.get("carried", [])),
            slot=p.get("slot"),
        )

    @staticmethod
    def payload(
        digest: Payload, card_ids: Sequence[int], carried: Sequence[CarriedSignal], slot: str
    ) -> dict[str, Any]:
        """What the store keeps for a published digest (`digest`: serialize.digest_to_dict)."""
        return {
            "digest": digest,
            "card_ids": list(card_ids),
            "carried": [c.to_payload() for c in carried],
            "slot": slot,
        }

    def signal_cards(self) -> list[tuple[SignalRecord, int | None]]:
        """The digest's signals, each with its card id (None where none was kept)."""
        ids = self.card_ids
        return [(s, ids[i] if i < len(ids) else None) for i, s in enumerate(self.digest.signals)]
