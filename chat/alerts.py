"""The alert rules, pure functions of what a chat was already sent and the time (tests run them on
a FixedClock): the cooldown per (chat, ticker, direction), the hourly cap, quiet hours, and what
happens to alerts held back when the chat can hear again.

- At most one alert per (chat, ticker, direction) within the cooldown; an alert the other way
  within it is a reversal, sent and labelled.
- At most `max_per_hour` messages per chat in any hour; the rest are held and go out as one
  summary when the hour allows.
- In the chat's quiet hours, alerts are held; when they end the held ones go out as one summary,
  and those older than `stale_after` by then are dropped (the news has moved on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from chat.alerts_state import AlertRow
from chat.schedule import parse_time
from chat.text import span
from engine.errors import UserError

HOUR = timedelta(hours=1)
Verdict = Literal["send", "held", "skip"]


@dataclass(frozen=True)
class AlertRules:
    cooldown: timedelta = timedelta(hours=12)
    max_per_hour: int = 6
    stale_after: timedelta = timedelta(hours=6)  # a held alert older than this is dropped


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reversal: bool = False


def _counts(row: AlertRow) -> bool:
    """An alert the chat was (or will be) told of: the cooldown counts it."""
    return row.kind == "card" and row.status in ("send", "held", "summarised")


def sent_within(past: Sequence[AlertRow], now: datetime, window: timedelta = HOUR) -> int:
    """Messages (cards and summaries) sent to the chat within `window` before `now`."""
    return sum(1 for r in past if r.status == "send" and now - r.created_at < window)


def decide(
    past: Sequence[AlertRow],
    symbol: str,
    direction: str,
    now: datetime,
    rules: AlertRules,
    *,
    quiet: bool,
) -> Decision:
    """Whether a chat gets an alert for `symbol` going `direction` now; `past`: its alerts
    within the cooldown at least."""
    same = [
        r for r in past if r.symbol == symbol and _counts(r) and now - r.created_at < rules.cooldown
    ]
    if any(r.direction == direction for r in same):
        return Decision("skip")
    reversal = bool(same)  # the other way within the cooldown
    if quiet or sent_within(past, now) >= rules.max_per_hour:
        return Decision("held", reversal)
    return Decision("send", reversal)


def may_release(past: Sequence[AlertRow], now: datetime, rules: AlertRules, *, quiet: bool) -> bool:
    """Whether held alerts may go out now as one summary: out of quiet hours, within the cap."""
    return not quiet and sent_within(past, now) < rules.max_per_hour


def split_stale(
    held: Sequence[AlertRow], now: datetime, rules: AlertRules
) -> tuple[list[AlertRow], list[AlertRow]]:
    """Held alerts still worth telling, and those gone stale."""
    fresh = [r for r in held if now - r.created_at <= rules.stale_after]
    return fresh, [r for r in held if now - r.created_at > rules.stale_after]


def parse_quiet(text: str) -> str:
    """'22:00-07:00' -> '22:00-07:00' (normalised); one helpful line otherwise."""
    parts = text.strip().split("-")
    if len(parts) != 2:
        raise UserError(
            f"{text[:20]!r} is not a time range: write quiet hours as HH:MM-HH:MM, "
            "e.g. /settings quiet 22:00-07:00"
        )
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if start == end:
        raise UserError("Quiet hours must start and end at different times, e.g. 22:00-07:00")
    return f"{start:%H:%M}-{end:%H:%M}"


def in_quiet(quiet: str, zone: ZoneInfo, now: datetime) -> bool:
    """Whether `now` falls in the quiet hours `quiet` ("22:00-07:00", local to `zone`)."""
    if not quiet:
        return False
    start, end = (parse_time(p) for p in quiet.split("-"))
    local = now.astimezone(zone).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end  # across midnight


def why_now(stories: int, oldest: datetime, now: datetime) -> str:
    """Why this alert comes now: '3 stories in the last 40 min'."""
    told = "1 story" if stories == 1 else f"{stories} stories"
    return f"{told} in the last {span(max(now - oldest, timedelta(minutes=1)))}"
