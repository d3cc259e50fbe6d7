"""Building and publishing a digest: its signals, their cards and the digest recorded together,
and the signals other schedules' digests issued carried into it.

`Publishing` is the part of `engine.pipeline.SignalEngine` that writes to the store; drafting
(what the news says, priced and decided) stays in the pipeline, which this module never imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from engine.clock import Clock
from engine.models import Article, Digest, Signal
from engine.news.fetch import keyed
from engine.records import CarriedSignal, DigestRecord
from engine.serialize import digest_to_dict, signal_to_dict
from engine.signals import Weights
from engine.store import NewSignal, RecordedSignal, Store, StoredDigest

COMMAND_LINE = "command line"  # the schedule name of digests built by `tradethehype digest`


class PublishSettings(Protocol):
    """What publishing reads of the engine's settings (pipeline.EngineSettings)."""

    @property
    def min_score(self) -> float: ...

    @property
    def cooldown_days(self) -> float: ...

    @property
    def weights(self) -> Weights: ...

    @property
    def half_life(self) -> timedelta: ...


class Publishing:
    """Records digests and signals; the engine supplies the draft, its store, clock and label."""

    settings: PublishSettings
    store: Store
    clock: Clock

    @property
    def backend_label(self) -> str:
        raise NotImplementedError

    async def _draft(self, now: datetime, *, cache_scores: bool) -> tuple[Digest, list[Article]]:
        raise NotImplementedError

    # -- the digest -------------------------------------------------------------------------

    async def build_digest(self, *, dry_run: bool = False) -> Digest:
        """Build the digest now (the command line); unless dry_run, record what it issues.

        Recorded like a scheduled digest (signals, cards and digest in one transaction, under a
        slot of its own), so the next scheduled digest carries its signals to the chats: a
        digest run by hand never keeps a signal from subscribers through the cooldown.
        """
        now = self.clock.now()
        digest, articles = await self._draft(now, cache_scores=not dry_run)
        if dry_run:
            return digest

        slot = f"{COMMAND_LINE} {now.isoformat()}"
        await self._record_digest(digest, articles, now, slot, COMMAND_LINE)
        return digest

    async def preview_digest(self) -> Digest:
        """The digest as it would be now, recording no signal (sentiment scores are cached)."""
        digest, _ = await self._draft(self.clock.now(), cache_scores=True)
        return digest

    async def publish_digest(
        self,
        *,
        slot: str,
        schedule: str,
        carry_since: datetime | None = None,
        require_news: bool = False,
    ) -> StoredDigest | None:
        """The digest of a schedule slot, built and recorded exactly once.

        Its signals, their cards and the digest itself are written in one transaction; if the
        slot's digest exists already (a restart), it is returned untouched. Signals that other
        schedules' digests issued after `carry_since` are carried into this one (their cooldown
        keeps them out of it otherwise), so a chat on this schedule misses none of them.
        With `require_news`, a digest that could read no news at all (every feed failed) is
        not kept: None, and the caller tries again later.
        """
        existing = await self.store.slot_digest(slot)
        if existing is not None:
            return existing
        now = self.clock.now()
        digest, articles = await self._draft(now, cache_scores=True)
        if require_news and not articles and digest.failed_sources:
            return None
        carried = await self._carried(schedule, carry_since, {s.symbol for s in digest.signals})
        return await self._record_digest(digest, articles, now, slot, schedule, carried)

    async def _record_digest(
        self,
        digest: Digest,
        articles: Sequence[Article],
        now: datetime,
        slot: str,
        schedule: str,
        carried: Sequence[CarriedSignal] = (),
    ) -> StoredDigest:
        """Write the digest under `slot`: its signals, cards and itself in one transaction
        (signals another digest recorded a moment before are dropped from it)."""

        def compose(recorded: list[RecordedSignal]) -> dict[str, Any]:
            _keep_recorded(digest, {r.signal.symbol for r in recorded})
            card_ids = [r.card_id for r in recorded]
            return DigestRecord.payload(digest_to_dict(digest), card_ids, carried, slot)

        stored = await self.store.record_digest(
            slot=slot,
            schedule=schedule,
            signals=[self._to_record(sig, now) for sig in digest.signals],
            now=now,
            cooldown_days=self.settings.cooldown_days,
            compose=compose,
        )
        await self._save_articles(articles, now)
        return stored

    async def _carried(
        self, schedule: str, since: datetime | None, present: set[str]
    ) -> list[CarriedSignal]:
        if since is None:
            return []
        carried: list[CarriedSignal] = []
        for other in await self.store.digests_since(since):
            if other.schedule == schedule:
                continue
            record = DigestRecord.parse(other.payload)
            for sig, card_id in zip(record.digest.signals, record.card_ids, strict=False):
                if sig.symbol in present:
                    continue
                present.add(sig.symbol)
                carried.append(CarriedSignal(sig, card_id))
        return carried

    async def _save_articles(self, articles: Sequence[Article], now: datetime) -> None:
        await self.store.save_articles(keyed(articles), now)

    # -- what is recorded of a signal -------------------------------------------------------

    def signal_payload(self, sig: Signal, now: datetime) -> dict[str, Any]:
        """The signal with how it was made: what the store keeps and Why? shows."""
        payload = signal_to_dict(sig)
        payload["generated_at"] = now.isoformat()
        payload["explain"] = self._explanation(sig)
        return payload

    def _to_record(self, sig: Signal, now: datetime) -> NewSignal:
        payload = self.signal_payload(sig, now)
        return NewSignal(
            symbol=sig.symbol,
            direction=sig.direction,
            score=sig.score,
            confidence=sig.confidence,
            price=sig.quote.last if sig.quote else None,
            price_as_of=sig.quote.as_of if sig.quote else None,
            entry=sig.levels.entry if sig.levels else None,
            stop=sig.levels.stop if sig.levels else None,
            target=sig.levels.target if sig.levels else None,
            backend=sig.backend,
            payload=payload,
        )

    def _explanation(self, sig: Signal) -> dict[str, Any]:
        w = self.settings.weights.normalised()
        t = sig.technicals
        return {
            "weights": {"sentiment": round(w.sentiment, 4), "technical": round(w.technical, 4)},
            "min_score": self.settings.min_score,
            "half_life_hours": self.settings.half_life.total_seconds() / 3600,
            "technicals": None
            if t is None
            else {
                "rsi14": t.rsi14,
                "sma20": t.sma20,
                "sma50": t.sma50,
                "atr14": t.atr14,
                "score": t.score,
                "notes": list(t.notes),
            },
            "levels_formula": sig.levels.formula
            if sig.levels
            else "no levels: the price was stale",
            "article_weights": [round(a.weight, 4) for a in sig.articles],
        }


def _keep_recorded(digest: Digest, kept: set[str]) -> None:
    """Drop the signals the store refused (another digest recorded them a moment ago)."""
    for sig in digest.signals:
        if sig.symbol not in kept:
            digest.skipped.append(
                {"symbol": sig.symbol, "reason": "recorded by another digest a moment ago"}
            )
    digest.signals = [sig for sig in digest.signals if sig.symbol in kept]
