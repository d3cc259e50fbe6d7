"""/performance: how the signals turned out (the same report as `tradethehype performance`)."""

from __future__ import annotations

from chat.charts import ChartUnavailable
from chat.core import Context
from chat.record import parse_period, performance_text, the_record
from chat.registry import Arg, Registry
from chat.replies import Image, Reply, Text
from engine.performance import Trade


def register(registry: Registry) -> None:
    @registry.command(
        "performance",
        "how past signals turned out: targets, stops, average R",
        args=(Arg("period", "30d, 90d or all (default: all)"),),
    )
    async def performance(ctx: Context) -> Reply:
        period = parse_period(ctx.args)  # a bad period: a UserError, one polite line
        record = await the_record(ctx.store, period, ctx.now)
        text = performance_text(record, period, ctx.core.settings.horizon_sessions)
        curve = await equity_curve(ctx, record, period.label)
        return Reply((Text(text.rstrip(), preformatted=True, image=curve),))


async def equity_curve(ctx: Context, record: list[Trade], label: str) -> Image | None:
    """The closed signals' R multiples, oldest exit first, as a chart (charts on, any closed)."""
    closed = [t.outcome for t in record if t.outcome.closed and t.outcome.r is not None]
    closed.sort(key=lambda o: o.exit_at or ctx.now)
    if not ctx.core.charts.enabled or not closed:
        return None
    try:
        return await ctx.core.charts.equity(
            [o.r for o in closed if o.r is not None], "record.png", f"Record, {label}, in R"
        )
    except ChartUnavailable:
        return None
