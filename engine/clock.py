"""Clocks: the engine never reads the system time directly, so tests and the demo can fix it.

A clock also sleeps (`sleep_until`), so the digest schedule can be driven by stepping a
`FixedClock` in tests instead of waiting for 06:30.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

LONGEST_NAP = 60.0  # seconds: real clocks re-read the time at least this often while sleeping


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once `now()` has reached `when`."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        # in naps, so a suspended machine or a changed system clock is noticed within a minute
        while (left := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110 (a clock)
            await asyncio.sleep(min(left, LONGEST_NAP))


class OffsetClock(SystemClock):
    """Real time moving on from a chosen start (`run --at`: a rehearsal of a given morning)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("OffsetClock needs a timezone-aware datetime")
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


class FixedClock:
    """A clock that stays where it is put (tests, demo replay, `--at`); `set` moves it and wakes
    whoever sleeps until a time it has reached."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at
        waiting = []
        for when, fut in self._sleepers:
            if when <= at:
                if not fut.done():
                    fut.set_result(None)
            elif not fut.done():
                waiting.append((when, fut))
        self._sleepers = waiting

    async def sleep_until(self, when: datetime) -> None:
        if when <= self._at:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((when, fut))
        await fut
