"""The signal engine: fresh news -> tickers -> sentiment -> live price and technicals -> levels.

`SignalEngine` is built from injected parts (news fetcher, symbol index, sentiment backend, price
provider, store, clock), so tests and the demo swap any of them. It knows no chat platform.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.clock import Clock
from engine.errors import UnknownTicker
from engine.market import MarketCalendar
from engine.models import Article, Digest, Direction, Levels, Quote, Signal, Technicals
from engine.news.fetch import NewsFetcher, fresh_and_unique, ticker_feed_urls
from engine.news.polling import LiveNews, NewsSource
from engine.prices import PriceProvider, PriceSnapshot
from engine.prices.lookup import PriceRound, fetch_prices
from engine.publish import Publishing
from engine.sentiment import SentimentBackend, backend_label
from engine.sentiment.companies import CompanyScorer, Subject, headline_subjects
from engine.sentiment.target import TargetScorer
from engine.signals import (
    Aggregate,
    Decision,
    Weights,
    aggregate,
    cooldown_verdict,
    decide,
    news_too_weak,
)
from engine.store import Store
from engine.symbols import SymbolIndex
from engine.technicals import levels as make_levels
from engine.technicals import technical_score

log = logging.getLogger(__name__)

_QUERY_OK = re.compile(r"^\$?[A-Za-z0-9][A-Za-z0-9 .&'\-]{0,59}$")


@dataclass(frozen=True)
class EngineSettings:
    feeds: Sequence[str] = ()
    ticker_feeds: Sequence[str] = ()
    max_age: timedelta = timedelta(hours=6)
    min_score: float = 0.3
    max_per_digest: int = 10
    cooldown_days: float = 7.0
    weights: Weights = Weights()

    @property
    def half_life(self) -> timedelta:
        return self.max_age / 2


@dataclass
class TickerView:
    """The on-demand view of one ticker: what the news says, price, levels; nothing recorded."""

    symbol: str
    name: str
    backend: str
    generated_at: datetime
    signal: Signal | None  # None when the news does not make a signal
    reason: str  # why there is (or is not) a signal
    aggregate: Aggregate | None
    quote: Quote | None
    technicals: Technicals | None
    max_age: timedelta
    failures: list[dict[str, str]] = field(default_factory=list)
    cooldown: str = ""
    market: str = ""  # "open", "pre-market", "after-hours" or "closed" at generated_at
    price_source: str = ""  # the price provider's name
    notes: list[str] = field(default_factory=list)  # price data skipped, e.g. a bad CSV row


@dataclass
class _Candidate:
    symbol: str
    name: str
    agg: Aggregate
    snapshot: PriceSnapshot | None = None
    technicals: Technicals | None = None
    decision: Decision | None = None


def check_query(query: str) -> str:
    """A ticker or company name as typed by a user; raises UnknownTicker with one line."""
    q = (query or "").strip()
    if not q:
        raise UnknownTicker("no ticker given: try e.g. TSLA, $AAPL or Tesla")
    if len(q) > 60:
        raise UnknownTicker(f"'{q[:20]}...' is too long for a ticker or company name")
    if not _QUERY_OK.match(q):
        shown = q if len(q) <= 30 else q[:30] + "..."
        raise UnknownTicker(f"{shown!r} is not a ticker or company name")
    return q


class SignalEngine(Publishing):
    def __init__(
        self,
        *,
        settings: EngineSettings,
        news: NewsFetcher,
        symbols: SymbolIndex,
        sentiment: SentimentBackend,
        prices: PriceProvider,
        store: Store,
        clock: Clock,
        headlines: NewsSource | None = None,
        calendar: MarketCalendar | None = None,
        targets: TargetScorer | None = None,
    ) -> None:
        self.settings = settings
        self.news = news  # fetches; per-ticker feeds are always read at request time
        self._headlines = headlines
        self.symbols = symbols
        self.sentiment = sentiment
        self.targets = targets  # scores a company within a headline (engine.sentiment.companies)
        self.prices = prices
        self.calendar = calendar or prices.calendar  # whether the market is open, for users
        self.store = store
        self.clock = clock

    @property
    def headlines(self) -> NewsSource:
        """Where the general feeds' stories come from: polled (`run`) or fetched now (CLI)."""
        return self._headlines or LiveNews(self.news, self.settings.feeds)

    @property
    def backend_label(self) -> str:
        return backend_label(self.sentiment.name, self.sentiment.model_id)

    async def _draft(self, now: datetime, *, cache_scores: bool) -> tuple[Digest, list[Article]]:
        """Everything a digest needs, recording nothing but sentiment scores (if `cache_scores`)."""
        s = self.settings
        t0 = time.perf_counter()
        batch = await self.headlines.recent(now, s.max_age)
        log.info(
            "Found %d recent articles (%d read, %d stale, %d duplicates, %d feeds failed)"
            " in %.1f s",
            len(batch.articles),
            batch.total,
            batch.stale,
            batch.duplicates,
            len(batch.failures),
            time.perf_counter() - t0,
        )
        failures = [{"source": f.source, "error": f.error} for f in batch.failures]
        by_symbol = self._group_by_symbol(batch.articles)
        candidates = await self._score(by_symbol, now, cache_scores=cache_scores)
        log.info("Found %d unique symbol opportunities", len(candidates))

        skipped: list[dict[str, str]] = []
        reachable: list[_Candidate] = []
        for c in candidates:  # no price lookups for symbols whose news cannot make a signal
            weak = news_too_weak(c.agg, s.weights, s.min_score)
            if weak:
                skipped.append({"symbol": c.symbol, "reason": weak})
            else:
                reachable.append(c)
        log.info("Filtered to %d with strong enough news", len(reachable))

        priced = await self._price(reachable, now, failures, skipped)
        signals = await self._issue(self._decided(reachable, skipped), now, skipped)
        log.info("Generated %d signals in %.1f s", len(signals), time.perf_counter() - t0)
        digest = Digest(
            generated_at=now,
            backend=self.backend_label,
            signals=signals,
            skipped=skipped,
            failed_sources=failures,
            articles_seen=len(batch.articles),
            market=self.calendar.state(now),
            price_source=self.prices.name,
            unpriced=sorted(priced.missing),
            notes=priced.notes,
        )
        return digest, batch.articles

    def _decided(
        self, candidates: Sequence[_Candidate], skipped: list[dict[str, str]]
    ) -> list[_Candidate]:
        """The priced candidates with a direction, strongest first; the others are skipped."""
        s = self.settings
        decided: list[_Candidate] = []
        for c in candidates:
            if c.snapshot is None:
                continue
            c.decision = decide(
                c.agg, c.technicals.score if c.technicals else 0.0, s.weights, s.min_score
            )
            if c.decision.direction is None:
                skipped.append({"symbol": c.symbol, "reason": c.decision.reason})
            else:
                decided.append(c)
        decided.sort(key=lambda c: abs(c.decision.combined) if c.decision else 0, reverse=True)
        return decided

    async def _issue(
        self, decided: Sequence[_Candidate], now: datetime, skipped: list[dict[str, str]]
    ) -> list[Signal]:
        """The signals the cooldown and signals.max_per_digest let through."""
        s = self.settings
        signals: list[Signal] = []
        for c in decided:
            assert c.decision is not None and c.decision.direction is not None
            last = await self.store.last_signal(c.symbol)
            verdict = cooldown_verdict(last, c.symbol, c.decision.direction, now, s.cooldown_days)
            if not verdict.allowed:
                skipped.append({"symbol": c.symbol, "reason": verdict.note})
                continue
            if len(signals) >= s.max_per_digest:
                skipped.append({"symbol": c.symbol, "reason": "over signals.max_per_digest"})
                continue
            sig = self._make_signal(c, c.decision.direction)
            sig.reversal = verdict.reversal
            signals.append(sig)
        return signals

    # -- one ticker on demand ---------------------------------------------------------------

    def resolve(self, query: str) -> tuple[str, str]:
        q = check_query(query)
        found = self.symbols.resolve(q)
        if found is None:
            raise UnknownTicker(f"unknown ticker or company {q!r}")
        return found

    async def ticker_view(self, query: str) -> TickerView:
        """What the news says about one ticker, its price and levels. Records nothing."""
        symbol, name = self.resolve(query)
        now = self.clock.now()
        s = self.settings
        general, specific = await asyncio.gather(
            self.headlines.recent(now, s.max_age),
            self.news.fetch(ticker_feed_urls(s.ticker_feeds, symbol), now, s.max_age),
        )
        failures = [
            {"source": f.source, "error": f.error} for f in general.failures + specific.failures
        ]
        about = dict(self._group_by_symbol(general.articles).get(symbol, []))
        for art in specific.articles:  # a per-ticker feed tags its items with the ticker
            found = headline_subjects(self.symbols, art.title, (*art.feed_tickers, symbol))
            about.update((art, x) for x in found if x.symbol == symbol)
        articles, _, _ = fresh_and_unique(about, now, s.max_age)
        view = TickerView(
            symbol, name, self.backend_label, now, None, "", None, None, None, s.max_age, failures
        )
        view.market, view.price_source = self.calendar.state(now), self.prices.name
        candidates = await self._score({symbol: [(a, about[a]) for a in articles]}, now)
        if not candidates:
            view.reason = f"no fresh news on {symbol} in the last {_hours(s.max_age)}"
            return view
        c = candidates[0]
        view.aggregate = c.agg
        skipped: list[dict[str, str]] = []
        view.notes = (await self._price([c], now, failures, skipped)).notes
        if c.snapshot is None:
            view.reason = skipped[0]["reason"] if skipped else "price unavailable"
            return view
        view.quote, view.technicals = c.snapshot.quote, c.technicals
        c.decision = decide(
            c.agg, c.technicals.score if c.technicals else 0.0, s.weights, s.min_score
        )
        view.reason = c.decision.reason
        if c.decision.direction is not None:
            view.signal = self._make_signal(c, c.decision.direction)
            last = await self.store.last_signal(symbol)
            verdict = cooldown_verdict(last, symbol, c.decision.direction, now, s.cooldown_days)
            view.signal.reversal = verdict.reversal
            view.cooldown = verdict.note
        return view

    async def explain(self, query: str) -> dict[str, Any] | None:
        """The stored explanation of the latest signal for a ticker, or None."""
        symbol, _ = self.resolve(query)
        last = await self.store.last_signal(symbol)
        return None if last is None else last.payload

    # -- shared steps -----------------------------------------------------------------------

    def subjects(self, articles: Sequence[Article]) -> dict[str, list[Article]]:
        """The stories by the ticker each is about (the alert job: which tickers to score)."""
        return {k: [a for a, _ in v] for k, v in self._group_by_symbol(articles).items()}

    def _group_by_symbol(
        self, articles: Sequence[Article]
    ) -> dict[str, list[tuple[Article, Subject]]]:
        grouped: dict[str, list[tuple[Article, Subject]]] = defaultdict(list)
        for art in articles:
            for subject in headline_subjects(self.symbols, art.title, art.feed_tickers):
                grouped[subject.symbol].append((art, subject))
        return dict(grouped)

    async def _score(
        self,
        by_symbol: dict[str, list[tuple[Article, Subject]]],
        now: datetime,
        *,
        cache_scores: bool = True,
    ) -> list[_Candidate]:
        """Each symbol's headlines scored for that symbol (engine.sentiment.companies)."""
        pairs = [(a.title, [subject]) for arts in by_symbol.values() for a, subject in arts]
        if not pairs:
            return []
        scorer = CompanyScorer(self.sentiment, self.targets, self.store)
        scored = iter(await scorer.score(pairs, now if cache_scores else None))
        out: list[_Candidate] = []
        for symbol, arts in by_symbol.items():
            if not arts:
                continue
            mine = [(a, next(scored)[1][symbol]) for a, _ in arts]
            agg = aggregate(mine, now, self.settings.half_life)
            out.append(_Candidate(symbol, self.symbols.name_of(symbol) or symbol, agg))
        return out

    async def _price(
        self,
        candidates: Sequence[_Candidate],
        now: datetime,
        failures: list[dict[str, str]],
        skipped: list[dict[str, str]],
    ) -> PriceRound:
        """Price each candidate; one with no price is skipped with its reason, and the price
        source gets one line in `failures` for all of them."""
        found = await fetch_prices(self.prices, [c.symbol for c in candidates], now)
        for c in candidates:
            c.snapshot = found.snapshots.get(c.symbol)
            if c.snapshot is None:
                skipped.append({"symbol": c.symbol, "reason": found.missing[c.symbol]})
            else:
                c.technicals = technical_score(c.snapshot.bars, c.snapshot.quote.last)
        if found.failure is not None:
            failures.append(found.failure)
        return found

    def _make_signal(self, c: _Candidate, direction: Direction) -> Signal:
        assert c.snapshot is not None and c.decision is not None
        quote = c.snapshot.quote
        lv: Levels | None = None
        if not quote.stale:
            lv = make_levels(direction, quote.last, c.technicals.atr14 if c.technicals else None)
        return Signal(
            symbol=c.symbol,
            name=c.name,
            direction=direction,
            score=round(c.decision.combined, 4),
            confidence=round(c.decision.confidence, 4),
            sentiment=round(c.agg.sentiment, 4),
            technical=round(c.technicals.score if c.technicals else 0.0, 4),
            quote=quote,
            levels=lv,
            technicals=c.technicals,
            articles=c.agg.articles,
            backend=self.backend_label,
        )


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h"
