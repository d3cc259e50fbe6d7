"""The digest schedule under `tradethehype run`: build once per slot, deliver exactly once.

Every tick (at each slot's time, after a /settings change, and at least once a minute) the
scheduler looks at every schedule in use: the configured one and each chat's own. For each, the
latest slot that fired within the grace is due: its digest is built once (stored with the slot's
key, its signals recorded in the same transaction) and delivered to every chat on that schedule
that does not have it yet. Each chat's progress is written the moment the platform confirms a
message, so a restart (after a crash, or kill -9) finds the slot still due and sends only what is
missing. A slot found more than the grace after its time is skipped, never sent stale.

Times come from the injected clock, so tests step time instead of sleeping until 06:30.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from adapters.base import ChatAdapter, DeliveryReport, broadcast
from chat import BotCore
from chat.core import digest_reply
from chat.record import digest_record_line
from chat.schedule import Planner, Schedule, Slot, parse_time
from chat.state import ChatState, Delivered, Delivery
from chat.text import span
from engine.clock import Clock
from engine.news.polling import PolledNews
from engine.records import DigestRecord
from engine.store import Store, StoredDigest

log = logging.getLogger(__name__)

HEARTBEAT = "heartbeat"
LAST_DIGEST = "last_digest"
FINAL = ("delivered", "gone")  # a chat in either state never gets that digest (again)
TICK = timedelta(minutes=1)  # the longest the loop sleeps: heartbeat, retries, clock changes
ALERTED_WITHIN = timedelta(days=1)  # a digest notes the alerts a chat had this long before it


class StoreProgress:
    """Delivery progress of one digest (or of=`outcome`: one signal's outcome notice, by signal
    id) on one platform, kept in the store."""

    def __init__(
        self,
        state: ChatState,
        digest_id: int,
        platform: str,
        clock: Clock,
        *,
        of: Delivered = "digest",
    ) -> None:
        self.state = state
        self.digest_id = digest_id
        self.platform = platform
        self.clock = clock
        self.of: Delivered = of
        self._known: dict[tuple[str, str], Delivery] = {}

    async def load(self) -> None:
        self._known = dict(await self.state.deliveries(self.digest_id, of=self.of))

    async def parts_sent(self, chat_id: str) -> int | None:
        row = self._known.get((self.platform, chat_id))
        if row is None:
            return 0
        return None if row.status in FINAL else row.parts_sent

    async def _save(self, chat_id: str, parts: int, status: str, error: str = "") -> None:
        await self.state.record_delivery(
            self.digest_id,
            self.platform,
            chat_id,
            parts_sent=parts,
            status=status,
            error=error,
            now=self.clock.now(),
            of=self.of,
        )

    async def sent(self, chat_id: str, parts_sent: int, total: int) -> None:
        await self._save(chat_id, parts_sent, "delivered" if parts_sent >= total else "sending")

    async def gone(self, chat_id: str, error: str) -> None:
        await self._save(chat_id, 0, "gone", error)

    async def failed(self, chat_id: str, parts_sent: int, error: str) -> None:
        await self._save(chat_id, parts_sent, "failed", error)


class Job(Protocol):
    """Other work on the scheduler's clock (bot/outcomes_job.py): run at each tick, woken for."""

    def next_due(self, after: datetime) -> datetime: ...

    async def tick(self, now: datetime) -> object: ...


@dataclass
class SlotRun:
    """What one tick did for one slot (tests and logs read it)."""

    slot: Slot
    digest: StoredDigest | None = None
    reports: dict[str, DeliveryReport] = field(default_factory=dict)


class DigestScheduler:
    def __init__(
        self,
        core: BotCore,
        adapters: Sequence[ChatAdapter],
        planner: Planner,
        *,
        clock: Clock,
        concurrency: int = 4,
        poller: PolledNews | None = None,
        jobs: Sequence[Job] = (),
    ) -> None:
        self.core = core
        self.adapters = {a.platform: a for a in adapters}
        self.planner = planner
        self.clock = clock
        self.concurrency = concurrency
        self.poller = poller
        self.jobs = tuple(jobs)
        self.ticked = asyncio.Event()  # set after every tick (tests await it)
        self._missed: set[str] = set()  # stale slots already logged
        self._started = clock.now()

    @property
    def store(self) -> Store:
        return self.core.engine.store

    @property
    def state(self) -> ChatState:
        return self.core.state

    # -- the loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        await self._heartbeat()
        log.info(
            "Digest scheduled at %s%s (grace %s)",
            self.core.default_schedule.describe(),
            ", trading days only" if self.planner.trading_days_only else "",
            span(self.planner.grace),
        )
        beat = asyncio.create_task(self._beat(stop), name="heartbeat")
        try:
            await self._loop(stop)
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)

    async def _heartbeat(self) -> None:
        """Tell `tradethehype health` the bot is alive."""
        try:
            await self.store.set_state(
                HEARTBEAT,
                {
                    "pid": os.getpid(),
                    "started": self._started.isoformat(),
                    "adapters": list(self.adapters),
                },
                self.clock.now(),
            )
        except Exception:
            log.exception("writing the heartbeat failed")

    async def _beat(self, stop: asyncio.Event) -> None:
        """A heartbeat every minute, on its own, so a long delivery never looks like a hang."""
        while not stop.is_set():
            await self._sleep(self.clock.now() + TICK, stop, wake_on_change=False)
            await self._heartbeat()

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            began = self.clock.now()
            try:
                await self.tick(began)
            except Exception:  # a bad tick must not end the schedule: log it, try again soon
                log.exception("the digest schedule's tick failed; trying again in a minute")
            self.ticked.set()
            await self._sleep(await self._next_wake(began), stop)

    async def _sleep(
        self, until: datetime, stop: asyncio.Event, *, wake_on_change: bool = True
    ) -> None:
        waits = [
            asyncio.ensure_future(self.clock.sleep_until(until)),
            asyncio.ensure_future(stop.wait()),
        ]
        if wake_on_change:
            waits.append(asyncio.ensure_future(self.core.schedule_changed.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        if wake_on_change:
            self.core.schedule_changed.clear()

    async def _next_wake(self, looked_at: datetime) -> datetime:
        """The first slot after the instant the last tick looked at (not after now: a tick that
        began at 07:59:59 and ran past 08:00 must wake at once for the 08:00 slot, not a minute
        later), or a minute on, or the next poll."""
        wake = looked_at + TICK
        for schedule in (await self._audience()).keys():
            slot = self.planner.next_slot(schedule, looked_at)
            if slot is not None:
                wake = min(wake, slot.at)
        if self.poller is not None and (due := self.poller.next_poll()) is not None:
            wake = min(wake, due)
        return min([wake, *(job.next_due(looked_at) for job in self.jobs)])

    # -- one tick ---------------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> list[SlotRun]:
        """Poll if due, then build and deliver every slot due at `now` (default: the clock's
        now); returns what it did."""
        now = self.clock.now() if now is None else now
        if self.poller is not None:
            try:
                await self.poller.poll_if_due(now)
            except Exception:
                log.exception("polling the news failed")
        runs = []
        for schedule, chats in (await self._audience()).items():
            slot = self.planner.last_slot(schedule, now)
            if slot is None:
                continue
            if not self.planner.is_due(slot, now):
                await self._note_stale(slot, now)
                continue
            recipients = [(p, c) for p, c, since in chats if since <= slot.at]
            previous = self.planner.previous_slot(slot)
            if previous is not None:  # a chat that just moved here from another schedule and
                # already got that one's digest this period waits for the next slot
                served = await self.state.served_since(previous.at, slot.schedule.key)
                recipients = [r for r in recipients if r not in served]
            if recipients and (run := await self._run_slot(slot, recipients)).digest:
                runs.append(run)
        for job in self.jobs:
            try:
                await job.tick(now)
            except Exception:
                log.exception("%s failed; trying again at the next tick", type(job).__name__)
        return runs

    async def _audience(self) -> dict[Schedule, list[tuple[str, str, datetime]]]:
        """Subscribed chats by schedule: (platform, chat id, subscribed at)."""
        own = await self.state.chat_times()
        by_schedule: dict[Schedule, list[tuple[str, str, datetime]]] = defaultdict(list)
        for sub in await self.state.subscriptions():
            if sub.platform not in self.adapters:
                continue  # a platform not running now: its chats wait for it
            setting = own.get((sub.platform, sub.chat_id))
            schedule = (
                self.core.default_schedule
                if setting is None
                else Schedule((parse_time(setting[0]),), setting[1])
            )
            by_schedule[schedule].append((sub.platform, sub.chat_id, sub.subscribed_at))
        return by_schedule

    async def _run_slot(self, slot: Slot, recipients: list[tuple[str, str]]) -> SlotRun:
        run = SlotRun(slot)
        digest = await self.store.slot_digest(slot.key)
        if digest is not None:
            done = await self.state.deliveries(digest.id)
            if all(r in done and done[r].status in FINAL for r in recipients):
                return run
        now = self.clock.now()
        if digest is None:
            digest = await self._build(slot, now)
            if digest is None:
                return run
        run.digest = digest
        record = DigestRecord.parse(digest.payload)
        line = await digest_record_line(self.store, digest.created_at)
        notes = await self._alerted_notes(record, digest.created_at, slot.schedule.zone)
        by_reply: dict[tuple[str, str], list[str]] = defaultdict(list)  # (platform, note)
        for platform, chat_id in recipients:
            by_reply[(platform, notes.get((platform, chat_id), ""))].append(chat_id)
        t0 = time.perf_counter()
        for (platform, note), chats in by_reply.items():
            reply = await self.core.charts.digest(  # (each chart rendered once for all)
                digest_reply(record, slot.schedule.zone, note=note, record_line=line), record
            )
            progress = StoreProgress(self.state, digest.id, platform, self.clock)
            await progress.load()
            report = await broadcast(
                self.adapters[platform],
                reply,
                chats,
                concurrency=self.concurrency,
                progress=progress,
            )
            run.reports[platform] = run.reports.get(platform, DeliveryReport()).merged(report)
        counts = await self.state.delivery_counts(digest.id)
        log.info(
            "Delivered digest #%d (%s) in %.1f s: %s",
            digest.id,
            slot.key,
            time.perf_counter() - t0,
            ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no chats",
        )
        return run

    async def _alerted_notes(
        self, record: DigestRecord, made: datetime, zone: ZoneInfo
    ) -> dict[tuple[str, str], str]:
        """Per chat, the digest's tickers it had an alert on in the day before the digest was
        made: "Alerted here earlier: TSLA at 11:14." (fixed once the digest is made, so a
        resumed delivery renders the same messages)."""
        symbols = [s.symbol for s in record.digest.signals]
        alerted = await self.core.alerts.alerted(symbols, made - ALERTED_WITHIN, made)
        return {
            chat: "Alerted here earlier: "
            + ", ".join(f"{s} at {at.astimezone(zone):%H:%M}" for s, at in sorted(times.items()))
            + "."
            for chat, times in alerted.items()
        }

    async def _note_stale(self, slot: Slot, now: datetime) -> None:
        """Say once why a slot missed while the bot was down is not sent."""
        if slot.key in self._missed or now - slot.at > timedelta(days=1):
            return  # (older ones are not news: a first start on a Monday stays quiet)
        self._missed.add(slot.key)
        digest = await self.store.slot_digest(slot.key)
        if digest is not None and set(await self.state.delivery_counts(digest.id)) <= set(FINAL):
            return  # it went out before
        log.warning(
            "Not sending the %s digest: it is %s late, past the %s grace (the next one comes "
            "as scheduled)",
            slot.key,
            span(now - slot.at),
            span(self.planner.grace),
        )

    async def _build(self, slot: Slot, now: datetime) -> StoredDigest | None:
        previous = self.planner.previous_slot(slot)
        t0 = time.perf_counter()
        digest = await self.core.engine.publish_digest(
            slot=slot.key,
            schedule=slot.schedule.key,
            carry_since=previous.at if previous else None,
            # news down at the slot's time: wait for it during the first half of the grace
            require_news=now < slot.at + self.planner.grace / 2,
        )
        if digest is None:
            log.warning(
                "No news could be read for the %s digest; trying again in a minute", slot.key
            )
            return None
        record = DigestRecord.parse(digest.payload)
        log.info(
            "Built digest #%d for %s in %.1f s: %d signals, %d carried from other schedules",
            digest.id,
            slot.key,
            time.perf_counter() - t0,
            len(record.digest.signals),
            len(record.carried),
        )
        await self.store.set_state(LAST_DIGEST, {"id": digest.id, "slot": slot.key}, now)
        return digest

