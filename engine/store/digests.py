"""Digests built (one per schedule slot) and the signal cards shown, whose ids Why? buttons carry.

A slot's digest is written in ONE transaction with its signals (signals.py) and their cards.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from engine.signals import CooldownVerdict
from engine.store.db import stored_time
from engine.store.signals import NewSignal, SignalHistory


@dataclass(frozen=True)
class StoredDigest:
    id: int
    created_at: datetime
    payload: dict[str, Any]
    slot: str | None = None  # the schedule slot it was built for; None for older digests
    schedule: str | None = None


_DIGEST_SELECT = "SELECT id, created_at, payload, slot, schedule FROM digests"


def _stored_digest(row: Any) -> StoredDigest:
    return StoredDigest(
        id=row["id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        payload=json.loads(row["payload"]),
        slot=row["slot"],
        schedule=row["schedule"],
    )


@dataclass(frozen=True)
class RecordedSignal:
    """A signal a digest recorded, with the id of its card (what Why? buttons carry)."""

    signal: NewSignal
    verdict: CooldownVerdict
    card_id: int


class Digests(SignalHistory):
    """The digests and cards tables; a digest records its signals through SignalHistory."""

    async def latest_digest(
        self, since: datetime | None = None, *, schedule: str | None = None
    ) -> StoredDigest | None:
        """The newest digest (built at or after `since`; of `schedule` if given), or None."""
        found = await self._digests(since, schedule=schedule, newest_only=True)
        return found[0] if found else None

    async def digests_since(self, since: datetime) -> list[StoredDigest]:
        """Scheduled digests built after `since`, oldest first."""
        return await self._digests(since, scheduled=True, strictly_after=True)

    async def slot_digest(self, slot: str) -> StoredDigest | None:
        """The digest built for a schedule slot, if it was built."""
        async with self._db.execute(_DIGEST_SELECT + " WHERE slot = ?", (slot,)) as cur:
            row = await cur.fetchone()
        return None if row is None else _stored_digest(row)

    async def _digests(
        self,
        since: datetime | None,
        *,
        schedule: str | None = None,
        scheduled: bool = False,
        strictly_after: bool = False,
        newest_only: bool = False,
    ) -> list[StoredDigest]:
        where: list[str] = []
        args: list[Any] = []
        if since is not None:
            where.append("created_at > ?" if strictly_after else "created_at >= ?")
            args.append(stored_time(since))
        if schedule is not None:
            where.append("schedule = ?")
            args.append(schedule)
        if scheduled:
            where.append("slot IS NOT NULL")
        query = _DIGEST_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        if newest_only:
            query += " ORDER BY created_at DESC, id DESC LIMIT 1"
        else:
            query += " ORDER BY created_at, id"
        async with self._db.execute(query, args) as cur:
            return [_stored_digest(r) for r in await cur.fetchall()]

    async def record_digest(
        self,
        *,
        slot: str,
        schedule: str,
        signals: Sequence[NewSignal],
        now: datetime,
        cooldown_days: float,
        compose: Callable[[list[RecordedSignal]], dict[str, Any]],
    ) -> StoredDigest:
        """Record a slot's digest exactly once, in ONE transaction with its signals and cards.

        The cooldown is checked again under the write lock; `compose` turns the signals that
        made it (with their card ids) into the digest's payload. When the slot's digest already
        exists (another process, or a restart), nothing is written and that digest is returned.
        """
        async with self.transaction() as db:
            async with db.execute(_DIGEST_SELECT + " WHERE slot = ?", (slot,)) as cur:
                row = await cur.fetchone()
            if row is not None:
                return _stored_digest(row)
            recorded = [
                RecordedSignal(sig, verdict, await self._insert_card(db, payload, now))
                for sig, verdict, payload in await self._insert_signals(
                    db, signals, now, cooldown_days
                )
            ]
            payload = compose(recorded)
            cur = await db.execute(
                "INSERT INTO digests (created_at, payload, slot, schedule) VALUES (?, ?, ?, ?)",
                (stored_time(now), json.dumps(payload, sort_keys=True), slot, schedule),
            )
            return StoredDigest(int(cur.lastrowid or 0), now, payload, slot, schedule)

    # -- cards ------------------------------------------------------------------------------

    async def save_card(self, payload: dict[str, Any], now: datetime) -> int:
        """Keep a signal card's explanation payload; its id is what a Why? button carries."""
        async with self.transaction() as db:
            return await self._insert_card(db, payload, now)

    @staticmethod
    async def _insert_card(db: aiosqlite.Connection, payload: dict[str, Any], now: datetime) -> int:
        cur = await db.execute(
            "INSERT INTO cards (symbol, created_at, payload) VALUES (?, ?, ?)",
            (payload["symbol"], stored_time(now), json.dumps(payload, sort_keys=True)),
        )
        return int(cur.lastrowid or 0)

    async def card(self, card_id: int) -> dict[str, Any] | None:
        async with self._db.execute("SELECT payload FROM cards WHERE id = ?", (card_id,)) as cur:
            row = await cur.fetchone()
        return json.loads(row["payload"]) if row else None

    async def latest_card(self, symbol: str) -> dict[str, Any] | None:
        """The payload of the newest signal card shown anywhere for `symbol`, or None."""
        async with self._db.execute(
            "SELECT payload FROM cards WHERE symbol = ? ORDER BY id DESC LIMIT 1", (symbol,)
        ) as cur:
            row = await cur.fetchone()
        return json.loads(row["payload"]) if row else None
