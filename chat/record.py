"""The record in words, the same everywhere: `tradethehype performance` and /performance, the one
line an outcome's notice is, and the line /why adds once a signal has its outcome.

Only what was measured is counted: with nothing closed it says "no closed signals yet", never a
row of zeros that would read like results. The digest's 30-day line is chat/report.py's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chat.report import percent, r_phrase, record_line
from chat.text import MARKET_TZ, money, plural
from engine.errors import UserError
from engine.outcomes import Outcome
from engine.performance import Trade, confidence_bucket, grouped, summarise
from engine.store import Store
from engine.store.outcomes import StoredOutcome, TrackedSignal
from engine.tracking import trades

PERIOD_USAGE = "a period is 30d, 90d (any number of days from 1 to 3650) or all"
_DAYS = re.compile(r"^(\d{1,4})d$")
RECORD_DAYS = 30  # the digest's line
TICKERS_SHOWN = 3


@dataclass(frozen=True)
class Period:
    days: int | None  # None: all time

    @property
    def label(self) -> str:
        return "all time" if self.days is None else f"last {self.days} days"

    def since(self, now: datetime) -> datetime | None:
        return None if self.days is None else now - timedelta(days=self.days)


def parse_period(text: str, default: str = "all") -> Period:
    """ "30d", "90d", "all" (empty: `default`); anything else is a UserError (one line)."""
    raw = (text.strip() or default).lower()
    if raw == "all":
        return Period(None)
    found = _DAYS.match(raw)
    if found is None or not 1 <= int(found.group(1)) <= 3650:
        shown = text.strip()[:20]
        raise UserError(f"{shown!r} is not a period: {PERIOD_USAGE}")
    return Period(int(found.group(1)))


def rules_line(horizon: int) -> str:
    return (
        f"Rules: each signal is followed from the first bar after it for {horizon} sessions; "
        "target or stop, whichever the price reaches first (a daily bar that reaches both "
        "counts as the stop); else out at the last session's close; an opposite signal closes "
        "it at its price; R = (exit - entry) / (entry - stop)."
    )


async def the_record(store: Store, period: Period, now: datetime) -> list[Trade]:
    return await trades(store, since=period.since(now))


async def digest_record_line(store: Store, as_of: datetime) -> str:
    """The digest's last line: the 30-day record as it stood at `as_of` (the digest's time), so
    the same digest reads the same when it is sent again."""
    since = as_of - timedelta(days=RECORD_DAYS)
    return record_line(summarise(await trades(store, since=since, as_of=as_of)), RECORD_DAYS)


# -- the performance report ------------------------------------------------------------------


def _groups(ts: Sequence[Trade], key: Callable[[Trade], str], name: Callable[[str], str]) -> str:
    """ "Bullish: 5 closed, average +0.7R · Bearish: 3 closed, average -0.7R over the 2 with
    levels": a group's average R is over its closed signals with levels only, and says so."""
    with_levels: dict[str, int] = defaultdict(int)
    for t in ts:
        with_levels[key(t)] += t.outcome.closed and t.outcome.r is not None
    phrases = []
    for group, s in grouped(ts, key).items():
        if not s.closed:
            phrases.append(f"{name(group)}: no closed signals yet ({s.open} open)")
            continue
        avg = "" if s.avg_r is None else f", average {r_phrase(s.avg_r)}"
        if s.avg_r is not None and with_levels[group] < s.closed:
            avg += f" over the {with_levels[group]} with levels"
        phrases.append(f"{name(group)}: {s.closed} closed{avg}")
    return " · ".join(phrases)


def _tickers(ts: Sequence[Trade]) -> tuple[list[str], list[str]]:
    """The best tickers (average R above 0) and the worst (0 and below), by average R over their
    closed signals with levels, at most TICKERS_SHOWN each; a tie goes by symbol."""
    ranked = [
        (s.avg_r, sym, s.closed)
        for sym, s in grouped(ts, lambda t: t.symbol).items()
        if s.avg_r is not None
    ]
    best = sorted((p for p in ranked if p[0] > 0), key=lambda p: (-p[0], p[1]))
    worst = sorted((p for p in ranked if p[0] <= 0), key=lambda p: (p[0], p[1]))
    return (
        [f"{sym} {r_phrase(r)} ({n})" for r, sym, n in best[:TICKERS_SHOWN]],
        [f"{sym} {r_phrase(r)} ({n})" for r, sym, n in worst[:TICKERS_SHOWN]],
    )


def performance_text(ts: Sequence[Trade], period: Period, horizon: int) -> str:
    """The record in a few lines (the CLI prints it, /performance replies with it)."""
    s = summarise(ts)
    head = f"Record, {period.label}: "
    if not s.closed:
        return f"{head}no closed signals yet ({s.open} open).\n{rules_line(horizon)}\n"
    lines = [f"{head}{plural(s.signals, 'signal')}, {s.closed} closed, {s.open} open"]
    shares = [("target first", s.target_first), ("stop first", s.stop_first)]
    shares += [("expired", s.expired), ("reversed", s.reversed)]
    lines.append("Closed: " + " · ".join(f"{n} {percent(v)}" for n, v in shares if v))
    if s.avg_r is not None:
        ci = (
            ""
            if s.avg_r_ci is None
            else f" (95% interval {s.avg_r_ci[0]:+.2f} to {s.avg_r_ci[1]:+.2f})"
        )
        pf = "n/a (nothing lost)" if s.profit_factor is None else f"{s.profit_factor:.2f}"
        lines.append(
            f"Average {r_phrase(s.avg_r)}{ci} · expectancy {r_phrase(s.expectancy_r or 0.0)}"
            f" · profit factor {pf}"
        )
    plain = [t for t in ts if t.outcome.closed and t.outcome.r is None]
    if plain:
        right = sum(bool(t.outcome.right) for t in plain)
        lines.append(f"Without levels (direction only): {right} of {len(plain)} moved their way")
    lines.append(_groups(ts, lambda t: t.direction, str.capitalize))
    by_confidence = _groups(ts, lambda t: confidence_bucket(t.confidence), str)
    lines.append(f"By confidence: {by_confidence}")
    best, worst = _tickers(ts)
    if best:
        lines.append("Best: " + " · ".join(best))
    if worst:
        lines.append("Worst: " + " · ".join(worst))
    lines.append(rules_line(horizon))
    return "\n".join(lines) + "\n"


def performance_doc(ts: Sequence[Trade], period: Period, horizon: int) -> dict[str, Any]:
    """`performance --json`: the same figures as numbers (shares in 0..1, None when unmeasured)."""
    best, worst = _tickers(ts)
    return {
        "period": "all" if period.days is None else f"{period.days}d",
        "horizon_sessions": horizon,
        "summary": asdict(summarise(ts)),
        "by_direction": {k: asdict(v) for k, v in grouped(ts, lambda t: t.direction).items()},
        "by_confidence": {
            k: asdict(v) for k, v in grouped(ts, lambda t: confidence_bucket(t.confidence)).items()
        },
        "best_tickers": best,
        "worst_tickers": worst,
        "rules": rules_line(horizon),
    }


# -- one signal's outcome ----------------------------------------------------------------------


def _what(out: Outcome, bars: str) -> str:
    exit_ = money(out.exit_price or 0.0)
    if out.status == "target":
        return f"hit its target {exit_}"
    if out.status == "stop":
        both = out.both_in_one_bar and bars == "daily"
        return f"hit its stop {exit_}" + (
            " (stop and target in the same daily bar: counted as the stop)" if both else ""
        )
    if out.status == "reversed":
        return f"was closed by an opposite signal at {exit_}"
    return f"expired after {plural(out.sessions, 'session')} at {exit_}"


def _result(out: Outcome) -> str:
    if out.r is not None:
        return r_phrase(out.r)
    way = "moved its way" if out.right else "moved against it"
    return f"{way} (no levels: direction only)"


def outcome_notice(sig: TrackedSignal, stored: StoredOutcome, tz: ZoneInfo = MARKET_TZ) -> str:
    """ "TSLA bullish from Tue 10 Mar hit its target 417.75: +2.0R" """
    out = stored.outcome
    made = sig.generated_at.astimezone(tz)
    what = _what(out, stored.bars)
    return f"{sig.symbol} {sig.direction} from {made:%a %d %b} {what}: {_result(out)}"


def why_outcome_line(stored: StoredOutcome | None) -> str:
    """What /why adds: the outcome once there is one, else that it is still being followed."""
    if stored is None:
        return "Outcome: open (still followed)"
    out = stored.outcome
    when = f"{out.exit_at:%Y-%m-%d}" if out.exit_at else "?"
    excursion = ""
    if out.best_r is not None and out.worst_r is not None:
        excursion = f"; best {r_phrase(out.best_r)}, worst {r_phrase(out.worst_r)}"
    return (
        f"Outcome: {_what(out, stored.bars)} on {when}, {_result(out)} "
        f"({plural(out.sessions, 'session')} held{excursion})"
    )
