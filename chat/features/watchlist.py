"""/watch, /unwatch and /watchlist: the tickers this chat gets alerts on (changing the list:
chat administrators only, as for /subscribe; anyone may look at it)."""

from __future__ import annotations

import logging
import re

from chat.core import Context
from chat.record import why_outcome_line
from chat.registry import Access, Arg, Registry
from chat.replies import Reply, refusal, text
from engine.errors import UnknownTicker
from engine.records import SignalRecord

log = logging.getLogger(__name__)

USAGE = "/watch TSLA NVDA $AMD Apple"
_SPLIT = re.compile(r"[,\s]+")
_LONGEST_NAME = 4  # words tried together as one company name ("Bank of America Corp")


def _shown(word: str) -> str:
    return word if len(word) <= 20 else word[:20] + "..."


def parse_tickers(ctx: Context) -> tuple[list[str], list[str]]:
    """The symbols named in the arguments (tickers, $tickers or company names, the longest name
    that matches first) and the words that named none."""
    words = [w for w in _SPLIT.split(ctx.args) if w]
    found: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_LONGEST_NAME, len(words) - i), 0, -1):
            try:
                symbol, _ = ctx.engine.resolve(" ".join(words[i : i + n]))
            except UnknownTicker:
                continue
            if symbol not in found:
                found.append(symbol)
            i += n
            break
        else:
            unknown.append(_shown(words[i]))
            i += 1
    return found, unknown


def _unknown_line(unknown: list[str]) -> str:
    return f"Unknown ticker or company: {', '.join(unknown)}." if unknown else ""


async def _signal_line(ctx: Context, symbol: str) -> str:
    """One watched ticker: its latest recorded signal and what became of it, if any."""
    last = await ctx.store.last_signal(symbol)
    if last is None:
        return f"{symbol}: no signal recorded yet"
    record = SignalRecord.parse(last.payload)
    made = record.generated_at.astimezone(ctx.core.default_schedule.zone)
    outcome = why_outcome_line(await ctx.store.outcome_of(last.id))
    return (
        f"{symbol}: {record.direction} {record.score:+.2f} on {made:%a %d %b %H:%M}; "
        + outcome[0].lower()
        + outcome[1:]
    )


async def watch(ctx: Context) -> Reply:
    if not ctx.args:
        return refusal(f"Which tickers? e.g. {USAGE}")
    found, unknown = parse_tickers(ctx)
    chat = (ctx.caller.platform, ctx.caller.chat_id)
    watched = await ctx.core.alerts.watchlist(chat)
    new = [s for s in found if s not in watched]
    limit = ctx.core.settings.max_watchlist
    if len(watched) + len(new) > limit:
        room = limit - len(watched)
        return refusal(
            f"This chat can watch at most {limit} tickers; it watches {len(watched)}, so "
            f"there is room for {room} more (you asked for {len(new)}). /unwatch some first."
        )
    added = await ctx.core.alerts.watch(chat, new, ctx.now)
    if not found:
        return refusal(f"{_unknown_line(unknown)} Try e.g. {USAGE}")
    log.info("%s chat %s watches %s", *chat, ", ".join(added) or "nothing new")
    lines = [
        f"Watching {', '.join(added)}: an alert comes here when breaking news makes a signal."
        if added
        else f"Already watching {', '.join(found)}."
    ]
    lines.append(_unknown_line(unknown))
    return text(" ".join(line for line in lines if line))


async def unwatch(ctx: Context) -> Reply:
    if not ctx.args:
        return refusal("Which tickers? e.g. /unwatch TSLA")
    found, unknown = parse_tickers(ctx)
    chat = (ctx.caller.platform, ctx.caller.chat_id)
    removed = await ctx.core.alerts.unwatch(chat, found)
    others = [s for s in found if s not in removed]
    lines = [
        f"Stopped watching {', '.join(removed)}." if removed else "",
        f"Not on this chat's watchlist: {', '.join(others)}." if others else "",
        _unknown_line(unknown),
    ]
    return text(" ".join(line for line in lines if line))


async def watchlist(ctx: Context) -> Reply:
    chat = (ctx.caller.platform, ctx.caller.chat_id)
    symbols = await ctx.core.alerts.watchlist(chat)
    if not symbols:
        return text(f"This chat watches no tickers. {USAGE} starts alerts.")
    lines = [await _signal_line(ctx, s) for s in symbols]
    limit = ctx.core.settings.max_watchlist
    head = f"Watching {len(symbols)} of at most {limit} tickers:"
    return text(head + "\n" + "\n".join(lines))


def register(registry: Registry) -> None:
    tickers = (Arg("tickers", "tickers or company names", True, True),)
    registry.command(
        "watch",
        "get alerts on breaking news for these tickers: /watch TSLA NVDA Apple",
        args=tickers,
        access=Access.CHAT_ADMIN,
        delivers_here=True,
    )(watch)
    registry.command(
        "unwatch",
        "stop alerts for these tickers: /unwatch TSLA",
        args=tickers,
        access=Access.CHAT_ADMIN,
    )(unwatch)
    registry.command(
        "watchlist", "the tickers this chat watches, with their latest signals"
    )(watchlist)
