"""signal_history: every signal issued, and the last one per symbol (what the cooldown reads).

Recording happens inside a digest's write transaction (see digests.py), where the cooldown is
checked again under SQLite's write lock.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from engine.models import Direction, PastSignal
from engine.signals import CooldownVerdict, cooldown_verdict
from engine.store.db import Database, stored_time


@dataclass(frozen=True)
class NewSignal:
    """What the store needs to record one signal."""

    symbol: str
    direction: Direction
    score: float
    confidence: float
    price: float | None
    price_as_of: datetime | None
    entry: float | None
    stop: float | None
    target: float | None
    backend: str
    payload: dict[str, Any]


class SignalHistory(Database):
    """The signal_history table: recording signals, the last one per symbol, and the rows."""

    async def last_signal(self, symbol: str) -> PastSignal | None:
        """The newest signal recorded for `symbol`, or None."""
        async with self._db.execute(
            "SELECT id, symbol, direction, created_at, reversal, payload FROM signal_history"
            " WHERE symbol = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (symbol,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return PastSignal(
            id=row["id"],
            symbol=row["symbol"],
            direction=row["direction"],
            created_at=datetime.fromisoformat(row["created_at"]),
            reversal=bool(row["reversal"]),
            payload=json.loads(row["payload"]),
        )

    async def _insert_signals(
        self,
        db: aiosqlite.Connection,
        signals: Sequence[NewSignal],
        now: datetime,
        days: float,
    ) -> list[tuple[NewSignal, CooldownVerdict, dict[str, Any]]]:
        """Inside a write transaction: insert the signals the cooldown allows, checked again under
        the write lock (a signal another digest recorded first is left out), each with its
        payload (the verdict's note is kept in it for `why`)."""
        recorded: list[tuple[NewSignal, CooldownVerdict, dict[str, Any]]] = []
        for sig in signals:
            verdict = cooldown_verdict(
                await self.last_signal(sig.symbol), sig.symbol, sig.direction, now, days
            )
            if not verdict.allowed:
                continue
            payload = dict(sig.payload, reversal=verdict.reversal, cooldown=verdict.note)
            await db.execute(
                "INSERT INTO signal_history (symbol, direction, score, confidence, price,"
                " price_as_of, entry, stop, target, reversal, backend, created_at, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sig.symbol,
                    sig.direction,
                    sig.score,
                    sig.confidence,
                    sig.price,
                    stored_time(sig.price_as_of) if sig.price_as_of else None,
                    sig.entry,
                    sig.stop,
                    sig.target,
                    int(verdict.reversal),
                    sig.backend,
                    stored_time(now),
                    json.dumps(payload, sort_keys=True),
                ),
            )
            recorded.append((sig, verdict, payload))
        return recorded

    async def signal_rows(self, symbol: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM signal_history"
        args: tuple[Any, ...] = ()
        if symbol:
            query += " WHERE symbol = ?"
            args = (symbol,)
        async with self._db.execute(query + " ORDER BY id", args) as cur:
            rows = await cur.fetchall()
        return [dict(r) for r in rows]
