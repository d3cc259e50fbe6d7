"""Plain-text pieces every channel shows the same way: prices, times, ages, the Why? text.

Platform-neutral: adapters escape and decorate these strings for their own markup.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.models import Quote

MARKET_TZ = ZoneInfo("America/New_York")


def et_time(dt: datetime) -> str:
    return dt.astimezone(MARKET_TZ).strftime("%a %d %b %H:%M ET")


def utc_time(dt: datetime) -> str:
    """`dt` converted to UTC: "2026-11-20 15:30 UTC" (a naive time is taken as UTC already)."""
    aware = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def span(delta: timedelta, *, seconds: bool = False) -> str:
    """A duration in words, whole minutes: "45 min", "1 h 25 min", "8 days 2 h" (never negative);
    with `seconds`, under two minutes in seconds: "30 s" (a heartbeat's age)."""
    if seconds and delta < timedelta(minutes=2):
        return f"{max(int(delta.total_seconds()), 0)} s"
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    days, hours = divmod(minutes // 60, 24)
    return plural(days, "day") + (f" {hours} h" if hours else "")


def age(published: datetime, now: datetime) -> str:
    return f"{span(now - published)} ago"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def money(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}"


def price_phrase(last: float, as_of: datetime, *, stale: bool, market_open: bool) -> str:
    """ "251.30 at Tue 10 Mar 10:55 ET": never lets a stale price pass for a current one."""
    if stale:
        return f"{money(last)} STALE (last quote {et_time(as_of)})"
    if market_open:
        return f"{money(last)} at {et_time(as_of)}"
    return f"{money(last)} at close {et_time(as_of)}"


def format_quote(q: Quote) -> str:
    """The console's price line."""
    phrase = price_phrase(q.last, q.as_of, stale=q.stale, market_open=q.market_open)
    if q.stale:
        return f"price {phrase.replace(' STALE', ' is STALE', 1)}: no levels"
    return f"price {phrase}" + ("" if q.market_open else " (market closed)")


def render_why(p: dict[str, Any], now: datetime | None = None) -> str:
    """How a recorded signal was made, from the payload the store keeps.

    Ages are from `now` (the clock's time; default: the signal's own time). When the signal is
    older than a minute, each headline also says how long before the signal it came out: that
    is the age its recency weight was computed from.
    """
    made = datetime.fromisoformat(p["generated_at"])
    now = now or made
    later = now - made >= timedelta(minutes=1)
    when = f"signalled {utc_time(made)}" + (f", {age(made, now)}" if later else "")
    ex = p.get("explain", {})
    w = ex.get("weights", {})
    lines = [
        f"Why {p['direction'].upper()} on {p['symbol']} ({p['name']}), {when}",
        f"Sentiment backend: {p.get('backend', '?')}",
        "",
        f"Headlines (weight = confidence x recency, half-life {ex.get('half_life_hours', 0):g} h):",
    ]
    lines.extend(_why_headlines(p, made, now))
    lines.append("")
    lines.append(f"News sentiment {p['sentiment']:+.3f} (weighted P(positive) - P(negative))")
    t = ex.get("technicals")
    if t:

        def num(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.2f}"

        lines.append(
            f"Technicals {p['technical']:+.3f}: RSI(14) {num(t.get('rsi14'))}, "
            f"SMA20 {num(t.get('sma20'))}, SMA50 {num(t.get('sma50'))}, "
            f"ATR(14) {num(t.get('atr14'))}"
        )
        for note in t.get("notes", []):
            lines.append(f"   {note}")
    lines.append(
        f"Score = {w.get('sentiment', 0):.2f} x {p['sentiment']:+.3f} + "
        f"{w.get('technical', 0):.2f} x {p['technical']:+.3f} = {p['score']:+.3f} "
        f"(threshold {ex.get('min_score', 0):.2f}); confidence {p['confidence']:.0%}"
    )
    price = p.get("price")
    if price:
        state = "STALE" if price["stale"] else ("live" if price.get("market_open") else "close")
        lines.append(
            f"Price {money(price['last'])} as of "
            f"{et_time(datetime.fromisoformat(price['as_of']))} ({state})"
        )
    lv = p.get("levels")
    if lv:
        lines.append(
            f"Levels: entry {money(lv['entry'])}, stop {money(lv['stop'])}, "
            f"target {money(lv['target'])}"
        )
    lines.append(f"Level formula: {ex.get('levels_formula', 'n/a')}")
    lines.append(f"Cooldown: {p.get('cooldown', 'n/a')}")
    return "\n".join(lines) + "\n"


def _why_headlines(p: dict[str, Any], made: datetime, now: datetime) -> list[str]:
    """Two lines per headline: its title, then its source, age, label, scores and weight."""
    later = now - made >= timedelta(minutes=1)
    weights = p.get("explain", {}).get("article_weights", [])
    lines = []
    for i, a in enumerate(p.get("articles", [])):
        scores = a.get("scores", {})
        probs = " ".join(
            f"{k[:3]} {scores.get(k, 0):.2f}" for k in ("positive", "negative", "neutral")
        )
        published = datetime.fromisoformat(a["published"])
        ago = age(published, now)
        if later:
            ago += f" ({span(made - published)} before the signal)"
        weight = f" weight {weights[i]:.2f}" if i < len(weights) else ""
        lines.append(f" - {a['title']}")
        lines.append(f"   {a['source']}, {ago}; {a['label']} ({probs}){weight}")
    return lines
