"""The replay: every trading day's digest built by the engine itself, on a replay clock.

For each trading day in range and each configured digest time, a `FixedClock` is set to that
instant and `SignalEngine.build_digest` runs exactly as `tradethehype digest` does (symbols,
sentiment, aggregation, technicals, the score, thresholds, the cooldown), recording into a
throwaway in-memory store, so the cooldown sees the replay's own earlier signals. The engine
reads headlines through `ReplayNews` (published strictly before the instant) and prices through
`ReplayPrices` (rows at or before the instant: the bars of earlier sessions, and the last
close). Nothing after the instant can reach a signal; outcomes are measured afterwards, outside
the engine, on `History`.
"""

from __future__ import annotations

import time as timer
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from engine.backtest.news import ReplayNews
from engine.backtest.prices import History, Priced, ReplayPrices
from engine.backtest.trades import Pick
from engine.clock import FixedClock
from engine.market import MarketCalendar
from engine.models import Article
from engine.news.fetch import NewsFetcher
from engine.pipeline import EngineSettings, SignalEngine
from engine.sentiment import SentimentBackend
from engine.sentiment.target import TargetScorer
from engine.store import Store
from engine.symbols import SymbolIndex


@dataclass(frozen=True)
class ReplaySetup:
    settings: EngineSettings
    symbols: SymbolIndex
    sentiment: SentimentBackend
    news: Sequence[Article]
    history: History
    calendar: MarketCalendar
    digest_times: Sequence[time]  # local times in `timezone`
    timezone: str
    days: Sequence[date]  # the trading days to replay, in order
    targets: TargetScorer | None = None  # per-company scores, as the live engine has them

    def instants(self, day: date) -> list[datetime]:
        zone = ZoneInfo(self.timezone)
        return sorted(datetime.combine(day, t, zone) for t in self.digest_times)


@dataclass(frozen=True)
class Progress:
    days_done: int
    days_total: int
    signals: int
    elapsed: float  # seconds since the replay began

    @property
    def seconds_left(self) -> float | None:
        if not self.days_done:
            return None
        return self.elapsed / self.days_done * (self.days_total - self.days_done)


@dataclass
class Replayed:
    """What the replay produced: the signals as picks, the candidates the engine priced."""

    days_total: int
    days_done: int = 0
    picks: list[Pick] = field(default_factory=list)
    priced: list[Priced] = field(default_factory=list)
    headlines_seen: int = 0
    interrupted: bool = False

    @property
    def unpriced(self) -> dict[str, int]:
        """Tickers the engine wanted a price for but the folder has no file for: times asked."""
        out: dict[str, int] = {}
        for p in self.priced:
            if p.snapshot is None:
                out[p.symbol] = out.get(p.symbol, 0) + 1
        return dict(sorted(out.items()))


async def replay(
    setup: ReplaySetup,
    *,
    on_day: Callable[[Progress], None] = lambda _: None,
    stopped: Callable[[], bool] = lambda: False,
) -> Replayed:
    """Build every digest of the range; `stopped()` is asked before each day (Ctrl-C)."""
    result = Replayed(days_total=len(setup.days))
    if not setup.days:
        return result
    clock = FixedClock(setup.instants(setup.days[0])[0])
    prices = ReplayPrices(setup.history.folder, setup.calendar, clock)
    store = await Store.open(":memory:")
    fetcher = NewsFetcher()  # never used: the engine's headlines come from the file
    engine = SignalEngine(
        settings=setup.settings,
        news=fetcher,
        symbols=setup.symbols,
        sentiment=setup.sentiment,
        targets=setup.targets,
        prices=prices,
        store=store,
        clock=clock,
        headlines=ReplayNews(list(setup.news)),
        calendar=setup.calendar,
    )
    started = timer.perf_counter()
    try:
        for day in setup.days:
            if stopped():
                result.interrupted = True
                break
            for at in setup.instants(day):
                clock.set(at)
                await _digest_at(engine, prices, at, result)
            result.days_done += 1
            on_day(
                Progress(
                    result.days_done,
                    result.days_total,
                    len(result.picks),
                    timer.perf_counter() - started,
                )
            )
    finally:
        await fetcher.close()
        await store.close()
    return result


async def _digest_at(
    engine: SignalEngine, prices: ReplayPrices, at: datetime, result: Replayed
) -> None:
    digest = await engine.build_digest()
    result.headlines_seen += digest.articles_seen
    result.priced.extend(prices.take())
    for sig in digest.signals:
        result.picks.append(Pick(sig.symbol, sig.direction, sig.confidence, at, sig.levels))
