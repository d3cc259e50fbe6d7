"""The alert tables in the store's database: each chat's watchlist, its alert settings, and the
alerts decided for it (a signal card, or one summary of alerts held back), with each alert's
delivery progress in `alert_deliveries` (chat/state.py's ledger of kind "alert").

The tables are created with the rest of the schema (engine/store/db.py, migration 6); only this
module reads and writes them. An alert row is written before its delivery starts, so a restart
finds it and sends only what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.store.db import Database, stored_time

Chat = tuple[str, str]  # (platform, chat id)


@dataclass(frozen=True)
class AlertSettings:
    enabled: bool = True
    min_score: float | None = None  # None: the digest's min_score
    quiet: str = ""  # "22:00-07:00", or "" for none
    timezone: str = ""  # of the quiet hours; "" for the chat's digest time zone


@dataclass(frozen=True)
class AlertRow:
    id: int
    platform: str
    chat_id: str
    symbol: str
    direction: str
    kind: str  # card, summary
    status: str  # send, held (quiet hours or the hourly cap), summarised, dropped
    card_id: int | None
    heading: str
    created_at: datetime


def _row(r: Any) -> AlertRow:
    return AlertRow(
        r["id"],
        r["platform"],
        r["chat_id"],
        r["symbol"],
        r["direction"],
        r["kind"],
        r["status"],
        r["card_id"],
        r["heading"],
        datetime.fromisoformat(r["created_at"]),
    )


class AlertState:
    """The alert tables' queries, over the store's one connection."""

    def __init__(self, store: Database) -> None:
        self._store = store
        self._db = store.connection
        self._write = store.write

    # -- watchlists -------------------------------------------------------------------------

    async def watch(self, chat: Chat, symbols: Sequence[str], now: datetime) -> list[str]:
        """Add symbols to a chat's watchlist; returns those that were not on it."""
        added = []
        async with self._store.transaction() as db:
            for symbol in symbols:
                cur = await db.execute(
                    "INSERT OR IGNORE INTO watchlists (platform, chat_id, symbol, added_at)"
                    " VALUES (?, ?, ?, ?)",
                    (*chat, symbol, stored_time(now)),
                )
                if cur.rowcount > 0:
                    added.append(symbol)
        return added

    async def unwatch(self, chat: Chat, symbols: Sequence[str]) -> list[str]:
        """Remove symbols from a chat's watchlist; returns those that were on it."""
        removed = []
        async with self._store.transaction() as db:
            for symbol in symbols:
                cur = await db.execute(
                    "DELETE FROM watchlists WHERE platform = ? AND chat_id = ? AND symbol = ?",
                    (*chat, symbol),
                )
                if cur.rowcount > 0:
                    removed.append(symbol)
        return removed

    async def watchlist(self, chat: Chat) -> list[str]:
        async with self._db.execute(
            "SELECT symbol FROM watchlists WHERE platform = ? AND chat_id = ? ORDER BY symbol",
            chat,
        ) as cur:
            return [r["symbol"] for r in await cur.fetchall()]

    async def watchers(self, symbols: Sequence[str]) -> dict[str, list[Chat]]:
        """Who watches each of `symbols`: symbol -> chats."""
        found: dict[str, list[Chat]] = {}
        if not symbols:
            return found
        marks = ", ".join("?" * len(symbols))
        async with self._db.execute(
            f"SELECT symbol, platform, chat_id FROM watchlists WHERE symbol IN ({marks})"
            " ORDER BY platform, chat_id",
            tuple(symbols),
        ) as cur:
            for r in await cur.fetchall():
                found.setdefault(r["symbol"], []).append((r["platform"], r["chat_id"]))
        return found

    # -- settings ---------------------------------------------------------------------------

    async def settings(self, chat: Chat) -> AlertSettings:
        async with self._db.execute(
            "SELECT * FROM alert_settings WHERE platform = ? AND chat_id = ?", chat
        ) as cur:
            r = await cur.fetchone()
        if r is None:
            return AlertSettings()
        return AlertSettings(bool(r["enabled"]), r["min_score"], r["quiet"], r["timezone"])

    async def all_settings(self) -> dict[Chat, AlertSettings]:
        async with self._db.execute("SELECT * FROM alert_settings") as cur:
            return {
                (r["platform"], r["chat_id"]): AlertSettings(
                    bool(r["enabled"]), r["min_score"], r["quiet"], r["timezone"]
                )
                for r in await cur.fetchall()
            }

    async def set_settings(self, chat: Chat, settings: AlertSettings, now: datetime) -> None:
        await self._write(
            "INSERT INTO alert_settings (platform, chat_id, enabled, min_score, quiet, timezone,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE"
            " SET enabled = excluded.enabled, min_score = excluded.min_score,"
            " quiet = excluded.quiet, timezone = excluded.timezone,"
            " updated_at = excluded.updated_at",
            (
                *chat,
                int(settings.enabled),
                settings.min_score,
                settings.quiet,
                settings.timezone,
                stored_time(now),
            ),
        )

    # -- alerts -----------------------------------------------------------------------------

    async def record(
        self,
        chat: Chat,
        *,
        symbol: str,
        direction: str,
        kind: str,
        status: str,
        heading: str,
        now: datetime,
        card_id: int | None = None,
        summarises: Sequence[int] = (),
    ) -> int:
        """Write an alert (and mark the held ones a summary covers) in one transaction."""
        async with self._store.transaction() as db:
            cur = await db.execute(
                "INSERT INTO alerts (platform, chat_id, symbol, direction, kind, status, card_id,"
                " heading, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*chat, symbol, direction, kind, status, card_id, heading, stored_time(now)),
            )
            for held in summarises:
                await db.execute("UPDATE alerts SET status = 'summarised' WHERE id = ?", (held,))
            assert cur.lastrowid is not None
            return cur.lastrowid

    async def drop(self, ids: Sequence[int]) -> None:
        async with self._store.transaction() as db:
            for alert_id in ids:
                await db.execute("UPDATE alerts SET status = 'dropped' WHERE id = ?", (alert_id,))

    async def recent(self, chat: Chat, since: datetime) -> list[AlertRow]:
        """A chat's alerts decided after `since`, oldest first."""
        async with self._db.execute(
            "SELECT * FROM alerts WHERE platform = ? AND chat_id = ? AND created_at > ?"
            " ORDER BY created_at, id",
            (*chat, stored_time(since)),
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def undelivered(self, since: datetime) -> list[AlertRow]:
        """Alerts to send, decided after `since`, whose delivery is not final yet."""
        async with self._db.execute(
            "SELECT a.* FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id"
            " WHERE a.status = 'send' AND a.created_at > ?"
            " AND (d.status IS NULL OR d.status IN ('sending', 'failed'))"
            " ORDER BY a.created_at, a.id",
            (stored_time(since),),
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def held_chats(self) -> list[Chat]:
        async with self._db.execute(
            "SELECT DISTINCT platform, chat_id FROM alerts WHERE status = 'held'"
            " ORDER BY platform, chat_id"
        ) as cur:
            return [(r["platform"], r["chat_id"]) for r in await cur.fetchall()]

    async def held(self, chat: Chat) -> list[AlertRow]:
        async with self._db.execute(
            "SELECT * FROM alerts WHERE platform = ? AND chat_id = ? AND status = 'held'"
            " ORDER BY created_at, id",
            chat,
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def alerted(
        self, symbols: Sequence[str], since: datetime, until: datetime
    ) -> dict[Chat, dict[str, datetime]]:
        """When each chat was last sent an alert card on each of `symbols` in (since, until]
        (the digest marks those tickers "alerted at 11:14")."""
        if not symbols:
            return {}
        marks = ", ".join("?" * len(symbols))
        async with self._db.execute(
            "SELECT platform, chat_id, symbol, MAX(created_at) AS at FROM alerts"
            f" WHERE symbol IN ({marks}) AND kind = 'card' AND status = 'send'"
            " AND created_at > ? AND created_at <= ? GROUP BY platform, chat_id, symbol",
            (*symbols, stored_time(since), stored_time(until)),
        ) as cur:
            found: dict[Chat, dict[str, datetime]] = {}
            for r in await cur.fetchall():
                chat = (r["platform"], r["chat_id"])
                found.setdefault(chat, {})[r["symbol"]] = datetime.fromisoformat(r["at"])
            return found
