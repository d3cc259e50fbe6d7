"""Plain-text pieces every channel shows the same way: prices, times, ages, the Why? text.

Platform-neutral: adapters escape and decorate these strings for their own markup.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from engine.models import Levels, Quote
from engine.records import ArticleRecord, SignalRecord

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


def levels_phrase(lv: Levels, sep: str = " · ") -> str:
    """ "entry 251.30 · stop 240.10 · target 273.70", `sep` between the three."""
    return sep.join(
        (f"entry {money(lv.entry)}", f"stop {money(lv.stop)}", f"target {money(lv.target)}")
    )


def score_phrase(score: float, confidence: float, sep: str = " · ") -> str:
    """ "score +0.62 · confidence 70%" """
    return f"score {score:+.2f}{sep}confidence {confidence:.0%}"


def news_phrase(sentiment: float, headlines: int | None = None) -> str:
    """ "news +0.80", with the count of headlines if given: "news +0.80 (3 headlines)" """
    count = "" if headlines is None else f" ({plural(headlines, 'headline')})"
    return f"news {sentiment:+.2f}{count}"


def technicals_phrase(technical: float) -> str:
    return f"technicals {technical:+.2f}"


def label_phrase(label: str, score: float) -> str:
    """A headline's sentiment: "positive 0.90" (the model's probability for its label)."""
    return f"{label} {score:.2f}"


_LEANS = {"positive": "bullish", "negative": "bearish", "neutral": "neutral"}


def lean(label: str) -> str:
    """A sentiment label as a direction: positive -> "bullish", negative -> "bearish"."""
    return _LEANS.get(label, label)


def company_phrase(a: ArticleRecord, symbol: str) -> str:
    """How a headline reads for `symbol`, and why when its own score did not decide:
    "bearish for AMD — headline bullish; scored for AMD by the target-aware lite model (the
    headline names 2 companies)", "bullish for CMG — analyst action: favorite stock
    (Goldman)", "bullish for NVDA"."""
    said = f"{lean(a.label)} for {symbol}"
    if a.decided_by == "analyst":
        why = f"analyst action: {a.action or 'rating'}" + (f" ({a.analyst})" if a.analyst else "")
    elif a.decided_by == "company":
        why = (
            f"scored for {symbol} by the target-aware lite model "
            f"(the headline names {a.companies} companies)"
        )
    else:
        return said
    own = a.headline_label or a.label
    differs = f"headline {lean(own)}; " if own != a.label else ""
    return f"{said} — {differs}{why}"


def render_why(p: SignalRecord, now: datetime | None = None) -> str:
    """How a recorded signal was made, from the record the store keeps.

    Ages are from `now` (the clock's time; default: the signal's own time). When the signal is
    older than a minute, each headline also says how long before the signal it came out: that
    is the age its recency weight was computed from.
    """
    made = p.generated_at
    now = now or made
    later = now - made >= timedelta(minutes=1)
    when = f"signalled {utc_time(made)}" + (f", {age(made, now)}" if later else "")
    ex = p.explain
    lines = [
        f"Why {p.direction.upper()} on {p.symbol} ({p.name}), {when}",
        f"Sentiment backend: {'?' if p.backend is None else p.backend}",
        "",
        f"Headlines (weight = confidence x recency, half-life {ex.half_life_hours:g} h):",
    ]
    lines.extend(_why_headlines(p, made, now))
    lines.append("")
    lines.append(f"News sentiment {p.sentiment:+.3f} (weighted P(positive) - P(negative))")
    t = ex.technicals
    if t:

        def num(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.2f}"

        lines.append(
            f"Technicals {p.technical:+.3f}: RSI(14) {num(t.rsi14)}, "
            f"SMA20 {num(t.sma20)}, SMA50 {num(t.sma50)}, "
            f"ATR(14) {num(t.atr14)}"
        )
        for note in t.notes:
            lines.append(f"   {note}")
    lines.append(
        f"Score = {ex.sentiment_weight:.2f} x {p.sentiment:+.3f} + "
        f"{ex.technical_weight:.2f} x {p.technical:+.3f} = {p.score:+.3f} "
        f"(threshold {ex.min_score:.2f}); confidence {p.confidence:.0%}"
    )
    price = p.price
    if price:
        state = "STALE" if price.stale else ("live" if price.market_open else "close")
        lines.append(f"Price {money(price.last)} as of {et_time(price.as_of)} ({state})")
    if p.levels:
        lines.append(f"Levels: {levels_phrase(p.levels, ', ')}")
    lines.append(f"Level formula: {ex.levels_formula}")
    lines.append(f"Cooldown: {'n/a' if p.cooldown is None else p.cooldown}")
    return "\n".join(lines) + "\n"


def _why_headlines(p: SignalRecord, made: datetime, now: datetime) -> list[str]:
    """Two lines per headline: its title, then its source, age, label, scores and weight."""
    later = now - made >= timedelta(minutes=1)
    weights = p.explain.article_weights
    lines = []
    for i, a in enumerate(p.articles):
        probs = " ".join(
            f"{k[:3]} {a.scores.get(k, 0):.2f}" for k in ("positive", "negative", "neutral")
        )
        ago = age(a.published, now)
        if later:
            ago += f" ({span(made - a.published)} before the signal)"
        weight = f" weight {weights[i]:.2f}" if i < len(weights) else ""
        lines.append(f" - {a.title}")
        lines.append(f"   {a.source}, {ago}; {a.label} ({probs}){weight}")
        if a.decided_by != "headline":  # the headline's own score did not decide: say why
            lines.append(f"   {company_phrase(a, p.symbol)}")
    return lines
