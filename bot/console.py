"""Plain-text rendering for the terminal: the digest, one ticker's view, and `why`.

It reads what it shows as the store's records (engine.records), as the chats' replies do, and
takes every phrase the chats show too from chat.report and chat.text; only the layout is the
terminal's own (see render_digest).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chat.report import (
    DIGEST_TITLE,
    MAX_HEADLINES_SHOWN,
    backend_phrase,
    context_line,
    more_line,
    note_lines,
    outcome_line,
    sentence,
    skipped_line,
    stories_line,
)
from chat.text import (
    age,
    format_quote,
    label_phrase,
    levels_phrase,
    news_phrase,
    render_why,
    score_phrase,
    technicals_phrase,
    utc_time,
)
from engine.models import Digest
from engine.pipeline import TickerView
from engine.records import ArticleRecord, DigestDoc, Failure, SignalRecord


def _article_line(a: ArticleRecord, now: datetime) -> list[str]:
    line = (
        f"   - [{label_phrase(a.label, a.score)}] {a.title} ({a.source}, {age(a.published, now)})"
    )
    return [line, f"     {a.url}"] if a.url else [line]


def _headlines(items: Sequence[ArticleRecord], now: datetime) -> list[str]:
    lines = [line for item in items[:MAX_HEADLINES_SHOWN] for line in _article_line(item, now)]
    if len(items) > MAX_HEADLINES_SHOWN:
        lines.append(f"   - {more_line(len(items) - MAX_HEADLINES_SHOWN)}")
    return lines


def render_signal(sig: SignalRecord, index: int | None = None, *, named: bool = True) -> list[str]:
    """The signal's lines, ages from its time; `named=False` leaves out "TSLA (Tesla)" (a
    heading says it)."""
    head = f"{index}. " if index is not None else ""
    who = f"{sig.symbol} ({sig.name}) " if named else ""
    flags = "  [reversal]" if sig.reversal else ""
    lines = [
        f"{head}{who}{sig.direction.upper()}  {score_phrase(sig.score, sig.confidence, '  ')}"
        f"{flags}"
    ]
    if sig.price is not None:
        lines.append("   " + format_quote(sig.price))
    if sig.levels is not None:
        lines.append("   " + levels_phrase(sig.levels, "  "))
    lines.append(
        f"   {news_phrase(sig.sentiment, len(sig.articles))} · {technicals_phrase(sig.technical)}"
    )
    lines.extend(_headlines(sig.articles, sig.generated_at))
    return lines


def _heading(first: str, d: DigestDoc | TickerView) -> str:
    context = context_line(d.market, d.price_source)
    return f"{first}{utc_time(d.generated_at)}" + (f" · {context}" if context else "")


def render_digest(digest: Digest, record_line: str = "") -> str:
    """The terminal's digest. The chats' (chat.core.digest_reply) shows the same facts in the
    same words; the layout differs: one heading line in UTC here (the chats: the chat's own
    time zone), numbered signals with each headline's link, and the skipped tickers named
    with their reasons (the chats count them). `record_line` (chat.report.record_line) ends it."""
    d = DigestDoc.of(digest)
    lines = [
        _heading(f"{DIGEST_TITLE}, ", d),
        f"{stories_line(len(d.signals), d.articles_seen)} · {backend_phrase(d.backend)}",
        "",
    ]
    for i, sig in enumerate(d.signals, 1):
        lines.extend(render_signal(sig, i))
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
    lines.extend(note_lines(d.notes, d.failed_sources))
    if record_line:
        lines.extend(["", record_line])
    return "\n".join(lines).rstrip() + "\n"


def render_ticker_view(v: TickerView) -> str:
    lines = [_heading(f"{v.symbol} ({v.name}) · ", v), backend_phrase(v.backend)]
    if v.signal is not None:
        lines.extend(render_signal(SignalRecord.of(v.signal, v.generated_at), named=False))
        if v.cooldown:
            lines.append(f"   cooldown: {v.cooldown}")
    else:
        lines.append(sentence(v.reason))
        if v.quote is not None:
            lines.append("   " + format_quote(v.quote))
        if v.aggregate is not None:
            articles = [ArticleRecord.of(a) for a in v.aggregate.articles]
            lines.append(f"   {news_phrase(v.aggregate.sentiment, len(articles))}")
            lines.extend(_headlines(articles, v.generated_at))
    lines.extend(note_lines(v.notes, [Failure.parse(f) for f in v.failures]))
    return "\n".join(lines) + "\n"


__all__ = ["format_quote", "render_digest", "render_signal", "render_ticker_view", "render_why"]
