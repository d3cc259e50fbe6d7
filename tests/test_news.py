"""News: feeds over HTTP and from files, freshness window, dedup, failures kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FeedServer, rss

from engine.news.fetch import MAX_FEED_BYTES, NewsFetcher, expand_sources, title_key, url_key

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SIX_H = timedelta(hours=6)


@pytest.mark.asyncio
async def test_fresh_stories_only_and_one_copy_of_each(feed_server: FeedServer) -> None:
    feed_server.routes["/a.xml"] = rss(
        [
            (
                "Tesla beats estimates",
                "https://news.example/tesla?utm_source=x",
                NOW - timedelta(hours=1),
            ),
            ("Old news about Intel", "https://news.example/intel", NOW - timedelta(hours=7)),
            (
                "Boeing halts deliveries",
                "https://news.example/boeing",
                NOW - timedelta(hours=5, minutes=59),
            ),
        ],
        title="Wire A",
    )
    feed_server.routes["/b.xml"] = rss(
        [
            # the same story: same link without tracking, and the same title from another publisher
            (
                "Tesla Beats Estimates - Wire B",
                "https://other.example/t",
                NOW - timedelta(minutes=30),
            ),
            ("Tesla beats estimates!", "https://news.example/tesla", NOW - timedelta(minutes=20)),
            ("Nvidia climbs", "https://other.example/nvda", NOW - timedelta(hours=2)),
        ],
        title="Wire B",
    )
    async with NewsFetcher(timeout=5) as fetcher:
        batch = await fetcher.fetch(
            [feed_server.url("/a.xml"), feed_server.url("/b.xml")], NOW, SIX_H
        )
    titles = [a.title for a in batch.articles]
    assert titles == ["Tesla beats estimates", "Nvidia climbs", "Boeing halts deliveries"]
    assert batch.stale == 1 and batch.duplicates == 2 and batch.failures == []
    assert batch.articles[0].source == "Wire A"


@pytest.mark.asyncio
async def test_one_broken_feed_does_not_stop_the_others(feed_server: FeedServer) -> None:
    feed_server.routes["/good.xml"] = rss(
        [("Apple raises dividend", "https://x.example/1", NOW - timedelta(hours=1))]
    )
    feed_server.routes["/broken.xml"] = b"<html><body>this is <not a feed"
    feed_server.routes["/gone.xml"] = 500
    async with NewsFetcher(timeout=0.5) as fetcher:
        batch = await fetcher.fetch(
            [feed_server.url(p) for p in ("/good.xml", "/broken.xml", "/gone.xml", "/slow.xml")],
            NOW,
            SIX_H,
        )
    assert [a.title for a in batch.articles] == ["Apple raises dividend"]
    errors = {f.source.rsplit("/", 1)[1]: f.error for f in batch.failures}
    assert errors["broken.xml"].startswith("parse:")
    assert errors["gone.xml"] == "network: HTTP 500 Internal Server Error"
    assert errors["slow.xml"] == "network: timed out after 0.5 s"


@pytest.mark.asyncio
async def test_conditional_get_reuses_unchanged_feed(feed_server: FeedServer) -> None:
    feed_server.routes["/e.xml"] = rss(
        [("Meta jumps", "https://x.example/m", NOW - timedelta(hours=1))]
    )
    feed_server.etags["/e.xml"] = '"v1"'
    async with NewsFetcher(timeout=5) as fetcher:
        first = await fetcher.fetch([feed_server.url("/e.xml")], NOW, SIX_H)
        feed_server.routes["/e.xml"] = b"would not parse if it were sent"
        second = await fetcher.fetch([feed_server.url("/e.xml")], NOW, SIX_H)
    assert feed_server.hits["/e.xml"] == 2
    assert [a.title for a in second.articles] == [a.title for a in first.articles] == ["Meta jumps"]
    assert second.failures == []


@pytest.mark.asyncio
async def test_local_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "one.xml").write_bytes(
        rss([("Intel slumps", "https://x.example/i", NOW - timedelta(hours=2))])
    )
    (tmp_path / "notes.txt").write_text("not a feed, ignored in folders")
    sub = tmp_path / "more"
    sub.mkdir()
    (sub / "two.rss").write_bytes(
        rss([("Pfizer drops", "https://x.example/p", NOW - timedelta(hours=3))])
    )
    assert expand_sources([str(tmp_path)]) == [str(tmp_path / "one.xml")]
    async with NewsFetcher() as fetcher:
        batch = await fetcher.fetch(
            [str(tmp_path), f"file://{sub / 'two.rss'}", str(tmp_path / "missing.xml")], NOW, SIX_H
        )
    assert [a.title for a in batch.articles] == ["Intel slumps", "Pfizer drops"]
    assert len(batch.failures) == 1 and "does not exist" in batch.failures[0].error


def test_dedup_keys() -> None:
    assert url_key("https://www.Example.com/a/?utm_source=x&id=3#frag") == url_key(
        "http://example.com/a?id=3"
    )
    assert title_key("Tesla beats estimates - Reuters", "Reuters") == title_key(
        "TESLA BEATS ESTIMATES"
    )
    assert title_key("Shares up 3.5%") != title_key("Shares up 35%")


@pytest.mark.asyncio
async def test_recorded_feed_files_over_http(feed_server: FeedServer) -> None:
    """RSS with the publisher in <source>, Atom with offsets and entities, and broken XML."""
    fixtures = Path(__file__).parent / "fixtures" / "feeds"
    for name in ("aggregator.xml", "markets.atom", "broken.xml"):
        feed_server.routes[f"/{name}"] = (fixtures / name).read_bytes()
    async with NewsFetcher(timeout=5) as fetcher:
        batch = await fetcher.fetch(
            [feed_server.url(f"/{n}") for n in ("aggregator.xml", "markets.atom", "broken.xml")],
            NOW,
            SIX_H,
        )
    titles = [a.title for a in batch.articles]
    assert titles == [
        "Alphabet\u2019s Google beats estimates on cloud growth",
        "Ford & GM shares drop on tariff worries",
        "Intel <INTC.O> slumps after weak forecast",  # the aggregator's " - Daily Ledger" goes
    ]
    assert [a.source for a in batch.articles] == ["Markets Desk", "Markets Desk", "Daily Ledger"]
    assert batch.articles[1].published == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00-04:00
    assert batch.duplicates == 1 and batch.stale == 2  # last week's story, the undated one
    assert [f.error.split(" (")[0] for f in batch.failures] == ["parse: not a valid RSS/Atom feed"]


@pytest.mark.asyncio
async def test_a_web_page_instead_of_a_feed_is_a_failure_not_an_empty_feed(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/login"] = (
        b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>"
    )
    feed_server.routes["/empty.xml"] = (
        b'<rss version="2.0"><channel><title>x</title></channel></rss>'
    )
    async with NewsFetcher(timeout=5) as fetcher:
        batch = await fetcher.fetch(
            [feed_server.url("/login"), feed_server.url("/empty.xml")], NOW, SIX_H
        )
    assert batch.articles == []
    assert [f.error for f in batch.failures] == ["parse: got a web page, not an RSS/Atom feed"]


@pytest.mark.asyncio
async def test_a_local_feed_file_gets_the_same_size_cap_as_http(tmp_path: Path) -> None:
    item = rss([("Intel slumps", "https://x.example/i", NOW - timedelta(hours=2))])
    head, _, tail = item.partition(b"<item>")
    story = b"<item><title>Tesla beats estimates</title></item>"
    filler = story * (MAX_FEED_BYTES // len(story) + 1000)
    big = tmp_path / "big.xml"
    big.write_bytes(head + filler + b"<item>" + tail)
    assert big.stat().st_size > MAX_FEED_BYTES
    small = tmp_path / "small.xml"
    small.write_bytes(item)
    async with NewsFetcher() as fetcher:
        batch = await fetcher.fetch([str(big), str(small)], NOW, SIX_H)
    assert [a.title for a in batch.articles] == ["Intel slumps"]
    assert [f.error for f in batch.failures] == [f"file: {big} is larger than 10 MB"]


@pytest.mark.asyncio
async def test_an_empty_feed_file_is_reported_as_empty(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_bytes(b"")
    (tmp_path / "blank.xml").write_bytes(b"  \n")
    async with NewsFetcher() as fetcher:
        batch = await fetcher.fetch([str(tmp_path)], NOW, SIX_H)
    assert sorted(f.error for f in batch.failures) == [
        f"file: {tmp_path / 'blank.xml'} is empty",
        f"file: {tmp_path / 'empty.xml'} is empty",
    ]
