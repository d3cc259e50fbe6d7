"""What every chat adapter offers `tradethehype run`: start, stop, and deliver a digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from engine.commands.replies import Reply


@dataclass
class DeliveryReport:
    """How a broadcast went, chat by chat."""

    delivered: list[str] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)  # the bot was blocked or removed
    failed: dict[str, str] = field(default_factory=dict)  # chat id -> what went wrong

    def __str__(self) -> str:
        return (
            f"delivered to {len(self.delivered)}, unsubscribed {len(self.unsubscribed)}, "
            f"failed {len(self.failed)}"
        )


class ChatAdapter(Protocol):
    platform: str

    async def start(self) -> None:
        """Connect, publish the command menu and begin serving; returns once serving."""

    async def stop(self) -> None:
        """Stop serving and close connections; safe to call after a failed start."""

    async def deliver(self, reply: Reply) -> DeliveryReport:
        """Send `reply` (a digest) to every chat subscribed on this platform."""
        ...
