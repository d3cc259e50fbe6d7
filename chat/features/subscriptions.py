"""/subscribe and /unsubscribe: this chat to the digest (chat administrators only)."""

from __future__ import annotations

import logging

from chat.core import Context
from chat.features.settings import when
from chat.registry import Access, Registry
from chat.replies import Reply, text

log = logging.getLogger(__name__)


def register(registry: Registry) -> None:
    @registry.command(
        "subscribe",
        "send the morning digest to this chat",
        access=Access.CHAT_ADMIN,
        delivers_here=True,
    )
    async def subscribe(ctx: Context) -> Reply:
        c = ctx.caller
        added = await ctx.state.subscribe(
            c.platform, c.chat_id, ctx.now, title=c.chat_title, by=c.user_id
        )
        schedule = await ctx.core.schedule_for(c.platform, c.chat_id)
        if not added:
            return text(f"This chat is already subscribed: the digest comes {when(ctx, schedule)}.")
        log.info("%s chat %s subscribed", c.platform, c.chat_id)
        return text(
            f"Subscribed: the digest will come to this chat {when(ctx, schedule)}. "
            "/settings time changes the time; /unsubscribe stops it."
        )

    @registry.command(
        "unsubscribe", "stop the morning digest in this chat", access=Access.CHAT_ADMIN
    )
    async def unsubscribe(ctx: Context) -> Reply:
        c = ctx.caller
        if not await ctx.state.unsubscribe(c.platform, c.chat_id):
            return text("This chat was not subscribed. /subscribe starts the morning digest.")
        log.info("%s chat %s unsubscribed", c.platform, c.chat_id)
        return text("Unsubscribed: no more digests here. /subscribe brings them back.")
