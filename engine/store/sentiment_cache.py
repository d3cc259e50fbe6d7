"""Sentiment scores by model identity and text hash, reused instead of recomputed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from engine.models import Sentiment
from engine.store.db import Database, stored_time


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class SentimentCache(Database):
    """The sentiment_cache table."""

    async def cached_sentiments(self, model_key: str, texts: Sequence[str]) -> dict[str, Sentiment]:
        """Scores stored for `texts` by the model `model_key`, by text (unscored ones absent)."""
        by_hash = {_text_hash(t): t for t in texts}
        found: dict[str, Sentiment] = {}
        hashes = list(by_hash)
        for start in range(0, len(hashes), 500):  # SQLite's limit on bound parameters
            part = hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            async with self._db.execute(
                "SELECT text_hash, label, scores FROM sentiment_cache"
                f" WHERE model_key = ? AND text_hash IN ({marks})",
                (model_key, *part),
            ) as cur:
                for row in await cur.fetchall():
                    found[by_hash[row["text_hash"]]] = Sentiment(
                        label=row["label"], scores=json.loads(row["scores"])
                    )
        return found

    async def cache_sentiments(
        self, model_key: str, results: Sequence[tuple[str, Sentiment]], now: datetime
    ) -> None:
        """Remember each (text, scores) computed by the model `model_key`."""
        if not results:
            return
        async with self.transaction() as db:
            await db.executemany(
                "INSERT OR REPLACE INTO sentiment_cache"
                " (model_key, text_hash, label, scores, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    (model_key, _text_hash(t), r.label, json.dumps(r.scores), stored_time(now))
                    for t, r in results
                ],
            )
