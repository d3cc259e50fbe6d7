"""/settings alerts on|off, /settings alerts min 0.6, /settings quiet 22:00-07:00 [zone]: this
chat's alerts (changing them: chat administrators only). Read by chat/features/settings.py."""

from __future__ import annotations

import logging
import math
from dataclasses import replace

from chat.alerts import parse_quiet
from chat.alerts_state import AlertSettings
from chat.core import Context
from chat.replies import Reply, refusal, text
from chat.schedule import parse_zone
from engine.errors import UserError

log = logging.getLogger(__name__)

USAGE = "/settings alerts on|off, /settings alerts min 0.6 or /settings quiet 22:00-07:00"


async def describe(ctx: Context) -> str:
    """This chat's alerts in one line."""
    c = ctx.caller
    s = await ctx.core.alerts.settings((c.platform, c.chat_id))
    if not s.enabled:
        return "Alerts are off in this chat (/settings alerts on)."
    least = ctx.core.settings.alert_min_score if s.min_score is None else s.min_score
    zone = s.timezone or (await ctx.core.schedule_for(c.platform, c.chat_id)).timezone
    quiet = f", quiet {s.quiet} {zone}" if s.quiet else ""
    return f"Alerts are on for watched tickers scoring at least {least:.2f}{quiet}."


def _alerts(words: list[str], now: AlertSettings) -> AlertSettings:
    """alerts on | off | min 0.6"""
    if len(words) == 1 and words[0] in ("on", "off"):
        return replace(now, enabled=words[0] == "on")
    if len(words) == 2 and words[0] == "min":
        try:
            least = float(words[1])
        except ValueError:
            least = math.nan
        if not 0 <= least <= 1:  # (nan fails this too)
            raise UserError(f"{words[1][:10]!r} is not a score: give one from 0 to 1, e.g. 0.6")
        return replace(now, min_score=least)
    raise UserError(f"I can set: {USAGE}.")


async def change(ctx: Context, words: list[str]) -> Reply:
    """Change this chat's alert settings (`words`: the arguments after /settings)."""
    if not await ctx.core.may_administer(ctx.caller):
        return refusal("Only this chat's administrators can change its alerts.")
    chat = (ctx.caller.platform, ctx.caller.chat_id)
    now = await ctx.core.alerts.settings(chat)
    what, rest = words[0].lower(), [w.lower() for w in words[1:]]
    if what == "alerts":  # (a bad value raises UserError: the core answers its one line)
        updated = _alerts(rest, now)
    elif len(words) == 2 and rest[0] in ("off", "none"):
        updated = replace(now, quiet="", timezone="")
    elif len(words) in (2, 3):
        zone = parse_zone(words[2]) if len(words) == 3 else ""
        updated = replace(now, quiet=parse_quiet(words[1]), timezone=zone)
    else:
        return refusal("Which quiet hours? e.g. /settings quiet 22:00-07:00 (or quiet off).")
    await ctx.core.alerts.set_settings(chat, updated, ctx.now)
    log.info("%s chat %s: alerts set to %r", *chat, ctx.args)
    return text("Done. " + await describe(ctx))
