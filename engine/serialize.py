"""The JSON shape of digests and signals (what `digest --json` prints and `why` reads back)."""

from __future__ import annotations

from typing import Any

from engine.models import Digest, ScoredArticle, Signal


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def article_to_dict(item: ScoredArticle) -> dict[str, Any]:
    a = item.article
    return {
        "title": a.title,
        "url": a.url,
        "source": a.source,
        "published": a.published.isoformat(),
        "label": item.sentiment.label,
        "scores": {k: _r(v) for k, v in item.sentiment.scores.items()},
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
