"""NYSE trading calendar: is the market open, when was the last close.

Backed by `exchange_calendars` ("XNYS"), which knows holidays and early closes. Building it
costs about 0.1 s (plus ~0.3 s for the first import), so it is built lazily, once per
`MarketCalendar`, over a bounded range of years, and turned into a plain dict of sessions.

Outside that range (or if `exchange_calendars` cannot be loaded) the calendar falls back to a
plain rule: every weekday is a session from 9:30 to 16:00 America/New_York, with no holidays.
"""

from __future__ import annotations

import logging
import threading
import warnings
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

NEW_YORK = ZoneInfo("America/New_York")
_FALLBACK_OPEN = time(9, 30)
_FALLBACK_CLOSE = time(16, 0)
_MAX_LOOKBACK_DAYS = 15  # longer than any NYSE closure since 2000 (9/11 was 4 sessions)
_PRE_MARKET_FROM = time(4, 0)  # extended hours: 04:00 to the open, the close + 4 h after it
_AFTER_HOURS_FOR = timedelta(hours=4)

MarketState = Literal["open", "pre-market", "after-hours", "closed"]


def require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got {at!r}")


class MarketCalendar:
    """Trading sessions of one exchange (default NYSE), in UTC.

    Between `start` and `end` the sessions come from `exchange_calendars`; for days outside
    that range the calendar assumes weekdays 9:30-16:00 America/New_York (no holidays), which is
    right for most days and never raises.
    """

    def __init__(
        self,
        exchange: str = "XNYS",
        start: date = date(2000, 1, 1),
        end: date = date(2035, 12, 31),
    ) -> None:
        self.exchange = exchange
        self.start = start
        self.end = end
        self._sessions: dict[date, tuple[datetime, datetime]] | None = None
        self._lock = threading.Lock()
        self._weekdays_only = False  # set when exchange_calendars cannot be loaded
        self.load_seconds: float | None = None

    # -- loading ---------------------------------------------------------------------------

    def _load(self) -> dict[date, tuple[datetime, datetime]]:
        if self._sessions is not None:
            return self._sessions
        with self._lock:
            if self._sessions is None:
                self._sessions = self._build()
        return self._sessions

    def _build(self) -> dict[date, tuple[datetime, datetime]]:
        import time as _time

        started = _time.perf_counter()
        try:
            with warnings.catch_warnings():
                # exchange_calendars trips pandas deprecation warnings while building
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                import exchange_calendars

                cal = exchange_calendars.get_calendar(
                    self.exchange, start=self.start.isoformat(), end=self.end.isoformat()
                )
                schedule = cal.schedule
        except Exception as exc:  # keep working with the weekday rule
            log.warning("market calendar %s unavailable (%s); using weekdays", self.exchange, exc)
            self._weekdays_only = True
            return {}
        sessions: dict[date, tuple[datetime, datetime]] = {}
        for day, open_, close in zip(
            schedule.index, schedule["open"], schedule["close"], strict=True
        ):
            sessions[day.date()] = (
                open_.to_pydatetime().astimezone(UTC),
                close.to_pydatetime().astimezone(UTC),
            )
        self.load_seconds = _time.perf_counter() - started
        log.debug("market calendar %s loaded in %.3f s", self.exchange, self.load_seconds)
        return sessions

    # -- sessions --------------------------------------------------------------------------

    def _in_range(self, day: date) -> bool:
        return not self._weekdays_only and self.start <= day <= self.end

    def session(self, day: date) -> tuple[datetime, datetime] | None:
        """(open, close) in UTC of the session on `day` (an exchange-local date), or None."""
        sessions = self._load()
        if self._in_range(day):
            return sessions.get(day)
        if day.weekday() >= 5:
            return None
        open_ = datetime.combine(day, _FALLBACK_OPEN, NEW_YORK).astimezone(UTC)
        close = datetime.combine(day, _FALLBACK_CLOSE, NEW_YORK).astimezone(UTC)
        return open_, close

    def is_trading_day(self, day: date) -> bool:
        return self.session(day) is not None

    def session_close(self, day: date) -> datetime | None:
        """Close time (UTC) of the session on `day`; early closes included; None if no session."""
        found = self.session(day)
        return found[1] if found else None

    def is_open(self, at: datetime) -> bool:
        """True while a regular session is running: open <= at < close."""
        require_aware(at)
        found = self.session(at.astimezone(NEW_YORK).date())
        return found is not None and found[0] <= at < found[1]

    def state(self, at: datetime) -> MarketState:
        """The regular session is running ("open"), or it is the extended trading before it
        (04:00 New York to the open) or after it (the close + 4 h), or none of those."""
        require_aware(at)
        local = at.astimezone(NEW_YORK)
        found = self.session(local.date())
        if found is None:
            return "closed"
        open_, close = found
        if open_ <= at < close:
            return "open"
        if datetime.combine(local.date(), _PRE_MARKET_FROM, NEW_YORK) <= at < open_:
            return "pre-market"
        if close <= at < close + _AFTER_HOURS_FOR:
            return "after-hours"
        return "closed"

    def last_close(self, at: datetime) -> datetime:
        """The most recent session close at or before `at`, in UTC."""
        require_aware(at)
        day = at.astimezone(NEW_YORK).date()
        for back in range(_MAX_LOOKBACK_DAYS):
            close = self.session_close(day - timedelta(days=back))
            if close is not None and close <= at:
                return close
        raise ValueError(f"no session close within {_MAX_LOOKBACK_DAYS} days before {at}")
