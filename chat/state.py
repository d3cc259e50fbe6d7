"""The chat layer's tables in the store's database: which chats subscribed to the digest, the
last signal card each chat was shown (what `/why` with no ticker explains), how far each chat's
delivery of a scheduled digest (and of the notice of a signal's outcome) got, and each chat's own
digest time.

The tables are created with the rest of the schema (engine/store/db.py); only this module reads
and writes them. `ChatState` shares the store's connection and its write transactions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from engine.store.db import Database, stored_time

Delivered = Literal["digest", "outcome", "alert"]  # what a delivery row is of
_LEDGERS: dict[str, tuple[str, str]] = {  # its table and key column
    "digest": ("deliveries", "digest_id"),
    "outcome": ("outcome_notices", "signal_id"),
    "alert": ("alert_deliveries", "alert_id"),
}


@dataclass(frozen=True)
class Subscription:
    platform: str
    chat_id: str
    title: str
    subscribed_by: str | None
    subscribed_at: datetime


@dataclass(frozen=True)
class Delivery:
    parts_sent: int
    status: str  # sending, delivered, gone (unsubscribed), failed (tried again later)
    error: str
    updated_at: datetime


class ChatState:
    """The chat tables' queries, over the store's one connection."""

    def __init__(self, store: Database) -> None:
        self._db = store.connection
        self._write = store.write

    # -- subscriptions ----------------------------------------------------------------------

    async def subscribe(
        self, platform: str, chat_id: str, now: datetime, *, title: str = "", by: str | None = None
    ) -> bool:
        """Subscribe a chat to the digest; False when it already was."""
        return (
            await self._write(
                "INSERT OR IGNORE INTO subscriptions"
                " (platform, chat_id, title, subscribed_by, subscribed_at) VALUES (?, ?, ?, ?, ?)",
                (platform, chat_id, title, by, stored_time(now)),
            )
            > 0
        )

    async def unsubscribe(self, platform: str, chat_id: str) -> bool:
        """Unsubscribe a chat; False when it was not subscribed."""
        return (
            await self._write(
                "DELETE FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, chat_id)
            )
            > 0
        )

    async def subscriptions(self, platform: str | None = None) -> list[Subscription]:
        query = "SELECT * FROM subscriptions"
        args: tuple[Any, ...] = ()
        if platform is not None:
            query += " WHERE platform = ?"
            args = (platform,)
        async with self._db.execute(query + " ORDER BY subscribed_at, chat_id", args) as cur:
            rows = await cur.fetchall()
        return [
            Subscription(
                platform=r["platform"],
                chat_id=r["chat_id"],
                title=r["title"],
                subscribed_by=r["subscribed_by"],
                subscribed_at=datetime.fromisoformat(r["subscribed_at"]),
            )
            for r in rows
        ]

    async def is_subscribed(self, platform: str, chat_id: str) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        ) as cur:
            return await cur.fetchone() is not None

    # -- the last card each chat was shown --------------------------------------------------

    async def set_last_shown(
        self, platform: str, chat_id: str, card_id: int, now: datetime
    ) -> None:
        """Note the last signal card a chat was shown, which `/why` with no ticker explains."""
        await self._write(
            "INSERT INTO chat_last_card (platform, chat_id, card_id, shown_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, chat_id) DO UPDATE SET card_id = excluded.card_id,"
            " shown_at = excluded.shown_at",
            (platform, chat_id, card_id, stored_time(now)),
        )

    async def last_shown(self, platform: str, chat_id: str) -> dict[str, Any] | None:
        """The payload of the last signal card this chat was shown, or None."""
        async with self._db.execute(
            "SELECT c.payload FROM chat_last_card l JOIN cards c ON c.id = l.card_id"
            " WHERE l.platform = ? AND l.chat_id = ?",
            (platform, chat_id),
        ) as cur:
            row = await cur.fetchone()
        return json.loads(row["payload"]) if row else None

    # -- deliveries of scheduled digests ---------------------------------------------------

    async def deliveries(
        self, digest_id: int, *, of: Delivered = "digest"
    ) -> dict[tuple[str, str], Delivery]:
        """How far each chat's delivery of a digest (or of=`outcome`: the notice of a signal's
        outcome, by signal id) got, by (platform, chat id)."""
        table, key = _LEDGERS[of]
        async with self._db.execute(f"SELECT * FROM {table} WHERE {key} = ?", (digest_id,)) as cur:
            rows = await cur.fetchall()
        return {
            (r["platform"], r["chat_id"]): Delivery(
                r["parts_sent"], r["status"], r["error"], datetime.fromisoformat(r["updated_at"])
            )
            for r in rows
        }

    async def record_delivery(
        self,
        digest_id: int,
        platform: str,
        chat_id: str,
        *,
        parts_sent: int,
        status: str,
        now: datetime,
        error: str = "",
        of: Delivered = "digest",
    ) -> None:
        """Note how far a chat's delivery got; called the moment the platform confirms a part."""
        table, key = _LEDGERS[of]
        await self._write(
            f"INSERT INTO {table} ({key}, platform, chat_id, parts_sent, status, error,"
            f" updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT ({key}, platform, chat_id)"
            " DO UPDATE SET parts_sent = excluded.parts_sent, status = excluded.status,"
            " error = excluded.error, updated_at = excluded.updated_at",
            (digest_id, platform, chat_id, parts_sent, status, error, stored_time(now)),
        )

    async def received(self, digest_ids: Sequence[int]) -> list[tuple[str, str]]:
        """The chats still subscribed that got all of one of these digests, in a stable order."""
        if not digest_ids:
            return []
        marks = ", ".join("?" * len(digest_ids))
        async with self._db.execute(
            "SELECT DISTINCT d.platform, d.chat_id FROM deliveries d JOIN subscriptions s"
            " ON s.platform = d.platform AND s.chat_id = d.chat_id"
            f" WHERE d.digest_id IN ({marks}) AND d.status = 'delivered'"
            " ORDER BY d.platform, d.chat_id",
            tuple(digest_ids),
        ) as cur:
            return [(r["platform"], r["chat_id"]) for r in await cur.fetchall()]

    async def served_since(self, since: datetime, other_than: str) -> set[tuple[str, str]]:
        """Chats that got (some of) a scheduled digest of another schedule after `since`."""
        async with self._db.execute(
            "SELECT DISTINCT d.platform, d.chat_id FROM deliveries d"
            " JOIN digests g ON g.id = d.digest_id"
            " WHERE g.created_at > ? AND g.schedule != ? AND d.status IN ('delivered', 'sending')",
            (stored_time(since), other_than),
        ) as cur:
            return {(r["platform"], r["chat_id"]) for r in await cur.fetchall()}

    async def delivery_counts(self, digest_id: int) -> dict[str, int]:
        async with self._db.execute(
            "SELECT status, COUNT(*) AS n FROM deliveries WHERE digest_id = ? GROUP BY status",
            (digest_id,),
        ) as cur:
            return {r["status"]: int(r["n"]) for r in await cur.fetchall()}

    # -- chat settings ---------------------------------------------------------------------

    async def set_chat_time(
        self, platform: str, chat_id: str, at: str, timezone: str, now: datetime
    ) -> None:
        await self._write(
            "INSERT INTO chat_settings (platform, chat_id, digest_time, timezone, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET"
            " digest_time = excluded.digest_time, timezone = excluded.timezone,"
            " updated_at = excluded.updated_at",
            (platform, chat_id, at, timezone, stored_time(now)),
        )

    async def clear_chat_time(self, platform: str, chat_id: str) -> bool:
        return (
            await self._write(
                "DELETE FROM chat_settings WHERE platform = ? AND chat_id = ?", (platform, chat_id)
            )
            > 0
        )

    async def chat_time(self, platform: str, chat_id: str) -> tuple[str, str] | None:
        """A chat's own digest time ("HH:MM", time zone), or None for the configured one."""
        async with self._db.execute(
            "SELECT digest_time, timezone FROM chat_settings WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else (row["digest_time"], row["timezone"])

    async def chat_times(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Every chat's own digest time: (platform, chat id) -> ("HH:MM", time zone)."""
        async with self._db.execute(
            "SELECT platform, chat_id, digest_time, timezone FROM chat_settings"
        ) as cur:
            return {
                (r["platform"], r["chat_id"]): (r["digest_time"], r["timezone"])
                for r in await cur.fetchall()
            }
