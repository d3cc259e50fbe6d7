"""The Discord adapter: slash commands from the registry, answered through the client (client.py).

It turns interactions into `BotCore` calls and replies into embeds (render.py); it knows no model
and no feed. Slow commands are deferred first (Discord drops an interaction not acknowledged in
3 s), any other command is deferred if it has not answered within `ack_after` seconds. Refusals
and errors are ephemeral: only the person who asked sees them. Every card's Why? button carries
a stable custom_id ("tth:why:<card id>") handled by a dynamic item, so buttons sent before a
restart keep working.

Delivery sends a digest to every subscribed channel: a channel deleted or where the bot lost access
(403/404) is unsubscribed and logged, rate limits (429) are waited out by discord.py and the
message still sent, and one channel failing never stops the others.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Any, Literal

import aiohttp
import discord
from discord import app_commands

from adapters.base import ChatGone, DeliveryFailed
from adapters.discord.client import (
    NO_MENTIONS,
    Client,
    http_error,
    log_in,
    sync_commands,
    wait_connected,
)
from adapters.discord.commands import BadOption, app_command, needs_guild
from adapters.discord.render import BUTTON_LABEL, Outgoing, clip, render
from chat import BotCore, Caller, ChatKind, Command
from chat.core import SORRY
from chat.replies import Button, Reply, refusal
from engine.errors import UserError

log = logging.getLogger(__name__)

PLATFORM = "discord"
ACTION_PREFIX = "tth:"  # custom_id = ACTION_PREFIX + the button's action, e.g. "tth:why:42"
CUSTOM_ID_MAX = 100
UNKNOWN_INTERACTION = 10062  # Discord's code for an interaction no longer answerable
ANSWERED = "tradethehype_answered"  # client event once an interaction is fully answered

Ack = Literal["public", "private"] | None  # how the interaction was deferred, if it was

ConnectorFactory = Callable[[], aiohttp.BaseConnector]


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tth:(?P<action>\S{1,96})"
):
    """A button whose action lives in its custom_id, so any client instance can answer it."""

    def __init__(self, label: str, action: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=ACTION_PREFIX + action,
            )
        )
        self.action = action

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> ActionButton:
        return cls(getattr(item, "label", None) or "Why?", match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if isinstance(client, Client):
            await client.adapter.on_button(interaction, self.action)


def _view(buttons: Sequence[Button]) -> discord.ui.View | None:
    usable = [b for b in buttons if len(ACTION_PREFIX + b.action) <= CUSTOM_ID_MAX]
    if not usable:
        return None
    view = discord.ui.View(timeout=None)
    for b in usable:
        view.add_item(ActionButton(b.label, b.action))
    return view


def _message_kwargs(message: Outgoing) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"embeds": message.embeds, "allowed_mentions": NO_MENTIONS}
    if message.files:  # new File objects for every send: discord.py reads and closes them
        kwargs["files"] = [
            discord.File(io.BytesIO(f.png), filename=f.name, description=f.alt[:1024])
            for f in message.files
        ]
    view = _view(message.buttons)
    if view is not None:
        kwargs["view"] = view
    return kwargs


class DiscordAdapter:
    platform = PLATFORM

    def __init__(
        self,
        core: BotCore,
        token: str,
        *,
        guild_ids: Sequence[int] = (),
        connector_factory: ConnectorFactory | None = None,
        ack_after: float = 2.0,
        connect_timeout: float = 60.0,
        max_ratelimit_wait: float = 60.0,
    ) -> None:
        self.core = core
        self._token = token
        self.guild_ids = tuple(guild_ids)
        self._connector_factory = connector_factory  # tests point the client at a fake Discord
        self.ack_after = ack_after
        self.connect_timeout = connect_timeout
        self.max_ratelimit_wait = max_ratelimit_wait
        self.client: Client | None = None
        self.connected = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._work: set[asyncio.Future[Reply]] = set()

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, publish the slash commands, connect to the gateway; returns once connected."""
        if self.client is not None:
            raise RuntimeError("the Discord adapter is already started")
        connector = self._connector_factory() if self._connector_factory else None
        self.connected = asyncio.Event()
        client = self.client = Client(self, connector)
        try:
            await log_in(client, self._token)
        except BaseException:
            await self.stop()
            raise
        self._runner = asyncio.create_task(client.connect(reconnect=True), name="discord gateway")
        problem = await wait_connected(self._runner, self.connected, self.connect_timeout)
        if problem is None:
            log.info("connected to Discord as %s", client.user)
            return
        await self.stop()
        raise UserError(f"cannot connect to Discord's gateway: {problem}")

    async def setup(self, client: Client) -> None:
        """After login, before the gateway: buttons, slash commands from the registry, sync."""
        client.add_dynamic_items(ActionButton)
        for command in self.core.registry.menu():
            client.tree.add_command(app_command(command, self.on_command))
        await sync_commands(client.tree, self.guild_ids)

    async def stop(self) -> None:
        """Close the gateway and HTTP sessions; safe after a failed or no start."""
        client, self.client = self.client, None
        if client is not None:
            await client.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            done, _ = await asyncio.wait({runner}, timeout=10)
            if not done:
                runner.cancel()
                await asyncio.wait({runner})
            elif not runner.cancelled() and runner.exception() is not None:
                log.debug("the Discord gateway ended with %r", runner.exception())

    # -- interactions ---------------------------------------------------------------------

    def _caller(self, interaction: discord.Interaction) -> Caller:
        channel = interaction.channel
        name = getattr(channel, "name", None)

        async def manages_channel() -> bool:
            perms = interaction.permissions  # the member's, in this channel, with overwrites
            return perms.manage_channels or perms.administrator

        return Caller(
            platform=PLATFORM,
            chat_id=str(interaction.channel_id or interaction.user.id),
            user_id=str(interaction.user.id),
            chat_kind=ChatKind.GROUP if interaction.guild_id is not None else ChatKind.PRIVATE,
            chat_title=f"#{name}" if name else "",
            is_chat_admin=manages_channel,
        )

    async def on_command(
        self, interaction: discord.Interaction, command: Command, options: dict[str, Any]
    ) -> None:
        """A slash command: the registry command `command` with its option values."""

        async def answer() -> None:
            if needs_guild(command) and interaction.guild_id is None:
                await self._send(interaction, _guild_only(command.name), None, private=True)
                return
            missing = _cannot_post(interaction) if command.delivers_here else []
            if missing:
                await self._send(interaction, _no_post_rights(missing), None, private=True)
                return
            args = " ".join(
                v for a in command.args if isinstance(v := options.get(a.name), str) and v
            )
            work = self._begin(self.core.handle(command.name, args, self._caller(interaction)))
            ack = await self._ack(interaction, work, slow=command.slow, private=False)
            reply = await work
            await self._send(interaction, reply, ack, private=reply.private)

        await self._answer(interaction, f"/{command.name}", answer)

    async def on_button(self, interaction: discord.Interaction, action: str) -> None:
        """A button press; the answer is shown to the person who pressed it only."""

        async def answer() -> None:
            command = self.core.registry.get(action.split(":", 1)[0])
            if command is not None and needs_guild(command) and interaction.guild_id is None:
                await self._send(interaction, _guild_only(command.name), None, private=True)
                return
            work = self._begin(self.core.press(action, self._caller(interaction)))
            ack = await self._ack(interaction, work, slow=False, private=True)
            await self._send(interaction, await work, ack, private=True)

        await self._answer(interaction, f"the {action!r} button", answer)

    async def _answer(
        self, interaction: discord.Interaction, what: str, answer: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `answer`; whatever happens, never raise, and tell the user if we failed."""
        try:
            await answer()
        except Exception as exc:
            if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_INTERACTION:
                log.warning("a Discord interaction (%s) expired before it was answered", what)
            else:
                log.exception("answering %s on Discord failed", what)
                await self._apologise(interaction, SORRY)
        finally:
            self._answered(interaction)

    async def on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """What discord.py could not hand to a command: stale or forged requests."""
        try:
            if isinstance(error, BadOption):
                text = f"The {error.option} option must be text."
            elif isinstance(error, app_commands.CommandNotFound):
                text = (
                    f"I don't know /{clip(error.name, 32)}: Discord may still show an old "
                    "command list. Try again in a minute, or /help."
                )
            elif isinstance(error, app_commands.CommandSignatureMismatch):
                text = (
                    f"/{error.command.name} has changed since Discord loaded it: "
                    "try again in a minute."
                )
            elif isinstance(error, app_commands.TransformerError):
                text = "That option value is not valid here."
            else:
                log.error("Discord command failed", exc_info=error)
                text = SORRY
            await self._apologise(interaction, text)
        finally:
            self._answered(interaction)

    def _begin(self, coro: Awaitable[Reply]) -> asyncio.Future[Reply]:
        """Run the core's work as a task that finishes even if Discord stops listening."""
        work = asyncio.ensure_future(coro)
        self._work.add(work)
        work.add_done_callback(self._work.discard)
        return work

    async def _ack(
        self,
        interaction: discord.Interaction,
        work: asyncio.Future[Reply],
        *,
        slow: bool,
        private: bool,
    ) -> Ack:
        """Defer now if the command is slow, or if it has not answered within `ack_after`."""
        if not slow:
            done, _ = await asyncio.wait({work}, timeout=self.ack_after)
            if done:
                return None
        await interaction.response.defer(thinking=True, ephemeral=private)
        return "private" if private else "public"

    async def _send(
        self, interaction: discord.Interaction, reply: Reply, ack: Ack, *, private: bool
    ) -> None:
        messages = render(reply)
        if ack == "public" and private:
            # the first follow-up would take over the public "thinking…" message: remove it so
            # the refusal can be ephemeral
            with suppress(discord.NotFound):
                await interaction.delete_original_response()
            ack = "private"
        for i, message in enumerate(messages):
            kwargs = _message_kwargs(message)
            if i == 0 and ack is None:
                await interaction.response.send_message(**kwargs, ephemeral=private)
            else:
                await interaction.followup.send(**kwargs, ephemeral=private)

    async def _apologise(self, interaction: discord.Interaction, text: str) -> None:
        try:
            ack: Ack = None
            if interaction.response.is_done():
                ack = "private"
            await self._send(interaction, refusal(text), ack, private=True)
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError):
            log.warning("could not tell a Discord user that something failed", exc_info=True)

    def _answered(self, interaction: discord.Interaction) -> None:
        if self.client is not None:
            self.client.dispatch(ANSWERED, interaction)

    # -- delivery -------------------------------------------------------------------------

    def messages_for(self, reply: Reply) -> list[Outgoing]:
        return render(reply)

    async def send_message(self, chat_id: str, message: object) -> None:
        assert isinstance(message, Outgoing)
        client = self.client
        if client is None or client.is_closed():
            raise DeliveryFailed("the Discord adapter is not running")
        try:
            channel = client.get_partial_messageable(int(chat_id))
        except ValueError:
            raise ChatGone("not a Discord channel id") from None
        try:
            await channel.send(**_message_kwargs(message))
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChatGone(http_error(exc)) from None
        except discord.RateLimited as exc:
            raise DeliveryFailed(f"rate limited for {exc.retry_after:.0f} s") from None
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise DeliveryFailed(http_error(exc)) from None


POST_RIGHTS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("attach_files", "Attach Files"),  # the digest's charts
)


def _cannot_post(interaction: discord.Interaction) -> list[str]:
    """The permissions the bot lacks to post the digest in this channel."""
    if interaction.guild_id is None:
        return []
    mine = interaction.app_permissions
    if mine.administrator:
        return []
    return [label for flag, label in POST_RIGHTS if not getattr(mine, flag)]


def _no_post_rights(missing: list[str]) -> Reply:
    return refusal(
        f"I cannot post the digest in this channel: give me {', '.join(missing)} here "
        "(channel settings > Permissions), then /subscribe again."
    )


def _guild_only(name: str) -> Reply:
    return refusal(
        f"/{name} only works in a server channel, for that channel (it needs the Manage "
        "Channels permission there); a direct message cannot be subscribed."
    )
