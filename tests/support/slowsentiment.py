"""A sentiment backend whose model batches take a while, to interrupt scoring (tests, benchmarks).

It runs its batches the way the real backends do: in a worker thread (`in_worker`), checking
between batches whether the caller has gone (`check_stop`). Every text reads neutral.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from engine.models import Sentiment
from engine.sentiment import check_stop, in_worker

NEUTRAL = Sentiment("neutral", {"positive": 0.1, "negative": 0.1, "neutral": 0.8})


class SlowSentiment:
    """The first `fast_batches` batches are instant; each later one takes `seconds`, and the
    first of those touches `slow_started` (so a test knows scoring is under way)."""

    name = "slow"
    model_id = "test-slow"
    cache_key = "slow:test"

    def __init__(
        self, *, batch_size: int, fast_batches: int, seconds: float, slow_started: Path
    ) -> None:
        self.batch_size = batch_size
        self.fast_batches = fast_batches
        self.seconds = seconds
        self.slow_started = slow_started
        self.batches = 0

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        batch = list(texts)
        return await in_worker(lambda stop: self._score(batch, stop))

    def _score(self, texts: list[str], stop: threading.Event) -> list[Sentiment]:
        out: list[Sentiment] = []
        for start in range(0, len(texts), self.batch_size):
            check_stop(stop)
            self.batches += 1
            if self.batches > self.fast_batches:
                self.slow_started.touch()
                time.sleep(self.seconds)
            out.extend(NEUTRAL for _ in texts[start : start + self.batch_size])
        return out
