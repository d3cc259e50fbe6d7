"""The backtest's headlines: a CSV file read once, replayed to the engine as if it were polled.

The file needs a `published_at` column (ISO 8601 with a UTC offset or `Z`) and a `title` column
(or `text`); any other column is ignored. A headline is visible to a digest at `now` only when it
was published strictly before `now` (the live fetcher allows 15 minutes of clock skew between
publishers and us; a replay has no skew, and allowing it would let the future leak in).
"""

from __future__ import annotations

import bisect
import csv
from datetime import datetime, timedelta
from pathlib import Path

from engine.errors import UserError
from engine.models import Article
from engine.news.fetch import NewsBatch, fresh_and_unique

TIME_COLUMN = "published_at"
TEXT_COLUMNS = ("title", "text")  # the first one present is the headline


def _parse_time(value: str, line: int, name: str) -> datetime:
    text = value.strip()
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UserError(
            f"{name} line {line}: {TIME_COLUMN} {text[:40]!r} is not an ISO-8601 time"
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise UserError(
            f"{name} line {line}: {TIME_COLUMN} {text[:40]!r} has no UTC offset "
            "(write it as 2015-03-02T14:05:00Z or with +00:00)"
        )
    return at


def load_news(path: Path) -> list[Article]:
    """The headlines of a news CSV, oldest first; UserError (one line) when it is unusable."""
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            text_col = next((c for c in TEXT_COLUMNS if c in header), None)
            if TIME_COLUMN not in header or text_col is None:
                raise UserError(
                    f"{name}: needs a {TIME_COLUMN} column and a title (or text) column, "
                    f"found {', '.join(header) or 'no header'}"
                )
            at_i, text_i = header.index(TIME_COLUMN), header.index(text_col)
            articles = []
            for line, row in enumerate(reader, start=2):
                if len(row) <= max(at_i, text_i) or not row[text_i].strip():
                    continue
                published = _parse_time(row[at_i], line, name)
                articles.append(Article(row[text_i].strip(), "", name, published))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"cannot read the news file {path}: {exc}") from None
    articles.sort(key=lambda a: a.published)
    return articles


class ReplayNews:
    """A `NewsSource` over headlines read beforehand: what was published in the window before
    `now`, deduplicated the way fetched feeds are."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = sorted(articles, key=lambda a: a.published)
        self._times = [a.published for a in self.articles]

    async def recent(self, now: datetime, max_age: timedelta) -> NewsBatch:
        low = bisect.bisect_left(self._times, now - max_age)
        high = bisect.bisect_left(self._times, now)  # strictly before `now`
        window = self.articles[low:high]
        articles, stale, duplicates = fresh_and_unique(window, now, max_age)
        return NewsBatch(articles=articles, total=len(window), stale=stale, duplicates=duplicates)
