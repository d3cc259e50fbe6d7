"""After each poll, under `tradethehype run`: breaking-news alerts to the chats watching a ticker.

The scheduler's loop runs it right after the poll (bot/scheduler.py). Every ticker named by a
story the poller saw for the first time since the last run is scored through the same engine path
as `/signal` (`SignalEngine.ticker_view`); a chat watching it (or every chat with alerts on, with
`[alerts] everything`) gets an alert when the signal's score reaches the chat's threshold, unless
the rules in chat/alerts.py say otherwise (cooldown, hourly cap, quiet hours: then it is held and
summarised later, or dropped when stale). Each alert is written to the store before it is sent,
and its delivery recorded the moment the platform confirms it (the digest's way: StoreProgress,
adapters.base.broadcast), so a restart, even after kill -9, sends what is missing exactly once.
A chat that blocked the bot is unsubscribed from the digest and its alerts turned off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.base import ChatAdapter, broadcast
from bot.scheduler import StoreProgress
from chat import BotCore
from chat.alerts import AlertRules, decide, in_quiet, may_release, split_stale, why_now
from chat.alerts_state import AlertRow, AlertSettings, Chat
from chat.charts import ChartSpec
from chat.features.signals import signal_card_of
from chat.replies import Reply, Text, signal_card
from engine.clock import Clock
from engine.models import Article
from engine.records import SignalRecord

log = logging.getLogger(__name__)

ALERTS_SEEN = "alerts_seen"  # runtime state: stories first seen up to this time were scored
TICK = timedelta(minutes=1)  # quiet hours end and the hourly cap frees up between polls


@dataclass
class AlertRun:
    """What one run did (tests and logs read it)."""

    scored: list[str] = field(default_factory=list)  # tickers scored
    decided: int = 0  # alerts recorded (sent or held)
    delivered: int = 0  # messages confirmed


@dataclass
class _Chats:
    """Each chat's settings and its recent alerts, read once per run and kept up to date."""

    settings: dict[Chat, AlertSettings]
    past: dict[Chat, list[AlertRow]] = field(default_factory=dict)


class AlertJob:
    def __init__(
        self,
        core: BotCore,
        adapters: Mapping[str, ChatAdapter],
        *,
        clock: Clock,
        rules: AlertRules | None = None,
        everything: bool = False,
        concurrency: int = 4,
    ) -> None:
        self.core = core
        self.adapters = adapters
        self.clock = clock
        self.rules = rules or AlertRules()
        self.everything = everything
        self.concurrency = concurrency

    def next_due(self, after: datetime) -> datetime:
        return after + TICK  # (polls wake the loop on their own)

    async def tick(self, now: datetime) -> AlertRun:
        run = AlertRun()
        store = self.core.engine.store
        seen = await store.state(ALERTS_SEEN)
        chats = _Chats(await self.core.alerts.all_settings())
        await self._release_held(chats, now)
        if seen is not None:  # (a first start scores nothing: the backlog is not news)
            new = await store.articles_seen_after(seen[1])
            if new:
                await self._score(new, chats, now, run)
        # after the alerts are recorded: a crash before this scores the stories again, and the
        # cooldown keeps a chat from hearing twice
        await store.set_state(ALERTS_SEEN, {}, now)
        run.delivered = await self.deliver(now)
        return run

    # -- deciding ---------------------------------------------------------------------------

    async def _score(
        self,
        new: Sequence[tuple[Article, datetime]],
        chats: _Chats,
        now: datetime,
        run: AlertRun,
    ) -> None:
        max_age = self.core.engine.settings.max_age
        fresh = [a for a, _ in new if now - a.published <= max_age]
        by_symbol = self.core.engine.subjects(fresh)
        audience = await self._audience(list(by_symbol), chats)
        for symbol, watchers in audience.items():
            view = await self.core.engine.ticker_view(symbol)
            run.scored.append(symbol)
            card = await signal_card_of(self.core, view)
            if view.signal is None or card is None:
                continue
            stories = by_symbol[symbol]
            reason = why_now(len(stories), min(a.published for a in stories), now)
            for chat in watchers:
                least = chats.settings.get(chat, AlertSettings()).min_score
                if least is None:
                    least = self.core.settings.alert_min_score
                if abs(view.signal.score) + 1e-9 < least:
                    continue
                direction = view.signal.direction
                if await self._decide(chat, symbol, direction, reason, card.card_id, chats, now):
                    run.decided += 1

    async def _audience(self, symbols: list[str], chats: _Chats) -> dict[str, list[Chat]]:
        """Who hears of each symbol: its watchers (all chats with alerts on, with `everything`),
        on platforms running now, alerts not turned off."""
        found = await self.core.alerts.watchers(symbols)
        if self.everything:
            everyone = {(s.platform, s.chat_id) for s in await self.core.state.subscriptions()}
            for symbol in symbols:
                found[symbol] = sorted(everyone | set(found.get(symbol, [])))
        return {
            symbol: kept
            for symbol, watchers in found.items()
            if (
                kept := [
                    c
                    for c in watchers
                    if c[0] in self.adapters and chats.settings.get(c, AlertSettings()).enabled
                ]
            )
        }

    async def _recent(self, chat: Chat, chats: _Chats, now: datetime) -> list[AlertRow]:
        if chat not in chats.past:
            chats.past[chat] = await self.core.alerts.recent(chat, now - self.rules.cooldown)
        return chats.past[chat]

    async def _zone(self, chat: Chat, chats: _Chats) -> ZoneInfo:
        """The chat's zone: its quiet hours' own, else its digest time's."""
        own = chats.settings.get(chat, AlertSettings()).timezone
        return ZoneInfo(own or (await self.core.schedule_for(*chat)).timezone)

    async def _quiet(self, chat: Chat, chats: _Chats, now: datetime) -> bool:
        quiet = chats.settings.get(chat, AlertSettings()).quiet
        return bool(quiet) and in_quiet(quiet, await self._zone(chat, chats), now)

    async def _decide(
        self,
        chat: Chat,
        symbol: str,
        direction: str,
        reason: str,
        card_id: int | None,
        chats: _Chats,
        now: datetime,
    ) -> bool:
        past = await self._recent(chat, chats, now)
        quiet = await self._quiet(chat, chats, now)
        verdict = decide(past, symbol, direction, now, self.rules, quiet=quiet)
        if verdict.verdict == "skip":
            return False
        label = " · reversal" if verdict.reversal else ""
        heading = f"Alert: {symbol} {direction}{label} · {reason}"
        status = verdict.verdict
        alert_id = await self.core.alerts.record(
            chat,
            symbol=symbol,
            direction=direction,
            kind="card",
            status=status,
            heading=heading,
            now=now,
            card_id=card_id,
        )
        past.append(
            AlertRow(alert_id, *chat, symbol, direction, "card", status, card_id, heading, now)
        )
        log.info("%s chat %s: alert %s %s (%s)", *chat, symbol, direction, status)
        return True

    async def _release_held(self, chats: _Chats, now: datetime) -> None:
        """Held alerts go out as one summary per chat once it can hear (stale ones dropped)."""
        for chat in await self.core.alerts.held_chats():
            if chat[0] not in self.adapters:
                continue
            past = await self._recent(chat, chats, now)
            if not may_release(past, now, self.rules, quiet=await self._quiet(chat, chats, now)):
                continue
            fresh, stale = split_stale(await self.core.alerts.held(chat), now, self.rules)
            await self.core.alerts.drop([r.id for r in stale])
            if not fresh:
                continue
            heading = summary_text(fresh, len(stale), await self._zone(chat, chats))
            alert_id = await self.core.alerts.record(
                chat,
                symbol="",
                direction="",
                kind="summary",
                status="send",
                heading=heading,
                now=now,
                summarises=[r.id for r in fresh],
            )
            past.append(AlertRow(alert_id, *chat, "", "", "summary", "send", None, heading, now))

    # -- delivering -------------------------------------------------------------------------

    async def deliver(self, now: datetime) -> int:
        """Send every recorded alert not delivered yet (a restart resumes here); returns the
        messages confirmed."""
        pending = await self.core.alerts.undelivered(now - self.rules.stale_after)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row: AlertRow) -> int:
            adapter = self.adapters.get(row.platform)
            if adapter is None:
                return 0
            reply = await self._reply(row)
            progress = StoreProgress(
                self.core.state, row.id, row.platform, self.clock, of="alert"
            )
            async with gate:
                await progress.load()
                report = await broadcast(adapter, reply, [row.chat_id], progress=progress)
            for gone in report.unsubscribed:
                await self._turn_off((row.platform, gone), now)
            return len(report.delivered)

        return sum(await asyncio.gather(*(one(row) for row in pending)))

    async def _reply(self, row: AlertRow) -> Reply:
        """The alert as recorded: its heading, then the signal card with its chart (charts on)."""
        heading = Text(row.heading, "title")
        payload = None if row.card_id is None else await self.core.engine.store.card(row.card_id)
        if payload is None:
            return Reply((heading,))
        record = SignalRecord.parse(payload)
        card = signal_card(record, row.card_id)  # with its chart, made once for every chat
        return Reply((heading, await self.core.charts.attach(card, ChartSpec.of_record(record))))

    async def _turn_off(self, chat: Chat, now: datetime) -> None:
        """A chat that blocked or removed the bot gets no more alerts."""
        settings = await self.core.alerts.settings(chat)
        await self.core.alerts.set_settings(
            chat, AlertSettings(False, settings.min_score, settings.quiet, settings.timezone), now
        )


def summary_text(fresh: Sequence[AlertRow], dropped: int, zone: ZoneInfo) -> str:
    """One message for the alerts held back (quiet hours or the hourly cap)."""
    lines = [f"Alerts held back: {len(fresh)}"]
    lines += [
        f"{r.created_at.astimezone(zone):%H:%M} {r.heading.removeprefix('Alert: ')}" for r in fresh
    ]
    if dropped:
        lines.append(f"({dropped} older ones dropped: the news has moved on.)")
    lines.append("/signal TICKER shows where each stands now.")
    return "\n".join(lines)
