"""/settings: this chat's digest time and time zone (changing them: chat administrators only)."""

from __future__ import annotations

import logging

from chat.core import Context
from chat.features import alert_settings
from chat.registry import Arg, Registry
from chat.replies import Reply, refusal, text
from chat.schedule import Schedule, parse_time, parse_zone

log = logging.getLogger(__name__)

USAGE = "/settings time 07:15 America/New_York (or /settings time default)"


def when(ctx: Context, schedule: Schedule) -> str:
    days = " on trading days" if ctx.core.settings.trading_days_only else " every day"
    return f"at {schedule.describe()}{days}"


async def describe(ctx: Context) -> str:
    """Where this chat stands: subscribed or not, and when its digest comes."""
    c = ctx.caller
    schedule = await ctx.core.schedule_for(c.platform, c.chat_id)
    own = schedule is not ctx.core.default_schedule
    line = f"The digest comes {when(ctx, schedule)}" + (
        " (this chat's own time)." if own else " (the bot's default)."
    )
    if not await ctx.state.is_subscribed(c.platform, c.chat_id):
        line += " This chat is not subscribed: /subscribe starts it."
    return line


def register(registry: Registry) -> None:
    @registry.command(
        "settings",
        "this chat's digest time and alerts: /settings time 07:15 America/New_York",
        args=(
            Arg(
                "setting",
                "time HH:MM [zone], alerts on|off|min 0.6, quiet 22:00-07:00",
                greedy=True,
            ),
        ),
    )
    async def settings(ctx: Context) -> Reply:
        words = ctx.args.split()
        if not words:
            return text(
                await describe(ctx) + f"\nChange it with {USAGE}.",
                await alert_settings.describe(ctx) + f"\nChange them with {alert_settings.USAGE}.",
            )
        if words[0].lower() in ("alerts", "quiet"):
            return await alert_settings.change(ctx, words)
        if words[0].lower() != "time" or len(words) > 3:
            return refusal(
                f"I can set the digest time ({USAGE}) or alerts ({alert_settings.USAGE})."
            )
        if not await ctx.core.may_administer(ctx.caller):
            return refusal("Only this chat's administrators can change its digest time.")
        c = ctx.caller
        if len(words) == 1:
            return refusal(f"Which time? {USAGE}.")
        if words[1].lower() == "default":
            await ctx.state.clear_chat_time(c.platform, c.chat_id)
        else:
            at = parse_time(words[1])
            zone = parse_zone(words[2]) if len(words) == 3 else ctx.core.default_schedule.timezone
            await ctx.state.set_chat_time(c.platform, c.chat_id, f"{at:%H:%M}", zone, ctx.now)
        ctx.core.schedule_changed.set()
        log.info("%s chat %s: digest time set to %r", c.platform, c.chat_id, ctx.args)
        return text("Done. " + await describe(ctx))
