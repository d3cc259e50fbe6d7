"""What every chat adapter offers `tradethehype run`, and the one broadcast loop they share.

An adapter renders a reply into the platform's messages and sends one message to one chat; it
raises `ChatGone` when the chat blocked or removed the bot, `DeliveryFailed` for anything worth
trying again later. `broadcast` does the rest for every platform: at most `concurrency` messages
in flight, each chat's parts in order, progress reported the moment the platform confirms a part
(so a restart resumes where it stopped), gone chats unsubscribed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chat import BotCore
from chat.replies import Reply

log = logging.getLogger(__name__)


class ChatGone(Exception):
    """The chat blocked the bot, removed it, or no longer exists."""


class DeliveryFailed(Exception):
    """Sending failed for now (network, server error, long flood wait): try again later."""


@dataclass
class DeliveryReport:
    """How a broadcast went, chat by chat."""

    delivered: list[str] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)  # the bot was blocked or removed
    failed: dict[str, str] = field(default_factory=dict)  # chat id -> what went wrong
    skipped: list[str] = field(default_factory=list)  # had it already (a resumed delivery)

    def merged(self, other: DeliveryReport) -> DeliveryReport:
        """This report and `other` (another group of chats of the same broadcast) together."""
        return DeliveryReport(
            self.delivered + other.delivered,
            self.unsubscribed + other.unsubscribed,
            {**self.failed, **other.failed},
            self.skipped + other.skipped,
        )

    def __str__(self) -> str:
        return (
            f"delivered to {len(self.delivered)}, unsubscribed {len(self.unsubscribed)}, "
            f"failed {len(self.failed)}"
            + (f", already had it {len(self.skipped)}" if self.skipped else "")
        )


class ChatAdapter(Protocol):
    platform: str
    core: BotCore

    async def start(self) -> None:
        """Connect, publish the command menu and begin serving; returns once serving."""

    async def stop(self) -> None:
        """Stop serving and close connections; safe to call after a failed start."""

    def messages_for(self, reply: Reply) -> Sequence[object]:
        """The platform messages `reply` becomes, in order (the same every time)."""
        ...

    async def send_message(self, chat_id: str, message: object) -> None:
        """Send one rendered message; raises ChatGone or DeliveryFailed."""


class Progress(Protocol):
    """Where a broadcast records how far each chat got (the store, for scheduled digests)."""

    async def parts_sent(self, chat_id: str) -> int | None:
        """Parts already confirmed for this chat; None if it must not get this reply again."""
        ...

    async def sent(self, chat_id: str, parts_sent: int, total: int) -> None: ...

    async def gone(self, chat_id: str, error: str) -> None: ...

    async def failed(self, chat_id: str, parts_sent: int, error: str) -> None: ...


async def broadcast(
    adapter: ChatAdapter,
    reply: Reply,
    chats: Sequence[str] | None = None,
    *,
    concurrency: int = 4,
    progress: Progress | None = None,
) -> DeliveryReport:
    """Send `reply` to `chats` (default: every chat subscribed on the adapter's platform).

    One chat's failure never stops the others. At most `concurrency` messages are in flight
    at once, which bounds what a crash can leave unconfirmed.
    """
    core = adapter.core
    state = core.state
    if chats is None:
        chats = [s.chat_id for s in await state.subscriptions(adapter.platform)]
    messages = adapter.messages_for(reply)
    shown = [c.card_id for c in reply.cards if c.card_id is not None]
    gate = asyncio.Semaphore(concurrency)
    report = DeliveryReport()

    async def one(chat_id: str) -> None:
        start = 0 if progress is None else await progress.parts_sent(chat_id)
        if start is None or start >= len(messages):
            report.skipped.append(chat_id)
            return
        done = start
        try:
            for message in messages[start:]:
                # a slot is held until the confirmation is recorded: at any instant at most
                # `concurrency` messages are sent but not yet recorded (what a kill can repeat)
                async with gate:
                    await adapter.send_message(chat_id, message)
                    done += 1
                    if progress is not None:
                        await progress.sent(chat_id, done, len(messages))
        except ChatGone as exc:
            await state.unsubscribe(adapter.platform, chat_id)
            report.unsubscribed.append(chat_id)
            log.warning("%s chat %s is gone (%s): unsubscribed", adapter.platform, chat_id, exc)
            if progress is not None:
                await progress.gone(chat_id, str(exc))
            return
        except DeliveryFailed as exc:
            report.failed[chat_id] = str(exc)
            log.warning("%s chat %s: delivery failed: %s", adapter.platform, chat_id, exc)
            if progress is not None:
                await progress.failed(chat_id, done, str(exc))
            return
        report.delivered.append(chat_id)
        if shown:
            await core.mark_shown(adapter.platform, chat_id, shown[-1])

    await asyncio.gather(*(one(chat_id) for chat_id in chats))
    log.info("%s: %s", adapter.platform, report)
    return report
