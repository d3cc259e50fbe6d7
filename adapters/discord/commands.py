"""Slash commands generated from the command registry: names, descriptions, options, rights.

Each registry `Arg` becomes a string option (required or not, with its help as the option's
description). A command for chat admins (`Access.CHAT_ADMIN`) is offered to members with Manage
Channels only (`default_member_permissions`) and in servers only: a DM is not a channel that can
be subscribed. Both are checked again when the command runs, since server admins can change who
sees a command and stale clients can send anything.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.render import clip
from chat.core import MAX_ARGS_CHARS
from chat.registry import Access, Arg, Command

DESCRIPTION = 100  # Discord's limit for command and option descriptions

Runner = Callable[[discord.Interaction, Command, dict[str, Any]], Awaitable[None]]


class BadOption(app_commands.AppCommandError):
    """An option value of the wrong type (a stale client or a forged request)."""

    def __init__(self, option: str) -> None:
        super().__init__(f"the {option} option must be text")
        self.option = option


class TextOption(app_commands.Transformer):
    """A string option that refuses any other type instead of passing it on."""

    def __init__(self, arg: Arg) -> None:
        self.arg = arg

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def min_value(self) -> int | None:  # min_length for a string option
        return 1 if self.arg.required else None

    @property
    def max_value(self) -> int:  # max_length: the core refuses longer arguments anyway
        return MAX_ARGS_CHARS

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> str:
        if not isinstance(value, str):
            raise BadOption(self.arg.name)
        return value


def needs_guild(command: Command) -> bool:
    """Commands that change a channel's settings run in server channels only."""
    return command.access is Access.CHAT_ADMIN


def app_command(command: Command, run: Runner) -> app_commands.Command[Any, ..., None]:
    """The slash command for a registry command; `run` gets the interaction and option values."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        await run(interaction, command, options)

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for arg in command.args:
        params.append(
            inspect.Parameter(
                arg.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=app_commands.Transform[str, TextOption(arg)],
                default=inspect.Parameter.empty if arg.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    if command.args:
        app_commands.describe(**{a.name: clip(a.help, DESCRIPTION) for a in command.args})(callback)
    cmd: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=command.name,
        description=clip(command.help, DESCRIPTION),
        callback=callback,
    )
    if needs_guild(command):
        cmd.default_permissions = discord.Permissions(manage_channels=True)
        cmd.guild_only = True
        cmd.allowed_contexts = app_commands.AppCommandContext(
            guild=True, dm_channel=False, private_channel=False
        )
    return cmd
