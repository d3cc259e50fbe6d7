"""Plain-text pieces every channel shows the same way: prices, times, ages, the Why? text.

Platform-neutral: adapters escape and decorate these strings for their own markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.models import Quote

MARKET_TZ = ZoneInfo("America/New_York")


def et_time(dt: datetime) -> str:
    return dt.astimezone(MARKET_TZ).strftime("%a %d %b %H:%M ET")


def utc_time(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def age(published: datetime, now: datetime) -> str:
    minutes = max(int((now - published).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h {minutes % 60:02d} min ago"


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


def render_why(p: dict[str, Any]) -> str:
    """How a recorded signal was made, from the payload the store keeps."""
    made = datetime.fromisoformat(p["generated_at"])
    ex = p.get("explain", {})
    w = ex.get("weights", {})
    lines = [
        f"Why {p['direction'].upper()} on {p['symbol']} ({p['name']}), signalled {utc_time(made)}",
        f"Sentiment backend: {p.get('backend', '?')}",
        "",
        f"Headlines (weight = confidence x recency, half-life {ex.get('half_life_hours', 0):g} h):",
    ]
    weights = ex.get("article_weights", [])
    for i, a in enumerate(p.get("articles", [])):
        scores = a.get("scores", {})
        probs = " ".join(
            f"{k[:3]} {scores.get(k, 0):.2f}" for k in ("positive", "negative", "neutral")
        )
        ago = age(datetime.fromisoformat(a["published"]), made)
        weight = f" weight {weights[i]:.2f}" if i < len(weights) else ""
        lines.append(f" - {a['title']}")
        lines.append(f"   {a['source']}, {ago}; {a['label']} ({probs}){weight}")
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
