"""A small world for bot tests: local feeds, replayed prices, keyword sentiment, a real store.

The engine is the real one (feeds parsed from files, the shipped ticker list, the NYSE calendar,
SQLite); only sentiment is the keyword stand-in, so tests know which way each headline points.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import KeywordSentiment, rss, write_bars

from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.news.fetch import NewsFetcher
from engine.pipeline import EngineSettings, SignalEngine
from engine.prices.csv import CsvPriceProvider
from engine.store import Store
from engine.symbols import SymbolIndex

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York: market open
H = timedelta(hours=1)


def write_world(tmp: Path) -> tuple[Path, Path]:
    news = tmp / "news"
    news.mkdir()
    (news / "a.xml").write_bytes(
        rss(
            [
                ("Tesla beats delivery estimates", "https://a.example/tsla", NOW - 1 * H),
                ("Intel slumps after weak forecast", "https://a.example/intc", NOW - 2 * H),
                ("Boeing halts deliveries", "https://a.example/ba", NOW - 3 * H),
                ("Nvidia climbs on record sales", "https://a.example/nvda", NOW - 1 * H),
                ("Pfizer drops after trial fails", "https://a.example/pfe", NOW - 7 * H),  # too old
                ("Apple to hold shareholder meeting", "https://a.example/aapl", NOW - 1 * H),
            ],
            title="Wire A",
        )
    )
    (news / "b.xml").write_bytes(
        rss(
            [
                ("Tesla Beats Delivery Estimates", "https://b.example/tesla", NOW - 0.5 * H),
            ],
            title="Wire B",
        )
    )
    prices = tmp / "prices"
    write_bars(
        prices, "TSLA", start=200, step=1.0, intraday=[(NOW - 5 * timedelta(minutes=1), 275)]
    )
    write_bars(
        prices, "INTC", start=60, step=-0.3, intraday=[(NOW - 10 * timedelta(minutes=1), 38)]
    )
    write_bars(prices, "BA", start=150, step=-0.5, intraday=[(NOW - 2 * H, 115)])  # stale quote
    write_bars(
        prices, "AAPL", start=200, step=0.1, intraday=[(NOW - 5 * timedelta(minutes=1), 207)]
    )
    # no NVDA.csv: its price is unavailable
    return news, prices


def write_bot_config(tmp: Path, extra: str = "") -> Path:
    """A config.toml for `tradethehype run` on the world's feeds and prices (lite backend, a
    store in `tmp`), followed by `extra` (the [telegram] / [discord] sections)."""
    news, prices = write_world(tmp)
    path = tmp / "config.toml"
    path.write_text(
        f'[news]\nfeeds = ["{news}"]\n'
        f'[prices]\nprovider = "csv"\ncsv_dir = "{prices}"\n'
        f'[sentiment]\nbackend = "lite"\n'
        f'[store]\npath = "{tmp / "bot.db"}"\n' + extra
    )
    return path


@asynccontextmanager
async def open_world(
    tmp: Path, symbols: SymbolIndex, calendar: MarketCalendar, extra_feeds: Sequence[str] = ()
) -> AsyncIterator[tuple[SignalEngine, FixedClock, Path]]:
    """The engine on `write_world`'s files, a fixed clock at NOW, and the news folder."""
    news, prices = write_world(tmp)
    clock = FixedClock(NOW)
    store = await Store.open(tmp / "store.db")
    fetcher = NewsFetcher()
    engine = SignalEngine(
        settings=EngineSettings(feeds=[str(news), *extra_feeds]),
        news=fetcher,
        symbols=symbols,
        sentiment=KeywordSentiment(),
        prices=CsvPriceProvider(prices, calendar, max_quote_age_minutes=30),
        store=store,
        clock=clock,
    )
    try:
        yield engine, clock, news
    finally:
        await fetcher.close()
        await store.close()
