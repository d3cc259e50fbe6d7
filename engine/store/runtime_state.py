"""The running bot's state (heartbeat, last poll, last digest), read by `tradethehype health`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from engine.store.db import Database, stored_time


class RuntimeState(Database):
    """The runtime_state table: a JSON value per key, with when it was written."""

    async def set_state(self, key: str, value: dict[str, Any], now: datetime) -> None:
        await self.write(
            "INSERT INTO runtime_state (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at",
            (key, json.dumps(value, sort_keys=True), stored_time(now)),
        )

    async def state(self, key: str) -> tuple[dict[str, Any], datetime] | None:
        async with self._db.execute(
            "SELECT value, updated_at FROM runtime_state WHERE key = ?", (key,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return json.loads(row["value"]), datetime.fromisoformat(row["updated_at"])
