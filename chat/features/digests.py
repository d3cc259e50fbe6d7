"""/digest: today's digest, built now if there is none yet today."""

from __future__ import annotations

from chat.core import Context
from chat.registry import Registry
from chat.replies import Reply


def register(registry: Registry) -> None:
    @registry.command("digest", "today's digest (a preview before its scheduled time)", slow=True)
    async def digest(ctx: Context) -> Reply:
        return await ctx.core.todays_digest(ctx.caller)
