"""The articles seen: stories kept by the news poller, and every story a digest read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.models import Article
from engine.store.db import Database, stored_time


class Articles(Database):
    """The articles table."""

    async def save_articles(
        self, articles: Sequence[tuple[Article, str | None, str]], now: datetime
    ) -> int:
        """Record (article, url_key, title_key) rows not seen before; returns how many were new."""
        async with self.transaction() as db:
            before = db.total_changes
            await db.executemany(
                "INSERT OR IGNORE INTO articles (url_key, title_key, title, url, source,"
                " published, first_seen, summary, feed_tickers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        uk,
                        tk,
                        a.title,
                        a.url,
                        a.source,
                        stored_time(a.published),
                        stored_time(now),
                        a.summary,
                        " ".join(a.feed_tickers),
                    )
                    for a, uk, tk in articles
                ],
            )
            return db.total_changes - before

    async def recent_articles(self, since: datetime) -> list[Article]:
        """Stories kept by the poller that were published at or after `since`, newest first."""
        async with self._db.execute(
            "SELECT title, url, source, published, summary, feed_tickers FROM articles"
            " WHERE published >= ? ORDER BY published DESC, id",
            (stored_time(since),),
        ) as cur:
            rows = await cur.fetchall()
        return [_article(r) for r in rows]

    async def articles_seen_after(self, after: datetime) -> list[tuple[Article, datetime]]:
        """Stories the poller first saw after `after`, with when it saw them (the alert job
        scores the tickers they name)."""
        async with self._db.execute(
            "SELECT title, url, source, published, summary, feed_tickers, first_seen FROM articles"
            " WHERE first_seen > ? ORDER BY first_seen, id",
            (stored_time(after),),
        ) as cur:
            rows = await cur.fetchall()
        return [(_article(r), datetime.fromisoformat(r["first_seen"])) for r in rows]

    async def forget_articles(self, published_before: datetime) -> int:
        """Drop stories published before a time (they can never be fresh again)."""
        return await self.write(
            "DELETE FROM articles WHERE published < ?", (stored_time(published_before),)
        )

    async def article_count(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM articles") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0


def _article(r: Any) -> Article:
    return Article(
        title=r["title"],
        url=r["url"],
        source=r["source"],
        published=datetime.fromisoformat(r["published"]),
        summary=r["summary"],
        feed_tickers=tuple(r["feed_tickers"].split()),
    )
