"""Plain-text rendering for the terminal: the digest, one ticker's view, and `why`."""

from __future__ import annotations

from datetime import datetime

from chat.report import (
    MAX_HEADLINES_SHOWN,
    context_line,
    more_line,
    outcome_line,
    skipped_line,
    stories_line,
)
from chat.text import age, format_quote, money, plural, render_why, utc_time
from engine.models import Digest, ScoredArticle, Signal
from engine.pipeline import TickerView


def _article_line(item: ScoredArticle, now: datetime) -> list[str]:
    a = item.article
    s = item.sentiment
    line = (
        f"   - [{s.label} {s.scores.get(s.label, 0):.2f}] {a.title} "
        f"({a.source}, {age(a.published, now)})"
    )
    return [line, f"     {a.url}"] if a.url else [line]


def _headlines(items: list[ScoredArticle], now: datetime) -> list[str]:
    lines = [line for item in items[:MAX_HEADLINES_SHOWN] for line in _article_line(item, now)]
    if len(items) > MAX_HEADLINES_SHOWN:
        lines.append(f"   - {more_line(len(items) - MAX_HEADLINES_SHOWN)}")
    return lines


def render_signal(
    sig: Signal, now: datetime, index: int | None = None, *, named: bool = True
) -> list[str]:
    """The signal's lines; `named=False` leaves out "TSLA (Tesla)" (a heading says it)."""
    head = f"{index}. " if index is not None else ""
    who = f"{sig.symbol} ({sig.name}) " if named else ""
    flags = "  [reversal]" if sig.reversal else ""
    lines = [
        f"{head}{who}{sig.direction.upper()}  score {sig.score:+.2f}  "
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
    lines.extend(_headlines(sig.articles, now))
    return lines


def _heading(first: str, d: Digest | TickerView) -> str:
    context = context_line(d.market, d.price_source)
    return f"{first}{utc_time(d.generated_at)}" + (f" · {context}" if context else "")


def _trailer(notes: list[str], failed: list[dict[str, str]]) -> list[str]:
    lines = [f"Note: {n}" for n in notes]
    return lines + [f"Source failed: {f['source']}: {f['error']}" for f in failed]


def render_digest(d: Digest) -> str:
    lines = [
        _heading("TradeTheHype digest, ", d),
        f"{stories_line(len(d.signals), d.articles_seen)} · sentiment: {d.backend}",
        "",
    ]
    for i, sig in enumerate(d.signals, 1):
        lines.extend(render_signal(sig, d.generated_at, i))
        lines.append("")
    outcome = outcome_line(
        len(d.signals),
        d.unpriced,
        articles=d.articles_seen,
        sources_failed=bool(d.failed_sources),
    )
    if outcome:
        lines.extend([outcome, ""])
    if d.skipped:
        lines.append(skipped_line(d.skipped))
    lines.extend(_trailer(d.notes, d.failed_sources))
    return "\n".join(lines).rstrip() + "\n"


def render_ticker_view(v: TickerView) -> str:
    lines = [_heading(f"{v.symbol} ({v.name}) · ", v), f"sentiment: {v.backend}"]
    if v.signal is not None:
        lines.extend(render_signal(v.signal, v.generated_at, named=False))
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
            lines.extend(_headlines(v.aggregate.articles, v.generated_at))
    lines.extend(_trailer(v.notes, v.failures))
    return "\n".join(lines) + "\n"


__all__ = ["format_quote", "render_digest", "render_signal", "render_ticker_view", "render_why"]
