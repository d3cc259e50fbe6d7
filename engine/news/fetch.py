"""News: fetch RSS/Atom feeds concurrently, keep fresh stories, drop duplicates.

Sources are http(s) URLs, `file://` URLs, local feed files, or folders of feed files. HTTP uses
conditional GET (ETag / Last-Modified) so an unchanged feed costs a 304; feedparser runs in a
worker thread. Network errors and parse errors are reported apart; one failing feed never stops
the others.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import aiohttp
import feedparser

from engine.models import Article
from engine.news.feedtags import read_feed_tags, sitemap_articles, tickers_by_entry

log = logging.getLogger(__name__)

FEED_SUFFIXES = (".xml", ".rss", ".atom")
USER_AGENT = "TradeTheHype/0.1 (+https://github.com/tradethehype)"
MAX_FEED_BYTES = 10 * 1024 * 1024  # for HTTP feeds and local files alike
_MAX_MB = f"{MAX_FEED_BYTES // (1024 * 1024)} MB"


@dataclass(frozen=True)
class FeedFailure:
    source: str
    error: str  # one line: "network: timed out after 10 s", "parse: not a feed (...)"


@dataclass
class _CacheEntry:
    etag: str | None
    modified: str | None
    articles: list[Article]


@dataclass
class NewsBatch:
    """What one round of fetching found."""

    articles: list[Article] = field(default_factory=list)  # fresh, deduplicated, newest first
    failures: list[FeedFailure] = field(default_factory=list)
    total: int = 0  # stories read before freshness and dedup
    stale: int = 0  # dropped as older than the window (or undated)
    duplicates: int = 0


class FeedError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


def _struct_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _source_name(parsed: Any, entry: Any, fallback: str) -> str:
    src = entry.get("source")
    if isinstance(src, dict) and src.get("title"):
        return _clean_text(src["title"])
    title = parsed.feed.get("title") if hasattr(parsed, "feed") else None
    if title:
        return _clean_text(title)
    host = urlsplit(fallback).hostname
    return host or Path(fallback).name


def _feed_tickers(entry: Any) -> tuple[str, ...]:
    """Tickers a feed tagged an item with (Seeking Alpha-style symbol categories)."""
    out: list[str] = []
    for tag in entry.get("tags") or []:
        scheme = (tag.get("scheme") or "") + " " + (tag.get("label") or "")
        term = (tag.get("term") or "").strip()
        if "symbol" in scheme.lower() and re.fullmatch(r"[A-Z][A-Z0-9.\-]{0,9}", term):
            out.append(term.replace(".", "-"))
    return tuple(dict.fromkeys(out))


def parse_feed(content: bytes, source: str) -> list[Article]:
    """Parse feed bytes into Articles (blocking: call off the event loop)."""
    parsed = feedparser.parse(content)
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version") and _looks_like_html(content):
        # a login wall, an error page or a moved feed answering 200: not "no news"
        raise FeedError("parse", "got a web page, not an RSS/Atom feed")
    tags = read_feed_tags(content)  # symbol categories feedparser drops; news sitemaps
    if not entries and (sitemap := sitemap_articles(tags, source)):
        return sitemap
    tagged = tickers_by_entry(tags, [entry.get("link") or "" for entry in entries])
    articles: list[Article] = []
    for entry, xml_tickers in zip(entries, tagged, strict=True):
        title = _clean_text(entry.get("title", ""))
        if not title:
            continue
        source_name = _source_name(parsed, entry, source)
        if isinstance(entry.get("source"), dict):
            # aggregators (Google News) append the publisher to each title: show it once
            title = title.removesuffix(f" - {source_name}").strip() or title
        published = _struct_to_datetime(entry.get("published_parsed")) or _struct_to_datetime(
            entry.get("updated_parsed")
        )
        if published is None:
            published = datetime.min.replace(tzinfo=UTC)  # undated: never fresh
        articles.append(
            Article(
                title=title,
                url=(entry.get("link") or "").strip(),
                source=source_name,
                published=published,
                summary=_clean_text(entry.get("summary", ""))[:1000],
                feed_tickers=tuple(dict.fromkeys(_feed_tickers(entry) + xml_tickers)),
            )
        )
    if parsed.get("bozo"):
        # feedparser recovers what it can from broken XML: use it, unless nothing was usable
        exc = parsed.get("bozo_exception")
        detail = _clean_text(str(exc))[:120] if exc else "unreadable"
        if not articles:
            raise FeedError("parse", f"not a valid RSS/Atom feed ({detail})")
        log.warning(
            "feed %s is malformed (%s); using its %d readable items",
            _redact(source),
            detail,
            len(articles),
        )
    return articles


def _looks_like_html(content: bytes) -> bool:
    head = content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


_TRACKING = re.compile(r"^(utm_|source$|feed|ref$|cmpid$|mod$)", re.IGNORECASE)


def url_key(url: str) -> str:
    """A link normalised for dedup: scheme-less, lower-case host, no tracking params."""
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return url.strip()
    query = [(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)]
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit(("", host, parts.path.rstrip("/"), urlencode(query), ""))


def title_key(title: str, source: str = "") -> str:
    """A title normalised for dedup across feeds: no publisher suffix, case, punctuation."""
    t = unicodedata.normalize("NFKC", title)
    if source:
        for sep in (" - ", " | ", " — "):
            suffix = f"{sep}{source}"
            if t.endswith(suffix):
                t = t[: -len(suffix)]
    t = t.casefold()
    t = re.sub(r"[^\w\s%$.]", " ", t)
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def keyed(articles: Iterable[Article]) -> list[tuple[Article, str | None, str]]:
    """(article, link key, title key) rows, as the store remembers stories."""
    return [(a, url_key(a.url) if a.url else None, title_key(a.title, a.source)) for a in articles]


def fresh_and_unique(
    articles: Iterable[Article], now: datetime, max_age: timedelta
) -> tuple[list[Article], int, int]:
    """Keep stories published within `max_age` before `now` (a little future skew allowed),
    one per link and per normalised title; newest first. Returns (kept, stale, duplicates)."""
    kept: list[Article] = []
    stale = dupes = 0
    seen_urls: set[str] = set()
    seen_titles: set[str] = set()
    oldest = now - max_age
    newest = now + timedelta(minutes=15)  # clock skew between publishers and us
    ordered = sorted(articles, key=lambda a: a.published)  # earliest copy of a story wins
    for art in ordered:
        if not (oldest <= art.published <= newest):
            stale += 1
            continue
        ukey = url_key(art.url) if art.url else None
        tkey = title_key(art.title, art.source)
        if (ukey and ukey in seen_urls) or tkey in seen_titles:
            dupes += 1
            continue
        if ukey:
            seen_urls.add(ukey)
        seen_titles.add(tkey)
        kept.append(art)
    kept.sort(key=lambda a: a.published, reverse=True)
    return kept, stale, dupes


def expand_sources(sources: Sequence[str]) -> list[str]:
    """Folders become their feed files (sorted); URLs and files pass through."""
    out: list[str] = []
    for src in sources:
        if "://" not in src:
            path = Path(src).expanduser()
            if path.is_dir():
                files = sorted(
                    p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FEED_SUFFIXES
                )
                out.extend(str(p) for p in files)
                continue
        out.append(src)
    return out


def ticker_feed_urls(templates: Sequence[str], symbol: str) -> list[str]:
    return [t.replace("{symbol}", quote(symbol, safe="")) for t in templates]


class NewsFetcher:
    """Fetches feeds; keeps ETag/Last-Modified and the last parse per URL between calls."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        timeout: float = 10.0,
        concurrency: int = 8,
    ) -> None:
        self._session = session
        self._own_session = session is None
        self._timeout = timeout
        self._sem = asyncio.Semaphore(concurrency)
        self._cache: dict[str, _CacheEntry] = {}

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> NewsFetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        return self._session

    async def fetch(self, sources: Sequence[str], now: datetime, max_age: timedelta) -> NewsBatch:
        """Fetch every source concurrently; fresh, deduplicated stories plus what failed."""
        expanded = expand_sources(sources)
        results = await asyncio.gather(*(self._fetch_one(s) for s in expanded))
        batch = NewsBatch()
        everything: list[Article] = []
        for result in results:
            if isinstance(result, FeedFailure):
                batch.failures.append(result)
            else:
                everything.extend(result)
        batch.total = len(everything)
        batch.articles, batch.stale, batch.duplicates = fresh_and_unique(everything, now, max_age)
        return batch

    async def _fetch_one(self, source: str) -> list[Article] | FeedFailure:
        async with self._sem:
            try:
                content = await self._read(source)
                if content is None:  # 304: unchanged since last time
                    return self._cache[source].articles
                articles = await asyncio.to_thread(parse_feed, content, source)
            except FeedError as exc:
                log.warning("feed %s skipped: %s", _redact(source), exc)
                return FeedFailure(_redact(source), str(exc))
            entry = self._cache.get(source)
            if entry is not None:
                entry.articles = articles
            return articles

    async def _read(self, source: str) -> bytes | None:
        if source.startswith(("http://", "https://")):
            return await self._read_http(source)
        path = Path(source[len("file://") :] if source.startswith("file://") else source)
        try:
            return await asyncio.to_thread(_read_file, path)
        except FileNotFoundError:
            raise FeedError("file", f"{path} does not exist") from None
        except OSError as exc:
            raise FeedError("file", f"cannot read {path}: {exc.strerror}") from None

    async def _read_http(self, url: str) -> bytes | None:
        headers: dict[str, str] = {}
        cached = self._cache.get(url)
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.modified:
                headers["If-Modified-Since"] = cached.modified
        try:
            async with self._http().get(
                url, headers=headers, timeout=aiohttp.ClientTimeout(total=self._timeout)
            ) as resp:
                if resp.status == 304 and cached is not None:
                    return None
                if resp.status >= 400:
                    raise FeedError("network", f"HTTP {resp.status} {resp.reason or ''}".strip())
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.content.iter_chunked(64 * 1024):  # read() may stop short
                    size += len(chunk)
                    if size > MAX_FEED_BYTES:
                        raise FeedError("network", f"feed larger than {_MAX_MB}")
                    chunks.append(chunk)
                body = b"".join(chunks)
                etag = resp.headers.get("ETag")
                modified = resp.headers.get("Last-Modified")
        except TimeoutError:
            raise FeedError("network", f"timed out after {self._timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise FeedError("network", _clean_text(str(exc))[:160] or type(exc).__name__) from None
        if etag or modified:
            self._cache[url] = _CacheEntry(etag, modified, cached.articles if cached else [])
        return body


def _read_file(path: Path) -> bytes:
    """A local feed file, read no further than the size cap (blocking: call off the loop)."""
    with path.open("rb") as handle:
        content = handle.read(MAX_FEED_BYTES + 1)
    if len(content) > MAX_FEED_BYTES:
        raise FeedError("file", f"{path} is larger than {_MAX_MB}")
    if not content.strip():
        raise FeedError("file", f"{path} is empty")
    return content


def _redact(source: str) -> str:
    """Feed URLs may carry API keys in their query string: never log those."""
    parts = urlsplit(source)
    if parts.query and parts.scheme in ("http", "https"):
        query = [
            (k, "***" if re.search(r"key|token|secret|auth|sig", k, re.I) else v)
            for k, v in parse_qsl(parts.query)
        ]
        return urlunsplit(parts._replace(query=urlencode(query)))
    return source
