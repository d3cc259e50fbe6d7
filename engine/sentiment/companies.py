"""The sentiment a headline carries for each company it is about.

A headline has one direction per company: in "Nvidia jumps as AMD slumps" Nvidia is up and AMD
is down. For each headline and each company it is about (a subject match of the extractor,
each company once, at its first mention), the sentiment is decided by these rules, in order,
and the rule that decided is kept (`Basis.decided_by`):

a. a ticker found only through a feed's tag (or a per-ticker feed) on a headline whose text
   names other companies is not a subject of it: the headline does not count for that ticker.
   A feed-tagged ticker on a headline that names no company keeps the headline's sentiment.
b. "analyst": an analyst action on that company (engine.sentiment.analyst) fixes it: the
   action's direction gets ANALYST_PROBABILITY.
c. "company": two or more distinct companies, and a target-aware scorer (`supports_targets`):
   that model's score for (headline, that company's mention).
d. "headline": the headline's own score from the backend.

Scores are kept in the store's sentiment cache: a headline's under the backend's cache key and
its text, a company's under the target model's cache key + "|target:<style>" and the headline,
mention and place, so a new model never reads an old score and a company's score never reads
the headline's.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from engine.models import Basis, CompanySentiment, Sentiment, SymbolMatch
from engine.sentiment import SentimentBackend, chunk_size
from engine.sentiment.analyst import AnalystCall, analyst_call
from engine.sentiment.target import Target, TargetScorer

log = logging.getLogger(__name__)
T = TypeVar("T")
AnalystRule = Callable[[str, SymbolMatch, Sequence[SymbolMatch]], AnalystCall | None]

# An analyst action is a fact, not a model's guess: its direction gets this probability and the
# other two classes share the rest. 0.9 weighs one action like a clear headline of the model's.
ANALYST_PROBABILITY = 0.9


class Extractor(Protocol):
    """What finds companies in text (engine.symbols.SymbolIndex)."""

    def extract(self, text: str, feed_tickers: Sequence[str] = ()) -> list[SymbolMatch]: ...


class ScoreCache(Protocol):
    """Where computed scores are kept (engine.store.Store)."""

    async def cached_sentiments(
        self, model_key: str, texts: Sequence[str]
    ) -> dict[str, Sentiment]: ...

    async def cache_sentiments(
        self, model_key: str, results: Sequence[tuple[str, Sentiment]], now: datetime
    ) -> None: ...


@dataclass(frozen=True)
class Subject:
    """One company a headline is about (rule a applied), with what rules b-d need."""

    match: SymbolMatch
    companies: int  # distinct companies the headline is about
    analyst: AnalystCall | None = None

    @property
    def symbol(self) -> str:
        return self.match.symbol

    def target(self, title: str) -> Target:
        m = self.match  # a feed's tag has no mention in the text: the company's name stands in
        return Target(title, m.match or m.name, m.start, m.end)


def headline_subjects(
    symbols: Extractor,
    title: str,
    feed_tickers: Sequence[str] = (),
    analyst: AnalystRule = analyst_call,
) -> list[Subject]:
    """The companies `title` is about, each once, in text order: those its text names as news,
    or the feed's tags when the text names no company (rule a); each with its analyst action
    (`analyst`: engine.sentiment.analyst.analyst_call) if there is one."""
    found = symbols.extract(title)
    named = [m for m in found if m.role == "subject"]
    in_text = {m.symbol for m in named}
    tagged = [m for m in symbols.extract("", feed_tickers) if m.symbol not in in_text]
    chosen = named if named else tagged
    everything = [*tagged, *found]
    return [Subject(m, len(chosen), analyst(title, m, everything)) for m in chosen]


def analyst_sentiment(call: AnalystCall) -> Sentiment:
    """Fixed class probabilities for an analyst action's direction."""
    rest = (1.0 - ANALYST_PROBABILITY) / 2
    scores = {label: rest for label in ("positive", "negative", "neutral")}
    scores[call.direction] = ANALYST_PROBABILITY
    return Sentiment(call.direction, scores)


def target_key(target: Target) -> str:
    """The text a company's score is cached under: the headline, the mention and its place."""
    return json.dumps([target.text, target.mention, target.start, target.end], ensure_ascii=False)


class CompanyScorer:
    """Scores headlines and the companies in them by rules b-d, reusing cached scores.

    `backend` scores headlines; `targets`, if given and `supports_targets`, scores a company
    within a headline (rule c); `cache` (the store) keeps scores across runs.
    """

    def __init__(
        self,
        backend: SentimentBackend,
        targets: TargetScorer | None = None,
        cache: ScoreCache | None = None,
    ) -> None:
        self.backend = backend
        self.targets = targets
        self.cache = cache

    @property
    def uses_targets(self) -> bool:
        return self.targets is not None and bool(getattr(self.targets, "supports_targets", False))

    @property
    def headline_key(self) -> str:
        b = self.backend
        return getattr(b, "cache_key", "") or f"{b.name}:{b.model_id}"

    @property
    def target_key(self) -> str:
        t = self.targets
        assert t is not None
        model = getattr(t, "cache_key", "") or f"{t.name}:{t.model_id}"
        return f"{model}|target:{getattr(t, 'target_style', None) or ''}"

    def by_company(self, subject: Subject) -> bool:
        """Whether rule c decides `subject` (no analyst action, several companies, a model)."""
        return subject.analyst is None and subject.companies >= 2 and self.uses_targets

    async def score(
        self, headlines: Sequence[tuple[str, Sequence[Subject]]], now: datetime | None = None
    ) -> list[tuple[Sentiment, dict[str, CompanySentiment]]]:
        """For each (title, subjects): the headline's score and each subject's, by symbol.
        Fresh scores are kept in the cache as made at `now` (None: not kept)."""
        titles = list(dict.fromkeys(title for title, _ in headlines))
        by_title = await self._scored(
            "headlines",
            self.headline_key,
            {t: t for t in titles},
            self.backend.classify,
            chunk_size(self.backend),
            now,
        )
        wanted = {
            target_key(t): t
            for title, subjects in headlines
            for t in (s.target(title) for s in subjects if self.by_company(s))
        }
        by_target: dict[str, Sentiment] = {}
        if wanted:
            assert self.targets is not None
            by_target = await self._scored(
                "companies",
                self.target_key,
                wanted,
                self.targets.classify_targets,
                chunk_size(self.targets),
                now,
            )
        out: list[tuple[Sentiment, dict[str, CompanySentiment]]] = []
        for title, subjects in headlines:
            headline = by_title[title]
            out.append(
                (
                    headline,
                    {s.symbol: self._decide(title, s, headline, by_target) for s in subjects},
                )
            )
        return out

    def _decide(
        self, title: str, s: Subject, headline: Sentiment, by_target: dict[str, Sentiment]
    ) -> CompanySentiment:
        if s.analyst is not None:
            basis = Basis("analyst", s.companies, s.analyst.analyst, s.analyst.action)
            return CompanySentiment(analyst_sentiment(s.analyst), headline, basis)
        if self.by_company(s):
            return CompanySentiment(
                by_target[target_key(s.target(title))], headline, Basis("company", s.companies)
            )
        return CompanySentiment(headline, headline, Basis("headline", s.companies))

    async def _scored(
        self,
        what: str,
        model_key: str,
        items: dict[str, T],
        classify: Callable[[list[T]], Awaitable[list[Sentiment]]],
        step: int,
        now: datetime | None,
    ) -> dict[str, Sentiment]:
        """Scores of `items` (by cache text): from the cache, else computed by `classify`,
        `step` at a time, each chunk kept as soon as it is scored (an interrupted run loses one
        chunk at most)."""
        found = await self.cache.cached_sentiments(model_key, list(items)) if self.cache else {}
        todo = [k for k in items if k not in found]
        t0 = time.perf_counter()
        for start in range(0, len(todo), step):
            chunk = todo[start : start + step]
            fresh = list(zip(chunk, await classify([items[k] for k in chunk]), strict=True))
            found.update(fresh)
            if now is not None and self.cache is not None:
                await self.cache.cache_sentiments(model_key, fresh, now)
        if items:
            log.info(
                "Scored %d %s with %s in %.1f s (%d from the store)",
                len(todo),
                what,
                model_key,
                time.perf_counter() - t0,
                len(items) - len(todo),
            )
        return found
