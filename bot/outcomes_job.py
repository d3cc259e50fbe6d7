"""After each session close, under `tradethehype run`: resolve the signals' outcomes, then tell the
chats that received a signal what became of it, in one line, exactly once.

The scheduler's loop runs it (bot/scheduler.py: its clock, its ticks). It is due
[outcomes] resolve_after_close_minutes after a session's close; the close it last did is kept in
the store, so a restart neither skips nor repeats one (and resolving again would change nothing).
Who received a signal: the chats that got all of a scheduled digest that had it, its own or one
that carried it, and are still subscribed. Each chat's notice is recorded the moment the platform
confirms it (the digest's way: StoreProgress, adapters.base.broadcast), so a restart sends only
what is missing. Outcomes resolved by hand (`tradethehype outcomes update`) are told at the next
run; a notice that failed is tried again then, for NOTIFY_FOR after its outcome. An outcome whose
exit is older than that (the first resolution of an older store) is recorded but not told.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.base import ChatAdapter, broadcast
from bot.scheduler import StoreProgress
from chat import BotCore
from chat.record import outcome_notice
from chat.replies import Reply, Text
from engine.clock import Clock
from engine.market import NEW_YORK, MarketCalendar
from engine.prices import PriceProvider
from engine.records import DigestRecord
from engine.store import Store
from engine.store.outcomes import StoredOutcome, TrackedSignal
from engine.tracking import Resolution, resolve

log = logging.getLogger(__name__)

LAST_OUTCOMES = "last_outcomes"  # runtime state: the session close last resolved
NOTIFY_FOR = timedelta(days=7)  # an outcome's notice is tried this long (a long weekend too)
_LOOKAHEAD_DAYS = 15


class OutcomeJob:
    def __init__(
        self,
        core: BotCore,
        adapters: Mapping[str, ChatAdapter],
        *,
        clock: Clock,
        calendar: MarketCalendar,
        prices: PriceProvider,
        horizon: int,
        notify: bool = True,
        delay: timedelta = timedelta(minutes=30),
        concurrency: int = 4,
        tz: ZoneInfo = NEW_YORK,
    ) -> None:
        self.core = core
        self.adapters = adapters
        self.clock = clock
        self.calendar = calendar
        self.prices = prices
        self.horizon = horizon
        self.notify = notify
        self.delay = delay
        self.concurrency = concurrency
        self.tz = tz

    @property
    def store(self) -> Store:
        return self.core.engine.store

    def due_at(self, now: datetime) -> datetime:
        """When the latest run due at or before `now` was due (a close plus the delay)."""
        return self.calendar.last_close(now - self.delay) + self.delay

    def next_due(self, after: datetime) -> datetime:
        """The first run due after `after`: the next session close plus the delay."""
        day = (after - self.delay).astimezone(NEW_YORK).date()
        for _ in range(_LOOKAHEAD_DAYS):
            close = self.calendar.session_close(day)
            if close is not None and close + self.delay > after:
                return close + self.delay
            day += timedelta(days=1)
        return after + timedelta(days=1)

    async def tick(self, now: datetime) -> Resolution | None:
        """Resolve and notify if a close is due that was not done yet; None when none was."""
        due = self.due_at(now)
        done = await self.store.state(LAST_OUTCOMES)
        if done is not None and done[0].get("due") == due.isoformat():
            return None
        result = await resolve(self.store, self.prices, now, horizon=self.horizon)
        if result.unpriced:
            log.warning(
                "Outcomes: %d signals left open, no price for %s",
                result.still_open,
                "; ".join(f"{s} ({why})" for s, why in sorted(result.unpriced.items())),
            )
        log.info("Outcomes: %d resolved, %d still open", len(result.resolved), result.still_open)
        await self.store.set_state(LAST_OUTCOMES, {"due": due.isoformat()}, now)
        if self.notify:
            await self.send_notices(now)
        return result

    async def send_notices(self, now: datetime) -> int:
        """Tell each receiving chat about the outcomes resolved lately; returns chats told."""
        told = 0
        for sig, stored in await self.store.resolved_since(now - NOTIFY_FOR):
            exit_at = stored.outcome.exit_at
            if exit_at is None or exit_at < now - NOTIFY_FOR:
                continue  # old news (a store's first resolution after an upgrade): not told
            chats = await self.core.state.received(await self._digests_with(sig, stored))
            by_platform: dict[str, list[str]] = defaultdict(list)
            for platform, chat_id in chats:
                if platform in self.adapters:
                    by_platform[platform].append(chat_id)
            reply = Reply((Text(outcome_notice(sig, stored, self.tz)),))
            for platform, ids in by_platform.items():
                progress = StoreProgress(
                    self.core.state, sig.id, platform, self.clock, of="outcome"
                )
                await progress.load()
                report = await broadcast(
                    self.adapters[platform],
                    reply,
                    ids,
                    concurrency=self.concurrency,
                    progress=progress,
                )
                told += len(report.delivered)
        return told

    async def _digests_with(self, sig: TrackedSignal, stored: StoredOutcome) -> list[int]:
        """The scheduled digests that showed `sig`: the one that recorded it, and any that
        carried it to another schedule's chats before it closed."""
        found = []
        # digests_since is strictly after: the signal's own digest has the signal's time
        for digest in await self.store.digests_since(sig.created_at - timedelta(seconds=1)):
            if digest.created_at > stored.resolved_at:
                break
            record = DigestRecord.parse(digest.payload)
            shown = [*record.digest.signals, *(c.signal for c in record.carried)]
            if any(s.symbol == sig.symbol and s.generated_at == sig.generated_at for s in shown):
                found.append(digest.id)
        return found
