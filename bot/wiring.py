"""Builds the engine from configuration: the one place that picks concrete parts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.config import Config
from engine.clock import Clock
from engine.errors import ConfigError
from engine.market import MarketCalendar
from engine.news.fetch import NewsFetcher
from engine.news.polling import PolledNews
from engine.pipeline import EngineSettings, SignalEngine
from engine.prices import PriceProvider
from engine.prices.csv import CsvPriceProvider
from engine.prices.yahoo import YFinancePriceProvider
from engine.sentiment import SentimentBackend
from engine.sentiment.backends import load_backend
from engine.sentiment.target import TargetScorer
from engine.signals import Weights
from engine.store import Store
from engine.symbols import SymbolIndex


def settings_from(config: Config) -> EngineSettings:
    s = config.signals
    return EngineSettings(
        feeds=tuple(config.news.feeds),
        ticker_feeds=tuple(config.news.ticker_feeds),
        max_age=timedelta(hours=config.news.max_age_hours),
        min_score=s.min_score,
        max_per_digest=s.max_per_digest,
        cooldown_days=s.cooldown_days,
        weights=Weights(s.sentiment_weight, s.technical_weight),
    )


def make_prices(config: Config, calendar: MarketCalendar) -> PriceProvider:
    p = config.prices
    if p.provider == "csv":
        folder = Path(p.csv_dir).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"{config.source}: [prices] csv_dir: {folder} is not a folder")
        return CsvPriceProvider(folder, calendar, max_quote_age_minutes=p.max_quote_age_minutes)
    return YFinancePriceProvider(
        calendar, max_quote_age_minutes=p.max_quote_age_minutes, timeout=p.timeout_seconds
    )


async def make_sentiment(config: Config) -> SentimentBackend:
    """Load the configured backend now (off the loop), so startup fails fast and clearly."""
    s = config.sentiment
    model = s.model if s.backend == "finbert" else (s.lite_head or None)
    return await asyncio.to_thread(
        load_backend, s.backend, model, batch_size=s.batch_size, runtime=s.runtime
    )


async def make_targets(config: Config, sentiment: SentimentBackend) -> TargetScorer | None:
    """What scores a company within a headline (engine.sentiment.companies, rule c): the lite
    backend itself; with finbert the shipped lite model (FinBERT still scores headlines). A lite
    model not trained on targets (v2) is kept but never asked (`supports_targets` is False)."""
    if hasattr(sentiment, "classify_targets"):
        return sentiment  # type: ignore[return-value]
    if config.sentiment.backend != "finbert":
        return None
    return await asyncio.to_thread(  # type: ignore[return-value]
        load_backend, "lite", None, batch_size=config.sentiment.batch_size
    )


async def open_store(config: Config, *, read_only: bool = False) -> Store:
    """The configured store, waiting [store] busy_timeout_seconds for another process's lock.
    With `read_only` nothing is written; a store not made yet reads as an empty one."""
    path = config.store.path
    if read_only and not await asyncio.to_thread(Path(path).expanduser().exists):
        path = ":memory:"
    return await Store.open(
        path,
        busy_timeout=config.store.busy_timeout_seconds,
        read_only=read_only and path != ":memory:",
    )


@asynccontextmanager
async def open_engine(
    config: Config,
    *,
    clock: Clock,
    symbols: SymbolIndex | None = None,
    sentiment: SentimentBackend | None = None,
    targets: TargetScorer | None = None,
    prices: PriceProvider | None = None,
    calendar: MarketCalendar | None = None,
    polled: bool = False,
    read_only: bool = False,
) -> AsyncIterator[SignalEngine]:
    """An engine wired from `config`; any part may be passed in ready-made (tests, demo).

    With `polled`, the general feeds are read from the store, polled every [news] poll_minutes
    (what `run` does); otherwise they are fetched when asked (the command line). With
    `read_only`, the store is only read (a dry run). Whatever fails, what was opened is closed.
    """
    settings = settings_from(config)
    symbols = symbols or await asyncio.to_thread(SymbolIndex.load)
    prices = prices or make_prices(config, calendar or MarketCalendar())
    if sentiment is None:
        sentiment = await make_sentiment(config)
        targets = targets or await make_targets(config, sentiment)
    elif targets is None and hasattr(sentiment, "classify_targets"):
        targets = sentiment  # type: ignore[assignment]  # a lite backend passed in
    store = await open_store(config, read_only=read_only)
    news: NewsFetcher | None = None
    try:
        news = NewsFetcher(timeout=config.news.timeout_seconds)
        headlines = (
            PolledNews(
                news,
                settings.feeds,
                store,
                every=timedelta(minutes=config.news.poll_minutes),
                keep=settings.max_age,
            )
            if polled
            else None
        )
        yield SignalEngine(
            settings=settings,
            news=news,
            symbols=symbols,
            sentiment=sentiment,
            prices=prices,
            store=store,
            clock=clock,
            headlines=headlines,
            targets=targets,
        )
    finally:
        if news is not None:
            await news.close()
        await store.close()
