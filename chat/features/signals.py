"""/signal and /why: one ticker's view on demand, and how a signal was made."""

from __future__ import annotations

import asyncio
import re

from chat.charts import ChartSpec
from chat.core import BotCore, Context, why_reply
from chat.record import why_outcome_line
from chat.registry import Arg, Registry
from chat.replies import (
    Card,
    PriceLine,
    Reply,
    Text,
    headlines_from,
    hidden_headlines,
    refusal,
)
from chat.report import failure_line, sentence
from engine.errors import UnknownTicker
from engine.pipeline import TickerView
from engine.records import ArticleRecord, Failure, SignalRecord, latest

USAGE = "Usage: /signal TICKER, e.g. /signal TSLA, /signal $AAPL or /signal Tesla"
_SPLIT = re.compile(r"[,\s]+")
TICKERS = Arg("ticker", "ticker or company name, e.g. TSLA or Tesla", True, True)


def tickers_in(ctx: Context) -> list[tuple[str, str]]:
    """The (symbol, name) pairs asked for: "TSLA AAPL", "tsla, $aapl" or "Morgan Stanley"."""
    raw = ctx.args
    if not raw:
        raise UnknownTicker(USAGE)
    if "," not in raw:
        try:  # a company name with spaces, or a single ticker
            return [ctx.engine.resolve(raw)]
        except UnknownTicker:
            if " " not in raw.strip():
                raise
    parts = [p for p in _SPLIT.split(raw) if p]
    limit = ctx.core.settings.max_tickers
    if len(parts) > limit:
        raise UnknownTicker(
            f"At most {limit} tickers per /signal (you sent {len(parts)}). Ask for fewer at a time."
        )
    found: list[tuple[str, str]] = []
    unknown: list[str] = []
    for part in parts:
        try:
            pair = ctx.engine.resolve(part)
        except UnknownTicker:
            unknown.append(part if len(part) <= 20 else part[:20] + "...")
            continue
        if pair not in found:
            found.append(pair)
    if unknown:
        raise UnknownTicker(f"Unknown ticker or company: {', '.join(unknown)}")
    return found


async def signal_card_of(core: BotCore, view: TickerView) -> Card | None:
    """The signal card of a ticker view (kept for Why?), or None when it has no signal: what
    /signal shows, and what an alert carries."""
    if view.signal is None:
        return None
    payload = core.engine.signal_payload(view.signal, view.generated_at)
    payload.update(reversal=view.signal.reversal, cooldown=view.cooldown)
    return await core.card_for(payload)


async def view_card(ctx: Context, view: TickerView) -> Card:
    if (card := await signal_card_of(ctx.core, view)) is not None:
        return card
    agg = view.aggregate
    articles = [ArticleRecord.of(a) for a in agg.articles] if agg else []
    return Card(
        symbol=view.symbol,
        name=view.name,
        direction=None,
        sentiment=agg.sentiment if agg else None,
        price=PriceLine.of(view.quote),
        headlines=headlines_from(articles, view.generated_at),
        more_headlines=hidden_headlines(articles),
        note=sentence(view.reason),
    )


async def charted(ctx: Context, view: TickerView, card: Card) -> Card:
    """The card with its chart, for a view that was priced (and while charts are on)."""
    if view.quote is None:
        return card
    return await ctx.core.charts.attach(card, ChartSpec.of_view(view))


async def latest_explanation(ctx: Context, symbol: str) -> SignalRecord | None:
    """The newest of: the last recorded signal, the last signal card shown (e.g. by /signal)."""
    recorded = await ctx.store.last_signal(symbol)
    shown = await ctx.store.latest_card(symbol)
    return latest(
        [
            None if recorded is None else SignalRecord.parse(recorded.payload),
            None if shown is None else SignalRecord.parse(shown),
        ]
    )


async def outcome_line(ctx: Context, record: SignalRecord) -> str:
    """What became of `record` if it is the symbol's last recorded signal ("" for a card only
    shown by /signal: nothing follows it)."""
    recorded = await ctx.store.last_signal(record.symbol)
    if recorded is None or SignalRecord.parse(recorded.payload).generated_at != record.generated_at:
        return ""
    return why_outcome_line(await ctx.store.outcome_of(recorded.id))


def register(registry: Registry) -> None:
    @registry.command(
        "signal",
        "price, levels and the headlines behind one or more tickers",
        args=(TICKERS,),
        rate_limited=True,
        slow=True,
    )
    async def signal(ctx: Context) -> Reply:
        try:
            pairs = tickers_in(ctx)
        except UnknownTicker as exc:
            return refusal(str(exc))
        views = await asyncio.gather(*(ctx.engine.ticker_view(sym) for sym, _ in pairs))
        blocks: list[Text | Card] = [await view_card(ctx, v) for v in views]
        if len(views) == 1:  # one ticker: its card with its chart (several: the cards together)
            blocks[0] = await charted(ctx, views[0], blocks[0])
        failed = sorted({failure_line(Failure.parse(f)) for v in views for f in v.failures})
        if failed:
            blocks.append(Text("\n".join(failed), "note"))
        return Reply(tuple(blocks))

    @registry.command(
        "why",
        "how the latest signal for a ticker (or the last one shown here) was made",
        args=(Arg("ticker", "ticker or company name"),),
        rate_limited=True,
    )
    async def why(ctx: Context) -> Reply:
        if ctx.args:
            try:
                symbol, _ = ctx.engine.resolve(ctx.args)
            except UnknownTicker as exc:
                return refusal(str(exc))
            record = await latest_explanation(ctx, symbol)
            if record is None:
                return refusal(
                    f"No signal recorded for {symbol} yet. "
                    f"/signal {symbol} shows what the news says now."
                )
            return why_reply(record, ctx.now, outcome=await outcome_line(ctx, record))
        payload = await ctx.state.last_shown(ctx.caller.platform, ctx.caller.chat_id)
        if payload is None:
            return refusal(
                "Nothing to explain in this chat yet: try /signal TICKER or /digest first, "
                "or /why TICKER."
            )
        return why_reply(SignalRecord.parse(payload), ctx.now)
