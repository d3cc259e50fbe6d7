"""When digests are due: schedules, their slots, trading days and the grace after a missed slot.

A schedule is a set of local times in one time zone (`[digest] times` in `[digest] timezone`, or a
chat's own `/settings time`). Each time on each trading day is a *slot*: the digest is built once
per slot and delivered to every chat on that schedule. Fire times come from APScheduler's
`CronTrigger`, which gets daylight-saving changes right; the running loop and the catch-up after a
restart live in `bot.scheduler`, reading only the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from engine.errors import UserError

LOOK_BACK = timedelta(days=10)  # longest run of closed days (with a weekend) is well under this
LOOK_AHEAD = timedelta(days=20)


@dataclass(frozen=True)
class Schedule:
    times: tuple[time, ...]
    timezone: str

    @property
    def key(self) -> str:
        """Stable text naming the schedule, e.g. "06:30 America/Phoenix"."""
        return f"{','.join(t.strftime('%H:%M') for t in self.times)} {self.timezone}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        """For people: "06:30 America/Phoenix" or "06:30 and 12:00 America/Phoenix"."""
        shown = [t.strftime("%H:%M") for t in self.times]
        joined = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        return f"{joined} {self.timezone}"


@dataclass(frozen=True)
class Slot:
    schedule: Schedule
    at: datetime  # the instant it fires, in UTC

    @property
    def key(self) -> str:
        """Unique per schedule and local date and time: what makes a digest built once."""
        return f"{self.schedule.key} {self.at.astimezone(self.schedule.zone):%Y-%m-%d %H:%M}"

    def local(self) -> datetime:
        return self.at.astimezone(self.schedule.zone)


def parse_time(text: str) -> time:
    """'07:15' -> time(7, 15); one clear line otherwise. The one HH:MM parser: chat settings and
    the config's `[digest] times` both use it."""
    parts = text.strip().split(":")
    if len(parts) == 2 and all(p.isdecimal() and len(p) <= 2 for p in parts):  # int() reads these
        hour, minute = int(parts[0]), int(parts[1])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise UserError(f"{text[:20]!r} is not a time of day: write it as HH:MM, e.g. 07:15")


def parse_zone(text: str) -> str:
    """An IANA time zone name, as typed; one clear line if it is not one."""
    name = text.strip()
    try:
        if name and ".." not in name and not name.startswith("/"):
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise UserError(
        f"{name[:40]!r} is not a time zone: use a name like America/New_York, Europe/London or UTC"
    )


class Planner:
    """Which slots are due, on trading days only if asked."""

    def __init__(
        self,
        *,
        trading_days_only: bool,
        is_trading_day: Callable[[date], bool],
        grace: timedelta,
    ) -> None:
        self.trading_days_only = trading_days_only
        self.is_trading_day = is_trading_day
        self.grace = grace

    def _fires(self, schedule: Schedule, start: datetime, end: datetime) -> Iterator[Slot]:
        """Slots of `schedule` from `start` to `end` (inclusive), in order."""
        zone = schedule.zone
        triggers = [
            CronTrigger(hour=t.hour, minute=t.minute, timezone=zone) for t in schedule.times
        ]
        fires: set[datetime] = set()
        for trigger in triggers:
            cursor = start
            while True:
                at = trigger.get_next_fire_time(None, cursor)
                if at is None or at > end:
                    break
                fires.add(at)
                cursor = at + timedelta(seconds=1)
        for at in sorted(fires):
            if self.trading_days_only and not self.is_trading_day(at.astimezone(zone).date()):
                continue
            yield Slot(schedule, at.astimezone(UTC))  # UTC: plain arithmetic

    def last_slot(self, schedule: Schedule, now: datetime) -> Slot | None:
        """The most recent slot at or before `now`."""
        last = None
        for slot in self._fires(schedule, now - LOOK_BACK, now):
            last = slot
        return last

    def previous_slot(self, slot: Slot) -> Slot | None:
        """The slot of the same schedule before `slot`."""
        return self.last_slot(slot.schedule, slot.at - timedelta(seconds=1))

    def next_slot(self, schedule: Schedule, now: datetime) -> Slot | None:
        """The first slot after `now` (None if there is none within LOOK_AHEAD)."""
        for slot in self._fires(schedule, now, now + LOOK_AHEAD):
            if slot.at > now:  # (the trigger rounds `now` up to a whole second)
                return slot
        return None

    def is_due(self, slot: Slot, now: datetime) -> bool:
        """Fired, and not so long ago that its digest would be stale."""
        return slot.at <= now <= slot.at + self.grace
