"""Tickers that feeds tag their items with, read from the raw XML.

feedparser keeps a category's text but drops its `type` attribute, so Seeking Alpha's
`<category type="symbol">AAPL</category>` cannot be told from a topic there; and it does not read
news sitemaps at all. `read_feed_tags` parses the document once more with expat, safely (no DTD
entities, no external entities: a "billion laughs" or an external-entity document is refused),
and returns per item, in document order:

- RSS `<item>` / Atom `<entry>`: link, guid / id, title, and the tickers of categories typed as
  symbols (`type="symbol"`, or a `domain` / `scheme` naming symbols or tickers);
- news sitemaps' `<url>` with `<news:news>`: loc, title, publication date and name, and
  `<news:stock_tickers>` ("NASDAQ:AMAT, NYSE:GOOG"; only US exchanges are kept).

Anything unreadable gives an empty list: feed tickers are a bonus, never a failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.parsers import expat

from engine.models import Article
from engine.ticker import normalise_ticker

_TICKER = re.compile(r"^[A-Z][A-Z0-9]{0,5}(?:[.\-/][A-Z]{1,2})?$")
_US_EXCHANGES = frozenset(
    {"NASDAQ", "NYSE", "NYSEARCA", "NYSEAMERICAN", "NYSEMKT", "AMEX", "BATS", "CBOE", "ARCA"}
)
_ITEM_TAGS = frozenset({"item", "entry", "url"})


@dataclass
class FeedItemTags:
    kind: str  # "item" (RSS), "entry" (Atom), "url" (news sitemap)
    link: str = ""
    guid: str = ""
    title: str = ""
    published: str = ""  # sitemaps: news:publication_date as written
    publisher: str = ""  # sitemaps: news:publication / news:name
    tickers: list[str] = field(default_factory=list)


class _Refused(Exception):
    pass


def _local(name: str) -> tuple[str, str]:
    """'http://www.google.com/schemas/sitemap-news/0.9 stock_tickers' -> (uri, 'stock_tickers')."""
    if " " in name:
        uri, local = name.rsplit(" ", 1)
        return uri, local
    return "", name


def normalise_feed_ticker(raw: str) -> str | None:
    """'NASDAQ:AMAT' -> 'AMAT', 'brk.b' -> 'BRK-B'; None for other exchanges or non-tickers."""
    text = raw.strip()
    if ":" in text:
        exchange, text = (p.strip() for p in text.split(":", 1))
        if exchange.upper().replace(" ", "") not in _US_EXCHANGES:
            return None
    ticker = normalise_ticker(text)
    return ticker if _TICKER.match(ticker) else None


def _symbol_category(attrs: dict[str, str]) -> bool:
    kind = attrs.get("type", "") + " " + attrs.get("domain", "") + " " + attrs.get("scheme", "")
    kind = kind.lower()
    return "symbol" in kind or "ticker" in kind


def read_feed_tags(content: bytes) -> list[FeedItemTags]:
    """Items with their links and tagged tickers, in document order ([] if unreadable)."""
    items: list[FeedItemTags] = []
    stack: list[str] = []
    text: list[str] = []
    current: list[FeedItemTags] = []  # the open item, if any
    category: list[bool] = []  # per open <category>: whether it is a symbol

    def start(name: str, attrs: dict[str, str]) -> None:
        _, local = _local(name)
        stack.append(local)
        text.clear()
        if local in _ITEM_TAGS and not current:
            current.append(FeedItemTags(local))
        elif current and local == "category":
            is_symbol = _symbol_category(attrs)
            category.append(is_symbol)
            term = attrs.get("term")
            if is_symbol and term:  # Atom: <category term="AAPL" scheme=".../symbol"/>
                _add(current[0], term)
        elif current and local == "link" and current[0].kind == "entry" and "href" in attrs:
            if attrs.get("rel", "alternate") == "alternate" and not current[0].link:
                current[0].link = attrs["href"].strip()

    def end(name: str) -> None:
        _, local = _local(name)
        value = "".join(text).strip()
        text.clear()
        if stack:
            stack.pop()
        if not current:
            return
        item = current[0]
        if local in _ITEM_TAGS and local == item.kind and (not stack or stack[-1] != local):
            items.append(item)
            current.clear()
            return
        if local == "category":
            if category and category.pop() and value:
                _add(item, value)
        else:
            _set_field(item, local, value, stack)

    parser = _safe_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(content, True)
    except (expat.ExpatError, _Refused, ValueError, RecursionError):
        return []
    return items


def _set_field(item: FeedItemTags, local: str, value: str, stack: list[str]) -> None:
    """Record an item's field from the element `local` just closed (`stack`: its parents)."""
    if local in ("link", "loc") and value and not item.link:
        item.link = value
    elif local in ("guid", "id") and value and not item.guid:
        item.guid = value
    elif local == "title" and value and not item.title:
        item.title = value
    elif local == "stock_tickers":
        for part in value.split(","):
            _add(item, part)
    elif local == "publication_date":
        item.published = value
    elif local == "name" and stack and stack[-1] == "publication":
        item.publisher = value


def _safe_parser() -> expat.XMLParserType:
    """An expat parser that reads no DTD and refuses any entity declaration or external
    entity ("billion laughs", XXE): parsing then raises _Refused."""

    def refuse(*_args: object) -> None:
        raise _Refused("entity declarations are not accepted")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    return parser


def _add(item: FeedItemTags, raw: str) -> None:
    ticker = normalise_feed_ticker(raw)
    if ticker and ticker not in item.tickers:
        item.tickers.append(ticker)


def tickers_by_entry(tags: Sequence[FeedItemTags], links: Sequence[str]) -> list[tuple[str, ...]]:
    """For each feedparser entry (given by its link, in order), the tickers its XML item was
    tagged with: matched by link, else by position when both count the same items."""
    items = [t for t in tags if t.kind != "url"]
    by_link = {t.link: t.tickers for t in items if t.link}
    same_count = len(items) == len(links)
    out: list[tuple[str, ...]] = []
    for k, link in enumerate(links):
        tickers = by_link.get(link.strip()) if link else None
        if tickers is None and same_count:
            tickers = items[k].tickers
        out.append(tuple(tickers or ()))
    return out


def sitemap_articles(tags: Sequence[FeedItemTags], source: str) -> list[Article]:
    """Articles from a news sitemap's entries (those with a title); [] if it is not one."""
    out: list[Article] = []
    for tag in tags:
        if tag.kind != "url" or not tag.title:
            continue
        out.append(
            Article(
                title=" ".join(tag.title.split()),
                url=tag.link,
                source=tag.publisher or urlsplit(tag.link).hostname or source,
                published=_w3c_datetime(tag.published),
                feed_tickers=tuple(tag.tickers),
            )
        )
    return out


def _w3c_datetime(value: str) -> datetime:
    """'2026-03-08T07:23:46-04:00' / '2026-03-08' -> aware UTC datetime (undated: the minimum)."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
