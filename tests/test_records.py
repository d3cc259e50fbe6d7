"""What the store keeps, read back as records: today's payloads, older ones lacking keys, and
the JSON written back (a carried signal) exactly as it was read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chat.core import digest_reply
from chat.replies import signal_card
from chat.text import render_why
from engine.records import CarriedSignal, DigestRecord, SignalRecord

MADE = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
PHOENIX = ZoneInfo("America/Phoenix")


def signal_doc(symbol: str = "TSLA") -> dict[str, Any]:
    """A digest's signal as serialize.signal_to_dict writes it today."""
    return {
        "symbol": symbol,
        "name": "Tesla",
        "direction": "bullish",
        "score": 0.62,
        "confidence": 0.7,
        "sentiment": 0.8,
        "technical": 0.2,
        "price": {
            "last": 251.3,
            "as_of": "2026-11-20T15:25:00+00:00",
            "stale": False,
            "market_open": True,
            "source": "csv",
        },
        "levels": {"entry": 251.3, "stop": 240.1, "target": 273.7},
        "articles": [
            {
                "title": "Tesla beats delivery estimates",
                "url": "https://a.example/t",
                "source": "Wire",
                "published": "2026-11-20T14:05:00+00:00",
                "label": "positive",
                "scores": {"positive": 0.9, "negative": 0.05, "neutral": 0.05},
            }
        ],
        "reversal": False,
        "backend": "lite (MiniLM-L6, fine-tuned, int8)",
    }


def test_a_recorded_signal_reads_back_with_its_explanation() -> None:
    payload = dict(
        signal_doc(),
        generated_at=MADE.isoformat(),
        cooldown="no earlier signal",
        explain={
            "weights": {"sentiment": 0.6, "technical": 0.4},
            "min_score": 0.3,
            "half_life_hours": 3.0,
            "technicals": {
                "rsi14": 61.0,
                "sma20": 240.0,
                "sma50": None,
                "atr14": 7.4,
                "score": 0.2,
                "notes": ["price above SMA20"],
            },
            "levels_formula": "stop = entry - 1.5 x ATR(14)",
            "article_weights": [0.81],
        },
    )
    record = SignalRecord.parse(json.loads(json.dumps(payload)))
    assert (record.symbol, record.generated_at, record.cooldown) == (
        "TSLA",
        MADE,
        "no earlier signal",
    )
    assert record.price is not None and record.price.last == 251.3 and record.price.market_open
    assert record.levels is not None and record.levels.stop == 240.1
    assert record.articles[0].score == 0.9
    assert record.explain.technicals is not None and record.explain.technicals.sma50 is None
    why = render_why(record, MADE)
    assert "Technicals +0.200: RSI(14) 61.00, SMA20 240.00, SMA50 n/a, ATR(14) 7.40" in why
    assert "Levels: entry 251.30, stop 240.10, target 273.70" in why
    assert "Level formula: stop = entry - 1.5 x ATR(14)" in why
    assert "Cooldown: no earlier signal" in why
    assert "positive (pos 0.90 neg 0.05 neu 0.05) weight 0.81" in why


def test_an_older_stored_signal_still_reads() -> None:
    """A payload without backend, price, levels, explanation or cooldown, articles without url,
    label or scores: the readers' defaults, as before records."""
    payload = {
        "symbol": "NVDA",
        "name": "Nvidia",
        "direction": "bearish",
        "generated_at": MADE.isoformat(),
        "score": -0.5,
        "confidence": 0.6,
        "sentiment": -0.7,
        "technical": -0.1,
        "articles": [{"title": "Nvidia slips", "published": MADE.isoformat()}],
    }
    record = SignalRecord.parse(payload)
    assert (record.backend, record.cooldown, record.price, record.levels) == (
        None,
        None,
        None,
        None,
    )
    why = render_why(record, MADE).splitlines()
    assert why[1] == "Sentiment backend: ?"
    assert why[-2:] == ["Level formula: n/a", "Cooldown: n/a"]
    card = signal_card(record, 4)
    assert card.price is None and card.levels is None and card.note == ""
    assert card.headlines[0].label == "neutral" and card.headlines[0].score == 0.0


def test_a_digest_payload_keeps_its_shape_and_carries_signals_as_stored() -> None:
    doc = {
        "generated_at": MADE.isoformat(),
        "backend": "b",
        "signals": [signal_doc("TSLA"), signal_doc("AAPL")],
        "skipped": [{"symbol": "BA", "reason": "news neutral or mixed"}],
        "failed_sources": [{"source": "feed", "error": "timed out"}],
        "articles_seen": 3,
        "market": "open",
        "price_source": "csv",
        "unpriced": [],
        "notes": [],
    }
    other = DigestRecord.parse(DigestRecord.payload(doc, [11, 12], [], "s1"))
    assert [s.generated_at for s in other.digest.signals] == [MADE, MADE]
    carried = [CarriedSignal(sig, card_id) for sig, card_id in other.signal_cards()]
    payload = DigestRecord.payload(doc, [21], carried[1:], "s2")
    assert payload["carried"] == [
        {"signal": dict(signal_doc("AAPL"), generated_at=MADE.isoformat()), "card_id": 12}
    ]
    stored = DigestRecord.parse(json.loads(json.dumps(payload)))
    assert stored.slot == "s2" and stored.card_ids == (21,)
    assert [(c.signal.symbol, c.card_id) for c in stored.carried] == [("AAPL", 12)]
    assert [(s.symbol, i) for s, i in stored.signal_cards()] == [("TSLA", 21), ("AAPL", None)]


def test_an_older_stored_digest_still_reads() -> None:
    """No card ids, carried signals, slot, market, price source, unpriced or notes."""
    old = {
        "digest": {
            "generated_at": MADE.isoformat(),
            "backend": "finbert (ProsusAI/finbert)",
            "signals": [signal_doc()],
            "articles_seen": 1,
        }
    }
    record = DigestRecord.parse(old)
    assert (record.card_ids, record.carried, record.slot) == ((), (), None)
    reply = digest_reply(record, PHOENIX)
    assert reply.plain_text.splitlines()[1] == (
        "1 signal from 1 fresh story · sentiment: finbert (ProsusAI/finbert)"
    )
    assert [(c.title, c.card_id, c.buttons) for c in reply.cards] == [
        ("TSLA BULLISH · Tesla", None, ())
    ]
