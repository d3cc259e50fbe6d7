"""Plain-text rendering for the terminal: the digest, one ticker's view, and `why`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.models import Digest, Quote, ScoredArticle, Signal
from engine.pipeline import TickerView

MARKET_TZ = ZoneInfo("America/New_York")


def _et(dt: datetime) -> str:
    return dt.astimezone(MARKET_TZ).strftime("%a %d %b %H:%M ET")


def _utc(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def _age(published: datetime, now: datetime) -> str:
    minutes = max(int((now - published).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h {minutes % 60:02d} min ago"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _money(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}"


def format_quote(q: Quote) -> str:
    """The price line: never lets a stale price pass for a current one."""
    if q.stale:
        return f"price {_money(q.last)} is STALE (last quote {_et(q.as_of)}): no levels"
    if q.market_open:
        return f"price {_money(q.last)} at {_et(q.as_of)}"
    return f"price {_money(q.last)} at close {_et(q.as_of)} (market closed)"


def _article_line(item: ScoredArticle, now: datetime) -> list[str]:
    a = item.article
    s = item.sentiment
    line = (
        f"   - [{s.label} {s.scores.get(s.label, 0):.2f}] {a.title} "
        f"({a.source}, {_age(a.published, now)})"
    )
    return [line, f"     {a.url}"] if a.url else [line]


def render_signal(sig: Signal, now: datetime, index: int | None = None) -> list[str]:
    head = f"{index}. " if index is not None else ""
    flags = "  [reversal]" if sig.reversal else ""
    lines = [
        f"{head}{sig.symbol} ({sig.name}) {sig.direction.upper()}  score {sig.score:+.2f}  "
        f"confidence {sig.confidence:.0%}{flags}"
    ]
    if sig.quote is not None:
        lines.append("   " + format_quote(sig.quote))
    if sig.levels is not None:
        lv = sig.levels
        lines.append(
            f"   entry {_money(lv.entry)}  stop {_money(lv.stop)}  target {_money(lv.target)}"
        )
    lines.append(
        f"   news {sig.sentiment:+.2f} ({_plural(len(sig.articles), 'headline')}) · "
        f"technicals {sig.technical:+.2f}"
    )
    for item in sig.articles:
        lines.extend(_article_line(item, now))
    return lines


def render_digest(d: Digest) -> str:
    lines = [
        f"TradeTheHype digest, {_utc(d.generated_at)} · sentiment: {d.backend}",
        f"{_plural(len(d.signals), 'signal')} from {d.articles_seen} fresh stories",
        "",
    ]
    for i, sig in enumerate(d.signals, 1):
        lines.extend(render_signal(sig, d.generated_at, i))
        lines.append("")
    if not d.signals:
        lines.extend(["No new signals: nothing in the fresh news cleared the bar.", ""])
    if d.skipped:
        shown = [f"{s.get('symbol', '?')} ({s['reason']})" for s in d.skipped[:12]]
        more = f" and {len(d.skipped) - 12} more" if len(d.skipped) > 12 else ""
        lines.append("Skipped: " + "; ".join(shown) + more)
    for f in d.failed_sources:
        lines.append(f"Source failed: {f['source']}: {f['error']}")
    return "\n".join(lines).rstrip() + "\n"


def render_ticker_view(v: TickerView) -> str:
    lines = [f"{v.symbol} ({v.name}) · {_utc(v.generated_at)} · sentiment: {v.backend}"]
    if v.signal is not None:
        lines.extend(render_signal(v.signal, v.generated_at))
        if v.cooldown:
            lines.append(f"   cooldown: {v.cooldown}")
    else:
        reason = v.reason[:1].upper() + v.reason[1:]
        lines.append(reason if reason.endswith((".", "!", "?")) else reason + ".")
        if v.quote is not None:
            lines.append("   " + format_quote(v.quote))
        if v.aggregate is not None:
            count = _plural(len(v.aggregate.articles), "headline")
            lines.append(f"   news {v.aggregate.sentiment:+.2f} ({count})")
            for item in v.aggregate.articles:
                lines.extend(_article_line(item, v.generated_at))
    for f in v.failures:
        lines.append(f"Source failed: {f['source']}: {f['error']}")
    return "\n".join(lines) + "\n"


def render_why(p: dict[str, Any]) -> str:
    """How a recorded signal was made, from the payload the store keeps."""
    made = datetime.fromisoformat(p["generated_at"])
    ex = p.get("explain", {})
    w = ex.get("weights", {})
    lines = [
        f"Why {p['direction'].upper()} on {p['symbol']} ({p['name']}), signalled {_utc(made)}",
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
        age = _age(datetime.fromisoformat(a["published"]), made)
        weight = f" weight {weights[i]:.2f}" if i < len(weights) else ""
        lines.append(f" - {a['title']}")
        lines.append(f"   {a['source']}, {age}; {a['label']} ({probs}){weight}")
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
            f"Price {_money(price['last'])} as of "
            f"{_et(datetime.fromisoformat(price['as_of']))} ({state})"
        )
    lv = p.get("levels")
    if lv:
        lines.append(
            f"Levels: entry {_money(lv['entry'])}, stop {_money(lv['stop'])}, "
            f"target {_money(lv['target'])}"
        )
    lines.append(f"Level formula: {ex.get('levels_formula', 'n/a')}")
    lines.append(f"Cooldown: {p.get('cooldown', 'n/a')}")
    return "\n".join(lines) + "\n"


__all__ = ["format_quote", "render_digest", "render_signal", "render_ticker_view", "render_why"]
