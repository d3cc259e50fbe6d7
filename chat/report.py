"""What a digest says around its signals, the same in every channel: the market and the price
source, how many signals from how many stories, why nothing was signalled, what was skipped.

Plain text; adapters escape and decorate it.
"""

from __future__ import annotations

from collections.abc import Sequence

from chat.text import plural
from engine.performance import Summary
from engine.prices.lookup import source_name
from engine.records import Failure, Skip

DIGEST_TITLE = "TradeTheHype digest"

MAX_HEADLINES_SHOWN = 5  # per signal or card; the rest are counted ("and 12 more")
MAX_SKIPPED_SHOWN = 12  # symbols on the Skipped line
MAX_REASON_CHARS = 80

_MARKET = {
    "open": "market open",
    "pre-market": "pre-market",
    "after-hours": "after hours",
    "closed": "market closed",
}


def market_phrase(state: str) -> str:
    return _MARKET.get(state, state)


def context_line(market: str, price_source: str) -> str:
    """ "market open · prices: Yahoo Finance" (parts unknown to an old stored digest left out)."""
    parts = [market_phrase(market)] if market else []
    if price_source:
        parts.append(f"prices: {source_name(price_source)}")
    return " · ".join(parts)


def backend_phrase(backend: str) -> str:
    """The sentiment model, as every heading names it."""
    return f"sentiment: {backend}"


def stories_line(signals: int, articles: int) -> str:
    stories = "fresh story" if articles == 1 else "fresh stories"
    return f"{plural(signals, 'signal')} from {articles} {stories}"


def outcome_line(
    signals: int, unpriced: Sequence[str], *, articles: int = 1, sources_failed: bool = False
) -> str:
    """Why there are no signals, or which strong news went unpriced; "" when nothing to say."""
    if not signals and not articles and sources_failed:
        return "No new signals: no fresh stories, and news sources failed (below)."
    if unpriced:
        missing = f"prices could not be fetched for {', '.join(unpriced)} (news strong enough)"
        return f"No new signals: {missing}." if not signals else f"P{missing[1:]}."
    return "" if signals else "No new signals: nothing in the fresh news cleared the bar."


def more_line(hidden: int) -> str:
    return f"and {hidden} more"


def short_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    return reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 3] + "..."


def sentence(reason: str) -> str:
    """A reason shown on its own: "no fresh news on TSLA" -> "No fresh news on TSLA." """
    reason = reason[:1].upper() + reason[1:]
    return reason if reason.endswith((".", "!", "?")) else reason + "."


def failure_line(failure: Failure) -> str:
    return f"Source failed: {failure.source}: {failure.error}"


def note_lines(notes: Sequence[str], failures: Sequence[Failure]) -> list[str]:
    """What goes under a digest or a view: price data skipped, then the sources that failed."""
    return [f"Note: {n}" for n in notes] + [failure_line(f) for f in failures]


def skipped_line(skipped: Sequence[Skip]) -> str:
    """ "Skipped: NVDA, TSLA (price unavailable: Yahoo Finance unreachable); AAPL (...)":
    symbols with the same reason share it, at most MAX_SKIPPED_SHOWN symbols are named."""
    if not skipped:
        return ""
    by_reason: dict[str, list[str]] = {}
    for item in skipped[:MAX_SKIPPED_SHOWN]:
        by_reason.setdefault(short_reason(item.reason), []).append(item.symbol)
    shown = "; ".join(f"{', '.join(symbols)} ({why})" for why, symbols in by_reason.items())
    hidden = len(skipped) - MAX_SKIPPED_SHOWN
    return f"Skipped: {shown}" + (f" {more_line(hidden)}" if hidden > 0 else "")


def r_phrase(r: float) -> str:
    """An R multiple: "+2.0R", "-1.0R"."""
    return f"{r:+.1f}R"


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.0%}"


def record_line(s: Summary, days: int) -> str:
    """The digest's last line: the record of the signals made in the last `days` days."""
    head = f"Record, last {days} days: "
    if not s.closed:
        return head + "no closed signals yet" + (f" ({s.open} open)." if s.open else ".")
    parts = [f"{s.closed} closed ({s.open} open)", f"target first {percent(s.target_first)}"]
    parts.append(f"stop first {percent(s.stop_first)}")
    if s.avg_r is not None:
        parts.append(f"average {r_phrase(s.avg_r)}")
    return head + " · ".join(parts) + "."
