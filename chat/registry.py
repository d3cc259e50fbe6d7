"""The one command registry: every chat command is declared once here and every channel's
handlers, help text and command menus are generated from it.

A command has a name, its arguments, a help line, who may run it, and a handler that returns a
platform-neutral `Reply`. Adapters never hard-code a command.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chat.core import Context
    from chat.replies import Reply

NAME_OK = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # valid on Telegram and Discord alike


class Access(enum.Enum):
    ANYONE = "anyone"
    CHAT_ADMIN = "chat admin"  # the chat's administrators (or configured bot admins)


class ChatKind(enum.Enum):
    PRIVATE = "private"  # one user talking to the bot: that user administers the chat
    GROUP = "group"  # a group, supergroup or server channel
    CHANNEL = "channel"  # a broadcast channel (Telegram)


@dataclass(frozen=True)
class Arg:
    name: str
    help: str
    required: bool = False
    greedy: bool = False  # takes the rest of the line (several tickers, a company name)


Handler = Callable[["Context"], Awaitable["Reply"]]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    handler: Handler
    args: tuple[Arg, ...] = ()
    access: Access = Access.ANYONE
    rate_limited: bool = False  # counts against the per-user limit (model and price work)
    slow: bool = False  # may take more than a moment: show "working on it" / defer first
    in_menu: bool = True  # listed in clients' command menus and /help
    delivers_here: bool = False  # makes this chat a digest destination: the bot must post here

    def __post_init__(self) -> None:
        if not NAME_OK.match(self.name):
            raise ValueError(f"command name {self.name!r} is not valid on every platform")

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for a in self.args:
            parts.append(a.name.upper() if a.required else f"[{a.name.upper()}]")
        return " ".join(parts)


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def add(self, command: Command) -> Command:
        if command.name in self._commands:
            raise ValueError(f"command /{command.name} registered twice")
        self._commands[command.name] = command
        return command

    def command(
        self,
        name: str,
        help: str,
        *,
        args: tuple[Arg, ...] = (),
        access: Access = Access.ANYONE,
        rate_limited: bool = False,
        slow: bool = False,
        in_menu: bool = True,
        delivers_here: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `add`, for handler modules."""

        def register(handler: Handler) -> Handler:
            self.add(
                Command(
                    name, help, handler, args, access, rate_limited, slow, in_menu, delivers_here
                )
            )
            return handler

        return register

    def get(self, name: str) -> Command | None:
        return self._commands.get(name.lower())

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def menu(self) -> list[Command]:
        return [c for c in self if c.in_menu]

    def help_text(self) -> str:
        lines = []
        for c in self.menu():
            who = " (chat admins)" if c.access is Access.CHAT_ADMIN else ""
            lines.append(f"{c.usage} - {c.help}{who}")
        return "\n".join(lines)
