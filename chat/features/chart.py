"""/chart: one ticker's chart, three months of prices with its signal's levels and headlines."""

from __future__ import annotations

from dataclasses import replace

from chat.charts import ChartSpec, ChartUnavailable
from chat.core import Context
from chat.features.signals import TICKERS, tickers_in, view_card
from chat.registry import Registry
from chat.replies import Reply, refusal
from engine.errors import UnknownTicker

OFF = "Charts are turned off on this bot."


def register(registry: Registry) -> None:
    @registry.command(
        "chart",
        "a ticker's chart: three months of prices with its signal's levels and headlines",
        args=(TICKERS,),
        rate_limited=True,
        slow=True,
    )
    async def chart(ctx: Context) -> Reply:
        if not ctx.core.charts.enabled:
            return refusal(OFF)
        try:
            pairs = tickers_in(ctx)  # the same answers as /signal to no or unknown tickers
        except UnknownTicker as exc:
            return refusal(str(exc))
        if len(pairs) > 1:
            return refusal(f"One ticker per /chart, e.g. /chart {pairs[0][0]}.")
        view = await ctx.engine.ticker_view(pairs[0][0])
        card = await view_card(ctx, view)
        try:
            image = await ctx.core.charts.image(ChartSpec.of_view(view), card.card_id)
        except ChartUnavailable as exc:
            return refusal(f"{exc}.")
        # the chart shows the headlines' times; /signal lists them
        return Reply((replace(card, chart=image, headlines=(), more_headlines=0),))
