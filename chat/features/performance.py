"""/performance: how the signals turned out (the same report as `tradethehype performance`)."""

from __future__ import annotations

from chat.core import Context
from chat.record import parse_period, performance_text, the_record
from chat.registry import Arg, Registry
from chat.replies import Reply, Text


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
        return Reply((Text(text.rstrip(), preformatted=True),))
