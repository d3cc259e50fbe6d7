"""Plain-text rendering for the terminal: the digest, one ticker's view, and `why`."""

from __future__ import annotations

from datetime import datetime

from engine.models import Digest, ScoredArticle, Signal
from engine.pipeline import TickerView
from engine.text import age, format_quote, money, plural, render_why, utc_time


def _article_line(item: ScoredArticle, now: datetime) -> list[str]:
    a = item.article
    s = item.sentiment
    line = (
        f"   - [{s.label} {s.scores.get(s.label, 0):.2f}] {a.title} "
        f"({a.source}, {age(a.published, now)})"
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
            f"   entry {money(lv.entry)}  stop {money(lv.stop)}  target {money(lv.target)}"
        )
    lines.append(
        f"   news {sig.sentiment:+.2f} ({plural(len(sig.articles), 'headline')}) · "
        f"technicals {sig.technical:+.2f}"
    )
    for item in sig.articles:
        lines.extend(_article_line(item, now))
    return lines


def render_digest(d: Digest) -> str:
    lines = [
        f"TradeTheHype digest, {utc_time(d.generated_at)} · sentiment: {d.backend}",
        f"{plural(len(d.signals), 'signal')} from {d.articles_seen} fresh stories",
        "",
    ]
    for i, sig in enumerate(d.signals, 1):
        lines.extend(render_signal(sig, d.generated_at, i))
        lines.append("")
    if not d.signals and not d.articles_seen and d.failed_sources:
        lines.extend(["No fresh stories, and news sources failed (below).", ""])
    elif not d.signals:
        lines.extend(["No new signals: nothing in the fresh news cleared the bar.", ""])
    if d.skipped:
        shown = [f"{s.get('symbol', '?')} ({s['reason']})" for s in d.skipped[:12]]
        more = f" and {len(d.skipped) - 12} more" if len(d.skipped) > 12 else ""
        lines.append("Skipped: " + "; ".join(shown) + more)
    for f in d.failed_sources:
        lines.append(f"Source failed: {f['source']}: {f['error']}")
    return "\n".join(lines).rstrip() + "\n"


def render_ticker_view(v: TickerView) -> str:
    lines = [f"{v.symbol} ({v.name}) · {utc_time(v.generated_at)} · sentiment: {v.backend}"]
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
            count = plural(len(v.aggregate.articles), "headline")
            lines.append(f"   news {v.aggregate.sentiment:+.2f} ({count})")
            for item in v.aggregate.articles:
                lines.extend(_article_line(item, v.generated_at))
    for f in v.failures:
        lines.append(f"Source failed: {f['source']}: {f['error']}")
    return "\n".join(lines) + "\n"


__all__ = ["format_quote", "render_digest", "render_signal", "render_ticker_view", "render_why"]
