"""The JSON shape of digests and signals (what `digest --json` prints and `why` reads back)."""

from __future__ import annotations

from typing import Any

from engine.models import Digest, ScoredArticle, Sentiment, Signal


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _scores(s: Sentiment) -> dict[str, float | None]:
    return {k: _r(v) for k, v in s.scores.items()}


def article_to_dict(item: ScoredArticle) -> dict[str, Any]:
    """A headline behind a signal: "label" and "scores" are the headline's own; "for_ticker"
    is its sentiment for the signal's ticker and what decided it (engine.sentiment.companies):
    "decided_by" ("headline", "company" or "analyst"), "companies" (how many the headline is
    about) and, for an analyst action, "analyst" and "action"."""
    a = item.article
    headline = item.headline or item.sentiment
    basis = item.basis
    ticker: dict[str, Any] = {
        "label": item.sentiment.label,
        "scores": _scores(item.sentiment),
        "decided_by": basis.decided_by,
        "companies": basis.companies,
    }
    if basis.decided_by == "analyst":
        ticker.update(analyst=basis.analyst, action=basis.action)
    return {
        "title": a.title,
        "url": a.url,
        "source": a.source,
        "published": a.published.isoformat(),
        "label": headline.label,
        "scores": _scores(headline),
        "for_ticker": ticker,
    }


def signal_to_dict(sig: Signal) -> dict[str, Any]:
    q = sig.quote
    lv = sig.levels
    return {
        "symbol": sig.symbol,
        "name": sig.name,
        "direction": sig.direction,
        "score": _r(sig.score),
        "confidence": _r(sig.confidence),
        "sentiment": _r(sig.sentiment),
        "technical": _r(sig.technical),
        "price": None
        if q is None
        else {
            "last": q.last,
            "as_of": q.as_of.isoformat(),
            "stale": q.stale,
            "market_open": q.market_open,
            "source": q.source,
        },
        "levels": None if lv is None else {"entry": lv.entry, "stop": lv.stop, "target": lv.target},
        "articles": [article_to_dict(a) for a in sig.articles],
        "reversal": sig.reversal,
        "backend": sig.backend,
    }


def digest_to_dict(d: Digest) -> dict[str, Any]:
    return {
        "generated_at": d.generated_at.isoformat(),
        "backend": d.backend,
        "signals": [signal_to_dict(s) for s in d.signals],
        "skipped": d.skipped,
        "failed_sources": d.failed_sources,
        "articles_seen": d.articles_seen,
        "market": d.market,
        "price_source": d.price_source,
        "unpriced": d.unpriced,
        "notes": d.notes,
    }
