"""Scores already computed for the same model and text come from the store, not the model."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import KeywordSentiment
from support.botworld import open_world

from engine.market import MarketCalendar
from engine.models import Sentiment
from engine.serialize import digest_to_dict
from engine.store import Store
from engine.symbols import SymbolIndex


class KeyedSentiment(KeywordSentiment):
    def __init__(self, cache_key: str) -> None:
        super().__init__()
        self.cache_key = cache_key


def scored(backend: KeywordSentiment) -> list[str]:
    return [text for call in backend.calls for text in call]


@pytest.fixture(scope="module")
def symbols() -> SymbolIndex:
    return SymbolIndex.load()


@pytest.mark.asyncio
async def test_a_second_digest_reuses_stored_scores(tmp_path: Path, symbols: SymbolIndex) -> None:
    async with open_world(tmp_path, symbols, MarketCalendar()) as (engine, clock, _):
        first_model = KeyedSentiment("keyword:v1")
        engine.sentiment = first_model
        first = await engine.build_digest()
        assert "Tesla beats delivery estimates" in scored(first_model)

        again = KeyedSentiment("keyword:v1")  # same model identity, e.g. after a restart
        engine.sentiment = again
        clock.set(clock.now() + timedelta(minutes=10))
        second = await engine.build_digest()

        assert again.calls == []  # nothing recomputed
        reasons = {s["symbol"]: s["reason"] for s in digest_to_dict(second)["skipped"]}
        for sig in first.signals:  # the stored scores point the same way: cooldown, not news
            assert "cooldown" in reasons[sig.symbol].lower() or "already" in reasons[sig.symbol]

        other = KeyedSentiment("keyword:v2")  # another model: its own scores
        engine.sentiment = other
        await engine.build_digest(dry_run=True)
        assert sorted(scored(other)) == sorted(scored(first_model))

        later = KeyedSentiment("keyword:v2")  # a dry run records nothing, scores included
        engine.sentiment = later
        await engine.build_digest(dry_run=True)
        assert sorted(scored(later)) == sorted(scored(first_model))


@pytest.mark.asyncio
async def test_store_keeps_scores_by_model_and_exact_text(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 3, 10, tzinfo=UTC)
    up = Sentiment("positive", {"positive": 0.8, "negative": 0.1, "neutral": 0.1})
    async with await Store.open(tmp_path / "s.db") as store:
        assert await store.schema_version() >= 3
        await store.cache_sentiments("m1", [("Shares soar 🚀", up)], now)
        assert await store.cached_sentiments("m1", ["Shares soar 🚀", "shares soar 🚀"]) == {
            "Shares soar 🚀": up
        }
        assert await store.cached_sentiments("m2", ["Shares soar 🚀"]) == {}
        texts = [f"headline {i}" for i in range(1200)]  # more than one query's worth
        await store.cache_sentiments("m1", [(t, replace(up, label="neutral")) for t in texts], now)
        found = await store.cached_sentiments("m1", texts)
        assert len(found) == 1200 and found["headline 1199"].label == "neutral"
