"""outcomes: what became of each recorded signal (engine/outcomes.py decides it; engine/tracking.py
resolves it from prices). A row is written once, when the signal closes, and never rewritten, so
resolving twice changes nothing; a signal still open has no row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from engine.models import Direction
from engine.outcomes import Outcome
from engine.store.db import Database, stored_time

BarKind = Literal["daily", "intraday"]


@dataclass(frozen=True)
class TrackedSignal:
    """A recorded signal as it is followed: its row in signal_history."""

    id: int
    symbol: str
    direction: Direction
    confidence: float
    price: float | None  # the quote's last price (the entry of a signal without levels)
    entry: float | None
    stop: float | None
    target: float | None
    created_at: datetime  # when it was recorded (its digest's time)
    generated_at: datetime  # its payload's time (the digest's signals carry the same)

    @property
    def start(self) -> float | None:
        """The price it is followed from: its entry, else (no levels) its quote."""
        return self.entry if self.entry is not None else self.price


@dataclass(frozen=True)
class StoredOutcome:
    signal_id: int
    outcome: Outcome  # always closed
    bars: BarKind  # what decided which level came first
    resolved_at: datetime


_SIGNAL_COLUMNS = (
    "s.id, s.symbol, s.direction, s.confidence, s.price, s.entry, s.stop, s.target,"
    " s.created_at, s.payload"
)
_OUTCOME_COLUMNS = (
    "o.signal_id, o.status, o.exit_price, o.exit_at, o.r, o.best_r, o.worst_r, o.sessions,"
    " o.both_in_one_bar, o.went_right, o.bars, o.resolved_at"
)


def _tracked(row: Any) -> TrackedSignal:
    made = json.loads(row["payload"]).get("generated_at")
    created = datetime.fromisoformat(row["created_at"])
    return TrackedSignal(
        id=row["id"],
        symbol=row["symbol"],
        direction=row["direction"],
        confidence=float(row["confidence"]),
        price=row["price"],
        entry=row["entry"],
        stop=row["stop"],
        target=row["target"],
        created_at=created,
        generated_at=datetime.fromisoformat(made) if made else created,
    )


def _stored(row: Any) -> StoredOutcome | None:
    if row["signal_id"] is None:
        return None
    outcome = Outcome(
        status=row["status"],
        exit_price=row["exit_price"],
        exit_at=datetime.fromisoformat(row["exit_at"]),
        r=row["r"],
        best_r=row["best_r"],
        worst_r=row["worst_r"],
        sessions=row["sessions"],
        both_in_one_bar=bool(row["both_in_one_bar"]),
        right=bool(row["went_right"]),
    )
    return StoredOutcome(
        row["signal_id"], outcome, row["bars"], datetime.fromisoformat(row["resolved_at"])
    )


class Outcomes(Database):
    """The outcomes table, read with the signals it belongs to."""

    async def tracked_signals(
        self, *, since: datetime | None = None, as_of: datetime | None = None
    ) -> list[tuple[TrackedSignal, StoredOutcome | None]]:
        """Every recorded signal (made at or after `since`), oldest first, with its outcome if it
        has one. With `as_of`, the record as it stood then: signals made before it, outcomes
        resolved at or before it (a digest's record line: the same when it is sent again, and
        without the digest's own signals)."""
        where, args = [], []
        join = "o.signal_id = s.id"
        if since is not None:
            where.append("s.created_at >= ?")
            args.append(stored_time(since))
        if as_of is not None:
            where.append("s.created_at < ?")
            args.append(stored_time(as_of))
            join += " AND o.resolved_at <= ?"
            args.insert(0, stored_time(as_of))  # the join's parameter comes first
        query = (
            f"SELECT {_SIGNAL_COLUMNS}, {_OUTCOME_COLUMNS} FROM signal_history s"
            f" LEFT JOIN outcomes o ON {join}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY s.created_at, s.id"
        )
        async with self._db.execute(query, args) as cur:
            rows = await cur.fetchall()
        return [(_tracked(r), _stored(r)) for r in rows]

    async def outcome_of(self, signal_id: int) -> StoredOutcome | None:
        async with self._db.execute(
            f"SELECT {_OUTCOME_COLUMNS} FROM outcomes o WHERE o.signal_id = ?", (signal_id,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _stored(row)

    async def resolved_since(self, since: datetime) -> list[tuple[TrackedSignal, StoredOutcome]]:
        """Signals whose outcome was recorded after `since`, in the order they were resolved."""
        async with self._db.execute(
            f"SELECT {_SIGNAL_COLUMNS}, {_OUTCOME_COLUMNS} FROM outcomes o"
            " JOIN signal_history s ON s.id = o.signal_id WHERE o.resolved_at > ?"
            " ORDER BY o.resolved_at, o.signal_id",
            (stored_time(since),),
        ) as cur:
            rows = await cur.fetchall()
        found = [(_tracked(r), _stored(r)) for r in rows]
        return [(t, o) for t, o in found if o is not None]

    async def record_outcomes(
        self, closed: Sequence[tuple[int, Outcome, BarKind]], now: datetime
    ) -> int:
        """Record closed outcomes (signal id, outcome, bars) in one transaction; a signal that
        has one already keeps it. Returns how many were new."""
        added = 0
        async with self.transaction() as db:
            for signal_id, out, bars in closed:
                if not out.closed or out.exit_price is None or out.exit_at is None:
                    raise ValueError(f"signal {signal_id}: only a closed outcome is recorded")
                cur = await db.execute(
                    "INSERT OR IGNORE INTO outcomes (signal_id, status, exit_price, exit_at, r,"
                    " best_r, worst_r, sessions, both_in_one_bar, went_right, bars, resolved_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        signal_id,
                        out.status,
                        out.exit_price,
                        stored_time(out.exit_at),
                        out.r,
                        out.best_r,
                        out.worst_r,
                        out.sessions,
                        int(out.both_in_one_bar),
                        int(bool(out.right)),
                        bars,
                        stored_time(now),
                    ),
                )
                added += cur.rowcount
        return added
