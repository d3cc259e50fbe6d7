"""Where the engine's general news comes from: fetched at request time, or polled into the store.

The command line fetches the feeds when asked (`LiveNews`). The running bot polls them every
`[news] poll_minutes` into the store (`PolledNews`), so the digest and `/signal` read stored fresh
stories instead of waiting on publishers; a reader finding the last poll older than the interval
polls first, so what it reads is never older than one interval.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from engine.news.fetch import FeedFailure, NewsBatch, NewsFetcher, fresh_and_unique, keyed
from engine.store import Store

log = logging.getLogger(__name__)

POLL_STATE = "news_poll"


class NewsSource(Protocol):
    async def recent(self, now: datetime, max_age: timedelta) -> NewsBatch:
        """Fresh, deduplicated stories from the configured feeds, and what failed."""
        ...


class LiveNews:
    """The feeds fetched at request time."""

    def __init__(self, fetcher: NewsFetcher, feeds: Sequence[str]) -> None:
        self.fetcher = fetcher
        self.feeds = list(feeds)

    async def recent(self, now: datetime, max_age: timedelta) -> NewsBatch:
        return await self.fetcher.fetch(self.feeds, now, max_age)


class PolledNews:
    """The feeds polled into the store; readers get the stored stories of the window."""

    def __init__(
        self,
        fetcher: NewsFetcher,
        feeds: Sequence[str],
        store: Store,
        *,
        every: timedelta,
        keep: timedelta,
    ) -> None:
        self.fetcher = fetcher
        self.feeds = list(feeds)
        self.store = store
        self.every = every
        self.keep = keep  # stories older than this can never be fresh again: forgotten
        self._lock = asyncio.Lock()
        self._last: datetime | None = None
        self._failures: list[FeedFailure] = []

    def due(self, now: datetime) -> bool:
        return self._last is None or now - self._last >= self.every

    def next_poll(self) -> datetime | None:
        return None if self._last is None else self._last + self.every

    async def poll_if_due(self, now: datetime) -> None:
        async with self._lock:  # readers arriving during a poll wait for it, then read
            if self.due(now):
                await self._poll(now)

    async def _poll(self, now: datetime) -> None:
        t0 = time.perf_counter()
        batch = await self.fetcher.fetch(self.feeds, now, self.keep)
        new = await self.store.save_articles(keyed(batch.articles), now)
        await self.store.forget_articles(now - self.keep)
        self._last, self._failures = now, list(batch.failures)
        seconds = time.perf_counter() - t0
        await self.store.set_state(
            POLL_STATE,
            {
                "stories": len(batch.articles),
                "new": new,
                "feeds": len(self.feeds),
                "failed": [{"source": f.source, "error": f.error} for f in batch.failures],
                "seconds": round(seconds, 2),
            },
            now,
        )
        log.info(
            "Polled %d feeds in %.1f s: %d fresh stories, %d new, %d feeds failed",
            len(self.feeds),
            seconds,
            len(batch.articles),
            new,
            len(batch.failures),
        )
        for f in batch.failures:
            log.warning("feed failed: %s: %s", f.source, f.error)

    async def recent(self, now: datetime, max_age: timedelta) -> NewsBatch:
        await self.poll_if_due(now)
        stored = await self.store.recent_articles(now - max_age)
        articles, stale, duplicates = fresh_and_unique(stored, now, max_age)
        return NewsBatch(
            articles=articles,
            failures=list(self._failures),
            total=len(stored),
            stale=stale,
            duplicates=duplicates,
        )
