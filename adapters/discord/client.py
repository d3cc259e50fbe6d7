"""The discord.py client: no intents, its command tree, login, the gateway, publishing commands.

The client asks for no gateway intents at all: slash commands and buttons arrive as interactions,
which need none. What it receives goes to its owner, the adapter (adapter.py): the setup after
login, the gateway session once it is up, and errors discord.py could not hand to a command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

import aiohttp
import discord
from discord import app_commands

from engine.errors import UserError

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()

# No voice here: discord.py need not warn that its voice libraries are missing.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


class _NoGuildsIntentWarning(logging.Filter):
    """discord.py warns when the Guilds intent is off; this bot asks for no intent on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Guilds intent seems to be disabled")


_QUIET = _NoGuildsIntentWarning()


class ClientOwner(Protocol):
    """What the client needs from the adapter that runs it."""

    connected: asyncio.Event
    max_ratelimit_wait: float

    async def setup(self, client: Client) -> None: ...

    async def on_button(self, interaction: discord.Interaction, action: str) -> None: ...

    async def on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None: ...


def http_error(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"{exc.status} {exc.text or exc.response.reason}".strip()
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class _Tree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        client = self.client
        if isinstance(client, Client):
            await client.adapter.on_command_error(interaction, error)


class Client(discord.Client):
    def __init__(self, adapter: ClientOwner, connector: aiohttp.BaseConnector | None) -> None:
        state_log = logging.getLogger("discord.state")
        if _QUIET not in state_log.filters:
            state_log.addFilter(_QUIET)
        super().__init__(
            intents=discord.Intents.none(),  # interactions need no intent, privileged or not
            allowed_mentions=NO_MENTIONS,
            connector=connector,
            max_ratelimit_timeout=adapter.max_ratelimit_wait,
        )
        self.adapter = adapter
        self.tree = _Tree(self)

    async def setup_hook(self) -> None:
        await self.adapter.setup(self)

    async def on_connect(self) -> None:
        self.adapter.connected.set()


async def log_in(client: Client, token: str) -> None:
    """Log in with the bot token (this also runs `setup_hook`); a failure is one clear line."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise UserError(
            "Discord refused the bot token (401 Unauthorized): reset it in the developer "
            "portal (Bot > Reset Token) and set DISCORD_BOT_TOKEN"
        ) from None
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise UserError(f"cannot log in to Discord: {http_error(exc)}") from None


async def wait_connected(
    runner: asyncio.Task[None], connected: asyncio.Event, seconds: float
) -> str | None:
    """None once the gateway session `runner` runs is up within `seconds`, else what kept it from
    coming up."""
    waiting = asyncio.create_task(connected.wait())
    done, _ = await asyncio.wait(
        {runner, waiting},
        timeout=seconds,
        return_when=asyncio.FIRST_COMPLETED,
    )
    if waiting in done:
        return None
    waiting.cancel()
    problem = f"no session within {seconds:g} s"
    if runner in done and not runner.cancelled():
        exc = runner.exception()
        if isinstance(exc, discord.LoginFailure):
            problem = "the gateway refused the bot token"
        elif exc is not None:
            problem = http_error(exc)
    return problem


async def sync_commands(tree: app_commands.CommandTree, guild_ids: Sequence[int]) -> None:
    """Publish the tree's slash commands: globally, or in each of `guild_ids` if there are any."""
    where = "globally"
    try:
        if not guild_ids:
            synced = await tree.sync()
            log.info("published %d slash commands globally", len(synced))
        for guild_id in guild_ids:
            where = f"in Discord server {guild_id}"
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("published %d slash commands %s", len(synced), where)
    except discord.Forbidden as exc:
        raise UserError(
            f"cannot publish slash commands {where}: the bot is not in that server or was "
            f"invited without the applications.commands scope ({http_error(exc)})"
        ) from None
    except discord.HTTPException as exc:
        raise UserError(f"cannot publish slash commands {where}: {http_error(exc)}") from None
