"""The bot's core, shared by every chat platform: runs a registered command for a caller.

It checks who may run the command, applies the per-user rate limit, turns errors a user can cause
into one polite line (and anything else into an apology, logged with its traceback), and remembers
which signal card each chat saw last, which `/why` with no ticker explains.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chat.alerts_state import AlertState
from chat.charts import Charts, ChartSettings
from chat.record import digest_record_line
from chat.registry import Access, ChatKind, Command, Registry
from chat.replies import (
    SUBSCRIBE_ACTION,
    WHY_PREFIX,
    Card,
    Reply,
    Text,
    refusal,
    signal_card,
)
from chat.report import (
    DIGEST_TITLE,
    backend_phrase,
    context_line,
    note_lines,
    outcome_line,
    stories_line,
)
from chat.schedule import Schedule, parse_time
from chat.state import ChatState
from chat.text import render_why
from engine.clock import Clock
from engine.errors import StoreError, UserError
from engine.pipeline import SignalEngine
from engine.records import DigestDoc, DigestRecord, SignalRecord
from engine.store import Store

log = logging.getLogger(__name__)

PREVIEW_FOR = timedelta(minutes=2)  # one preview serves /digest calls this close together
SORRY = "Sorry, something went wrong on our side. Please try again in a minute."
MAX_ARGS_CHARS = 200


async def _no_rights() -> bool:
    return False


@dataclass(frozen=True)
class Caller:
    """Who is asking, and where. `is_chat_admin` asks the platform (only when needed)."""

    platform: str  # "telegram", "discord", "console"
    chat_id: str
    user_id: str
    chat_kind: ChatKind = ChatKind.PRIVATE
    chat_title: str = ""
    is_chat_admin: Callable[[], Awaitable[bool]] = _no_rights


@dataclass(frozen=True)
class BotSettings:
    admins: Mapping[str, frozenset[str]] = field(default_factory=dict)  # platform -> user ids
    rate_limit_per_minute: int = 5
    max_tickers: int = 3
    timezone: str = "America/Phoenix"  # of the digest times; what "today" means for /digest
    digest_times: tuple[str, ...] = ("06:30",)
    trading_days_only: bool = True
    horizon_sessions: int = 5  # [outcomes]: what /performance's rules line says
    charts: ChartSettings = field(default_factory=ChartSettings)
    max_watchlist: int = 25  # [alerts] max_watchlist: tickers a chat may watch
    alert_min_score: float = 0.3  # a chat's alert threshold unless it sets one ([signals])


class RateLimiter:
    """At most `limit` actions per user in any 60-second window (0 disables the limit)."""

    def __init__(self, limit: int, clock: Clock, window: timedelta = timedelta(minutes=1)) -> None:
        self.limit = limit
        self.clock = clock
        self.window = window
        self._hits: dict[str, deque[datetime]] = defaultdict(deque)

    def wait_for(self, key: str) -> float:
        """Seconds until `key` may act again; 0.0 means now (and counts this action)."""
        if self.limit <= 0:
            return 0.0
        now = self.clock.now()
        hits = self._hits[key]
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max((hits[0] + self.window - now).total_seconds(), 1.0)
        hits.append(now)
        return 0.0


@dataclass
class Context:
    """What a handler gets: the caller, the raw argument text, and the core's services."""

    core: BotCore
    caller: Caller
    args: str

    @property
    def engine(self) -> SignalEngine:
        return self.core.engine

    @property
    def store(self) -> Store:
        return self.core.engine.store

    @property
    def state(self) -> ChatState:
        return self.core.state

    @property
    def now(self) -> datetime:
        return self.core.engine.clock.now()


class BotCore:
    def __init__(
        self, engine: SignalEngine, registry: Registry, settings: BotSettings | None = None
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.state = ChatState(engine.store)  # the chat tables, in the engine's store
        self.alerts = AlertState(engine.store)  # watchlists, alert settings, alerts sent
        self.settings = settings or BotSettings()
        self.limiter = RateLimiter(self.settings.rate_limit_per_minute, engine.clock)
        self.charts = Charts(engine.prices, self.settings.charts)  # each signal's chart, once
        self.default_schedule = Schedule(
            tuple(parse_time(t) for t in self.settings.digest_times), self.settings.timezone
        )
        self.schedule_changed = asyncio.Event()  # a chat picked its own time: re-plan
        self._digest_lock = asyncio.Lock()
        self._preview: tuple[datetime, DigestRecord] | None = None

    # -- running commands -------------------------------------------------------------------

    async def handle(self, name: str, args: str, caller: Caller) -> Reply:
        """Run `/name args` for `caller`; always returns a reply, never raises."""
        command = self.registry.get(name)
        if command is None:
            return refusal(f"I don't know /{name[:32]}. /help lists what I can do.")
        return await self._run(command, args, caller)

    async def press(self, action: str, caller: Caller) -> Reply:
        """A button was pressed: `action` is what the button carried."""
        if action == SUBSCRIBE_ACTION:
            return await self.handle("subscribe", "", caller)
        if action.startswith(WHY_PREFIX):
            return await self._guarded(caller, True, lambda: self._why_card(action, caller))
        return refusal("That button is no longer valid.")

    async def _run(self, command: Command, args: str, caller: Caller) -> Reply:
        if command.access is Access.CHAT_ADMIN and not await self.may_administer(caller):
            return refusal(f"Only this chat's administrators can use /{command.name} here.")
        if len(args) > MAX_ARGS_CHARS:
            return refusal(f"That is too long for /{command.name}. Try {command.usage}.")
        ctx = Context(self, caller, args.strip())
        return await self._guarded(caller, command.rate_limited, lambda: command.handler(ctx))

    async def _guarded(
        self, caller: Caller, limited: bool, run: Callable[[], Awaitable[Reply]]
    ) -> Reply:
        if limited:
            wait = self.limiter.wait_for(f"{caller.platform}:{caller.user_id}")
            if wait:
                limit = self.settings.rate_limit_per_minute
                return refusal(
                    f"Easy there: at most {limit} signal or why requests a minute. "
                    f"Try again in {wait:.0f} s."
                )
        try:
            reply = await run()
        except StoreError as exc:  # the operator's to fix (the log says what): not the user's
            log.error("command failed for %s chat %s: %s", caller.platform, caller.chat_id, exc)
            return Reply((Text(SORRY, "error"),), private=True, ok=False)
        except UserError as exc:
            return refusal(str(exc))
        except Exception:
            log.exception("command failed for %s chat %s", caller.platform, caller.chat_id)
            return Reply((Text(SORRY, "error"),), private=True, ok=False)
        await self._mark_reply_shown(reply, caller)
        return reply

    async def may_administer(self, caller: Caller) -> bool:
        if caller.chat_kind is ChatKind.PRIVATE:
            return True
        if caller.user_id in self.settings.admins.get(caller.platform, frozenset()):
            return True
        try:
            return await caller.is_chat_admin()
        except Exception:
            log.warning(
                "could not check admin rights in %s chat %s",
                caller.platform,
                caller.chat_id,
                exc_info=True,
            )
            return False

    async def _mark_reply_shown(self, reply: Reply, caller: Caller) -> None:
        shown = [c.card_id for c in reply.cards if c.card_id is not None]
        if shown:
            await self.mark_shown(caller.platform, caller.chat_id, shown[-1])

    async def mark_shown(self, platform: str, chat_id: str, card_id: int) -> None:
        await self.state.set_last_shown(platform, chat_id, card_id, self.engine.clock.now())

    # -- Why? -------------------------------------------------------------------------------

    async def _why_card(self, action: str, caller: Caller) -> Reply:
        try:
            card_id = int(action[len(WHY_PREFIX) :])
        except ValueError:
            return refusal("That button is no longer valid.")
        payload = await self.engine.store.card(card_id)
        if payload is None:
            return refusal("That signal is no longer in the store.")
        return why_reply(SignalRecord.parse(payload), self.engine.clock.now())

    # -- cards and digests --------------------------------------------------------------------

    async def card_for(self, payload: dict[str, Any]) -> Card:
        """Keep a signal's explanation and return its card with a working Why? button."""
        card_id = await self.engine.store.save_card(payload, self.engine.clock.now())
        return signal_card(SignalRecord.parse(payload), card_id)

    # -- schedules ---------------------------------------------------------------------------

    async def schedule_for(self, platform: str, chat_id: str) -> Schedule:
        """The chat's own digest time (/settings time), else the configured one."""
        own = await self.state.chat_time(platform, chat_id)
        if own is None:
            return self.default_schedule
        return Schedule((parse_time(own[0]),), own[1])

    async def todays_digest(self, caller: Caller) -> Reply:
        """Today's scheduled digest for this chat; before it is built, a preview (not recorded)."""
        schedule = await self.schedule_for(caller.platform, caller.chat_id)
        zone = schedule.zone
        local = self.engine.clock.now().astimezone(zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self._digest_lock:  # two /digest at once build one preview
            stored = await self.engine.store.latest_digest(since=midnight, schedule=schedule.key)
            if stored is not None:
                record = DigestRecord.parse(stored.payload)
                line = await digest_record_line(self.engine.store, stored.created_at)
                reply = digest_reply(record, zone, record_line=line)
                return await self.charts.digest(reply, record)
            preview = await self._preview_record()
        note = (
            "Preview: not recorded, and signals in it may come again in the scheduled digest "
            f"({schedule.describe()}"
            + (", trading days" if self.settings.trading_days_only else "")
            + ")."
        )
        line = await digest_record_line(self.engine.store, preview.digest.generated_at)
        reply = digest_reply(preview, zone, note=note, record_line=line)
        return await self.charts.digest(reply, preview)

    async def _preview_record(self) -> DigestRecord:
        now = self.engine.clock.now()
        if self._preview is not None and now - self._preview[0] < PREVIEW_FOR:
            return self._preview[1]
        digest = await self.engine.preview_digest()
        cards = [
            await self.card_for(self.engine.signal_payload(sig, digest.generated_at))
            for sig in digest.signals
        ]
        record = DigestRecord(
            DigestDoc.of(digest), tuple(c.card_id for c in cards if c.card_id is not None)
        )
        if digest.signals or not digest.failed_sources:  # a preview of nothing but failures
            self._preview = (now, record)  # is not kept: the next /digest tries again
        return record


def why_reply(record: SignalRecord, now: datetime, *, outcome: str = "") -> Reply:
    """How a signal was made; its ages counted from `now` (the clock's time, not the signal's);
    then what became of it (`outcome`: chat.record.why_outcome_line), when known."""
    body = render_why(record, now).rstrip() + (f"\n{outcome}" if outcome else "")
    return Reply((Text(body, preformatted=True),))


def digest_reply(
    record: DigestRecord, tz: ZoneInfo, *, note: str = "", record_line: str = ""
) -> Reply:
    """The digest as a reply: a heading, one card per signal, the signals carried over from
    other schedules' digests, then what failed, and last the record (`record_line`)."""
    d = record.digest
    carried = record.carried
    made = d.generated_at.astimezone(tz)
    n = len(d.signals)
    facts = [stories_line(n, d.articles_seen)]
    facts.append(context_line(d.market, d.price_source))
    facts.append(backend_phrase(d.backend))
    heading = f"{DIGEST_TITLE} · {made:%a %d %b %Y %H:%M} {made.tzname()}\n" + " · ".join(
        f for f in facts if f
    )
    blocks: list[Text | Card] = [Text(heading, "title")]
    if note:
        blocks.append(Text(note, "note"))
    blocks.extend(signal_card(sig, card_id) for sig, card_id in record.signal_cards())
    outcome = outcome_line(
        n, d.unpriced, articles=d.articles_seen, sources_failed=bool(d.failed_sources)
    )
    if n == 0 and carried and not d.unpriced:
        outcome = "No new signals since the ones below."
    if outcome:
        blocks.append(Text(outcome))
    if carried:
        blocks.append(
            Text(
                f"Also signalled since this chat's last digest, elsewhere (prices as of then): "
                f"{len(carried)}",
                "note",
            )
        )
        blocks.extend(signal_card(c.signal, c.card_id) for c in carried)
    notes = []
    if d.skipped:
        others = len(d.skipped)
        were = "ticker was" if others == 1 else "tickers were"
        notes.append(f"{others} other {were} in the news without a signal.")
    notes.extend(note_lines(d.notes, d.failed_sources))
    if notes:
        blocks.append(Text("\n".join(notes), "note"))
    if record_line:
        blocks.append(Text(record_line, "note"))
    return Reply(tuple(blocks))
