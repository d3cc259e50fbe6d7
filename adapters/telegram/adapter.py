"""The Telegram adapter: a python-telegram-bot `Application` whose handlers come from the registry.

It turns updates into `BotCore` calls and replies into HTML messages. It knows no model and no
feed: everything a command does happens in the core. Delivery never stops on one chat's error:
flood control (429) is waited out and the message still sent, a chat that blocked or removed the
bot (403, or "chat not found") is unsubscribed, other errors are retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta

from telegram import (
    BotCommand,
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.base import ChatGone, DeliveryFailed
from adapters.telegram import render
from chat import BotCore, Caller, ChatKind
from chat.replies import Reply
from engine.errors import UserError

log = logging.getLogger(__name__)

PLATFORM = "telegram"
NEW_POSTS = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST  # not edits
GONE = ("chat not found", "bot was kicked", "bot is not a member", "chat was deleted")
ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


@dataclass(frozen=True)
class SendPolicy:
    attempts: int = 4  # for network errors and 5xx; flood waits do not count
    backoff: float = 1.0  # seconds, doubled after each failed attempt
    max_flood_wait: float = 3600.0  # a retry_after above this gives up on the message
    typing_after: float = 1.0  # show "typing..." when a reply takes longer than this


def _kind(chat: Chat) -> ChatKind:
    if chat.type == Chat.PRIVATE:
        return ChatKind.PRIVATE
    if chat.type == Chat.CHANNEL:
        return ChatKind.CHANNEL
    return ChatKind.GROUP


def _keyboard(buttons: tuple) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action)] for b in buttons]
    )


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


@dataclass(frozen=True)
class Parsed:
    name: str
    args: str
    addressed: bool  # written /name@ourbot


def _command_of(message: Message, bot_username: str) -> Parsed | None:
    """/signal@ourbot TSLA -> Parsed("signal", "TSLA", True); None if for another bot."""
    text = message.text or ""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    name, _, target = head[1:].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return Parsed(name.lower(), rest.strip(), bool(target))


class TelegramAdapter:
    platform = PLATFORM

    def __init__(
        self, core: BotCore, application: Application, policy: SendPolicy | None = None
    ) -> None:
        self.core = core
        self.app = application
        self.policy = policy or SendPolicy()
        self._started = False
        self._register()

    @classmethod
    def build(
        cls,
        core: BotCore,
        token: str,
        *,
        base_url: str = "https://api.telegram.org/bot",
        policy: SendPolicy | None = None,
    ) -> TelegramAdapter:
        application = (
            Application.builder()
            .token(token)
            .base_url(base_url)
            .rate_limiter(AIORateLimiter(max_retries=2))
            .concurrent_updates(8)  # /signal answers while a digest is being built
            .build()
        )
        return cls(core, application, policy)

    # -- wiring -------------------------------------------------------------------------------

    def _register(self) -> None:
        for command in self.core.registry:
            self.app.add_handler(CommandHandler(command.name, self._on_command, filters=NEW_POSTS))
        # a command we do not know, addressed to us: one helpful line
        self.app.add_handler(MessageHandler(filters.COMMAND & NEW_POSTS, self._on_command))
        self.app.add_handler(CallbackQueryHandler(self._on_button))
        self.app.add_error_handler(self._on_error)
        # everything else (plain text, stickers, photos, edits) is ignored on purpose

    def menu(self) -> list[BotCommand]:
        return [BotCommand(c.name, c.help[:256]) for c in self.core.registry.menu()]

    async def start(self) -> None:
        try:
            await self.app.initialize()  # getMe: a revoked token fails here
            self._started = True
            await self.app.bot.set_my_commands(self.menu())
            await self.app.start()
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                allowed_updates=[Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY],
                timeout=10,
            )
        except InvalidToken:
            raise UserError(
                "Telegram rejected the bot token (revoked or mistyped): check TELEGRAM_BOT_TOKEN"
            ) from None
        except TelegramError as exc:
            reason = str(exc).replace(self.app.bot.token, "***")
            raise UserError(f"cannot start the Telegram bot: {reason}") from None
        log.info("telegram: serving as @%s", self.app.bot.username)

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    # -- incoming -------------------------------------------------------------------------------

    def _caller(self, chat: Chat, user_id: int | None, message: Message | None) -> Caller:
        async def is_admin() -> bool:
            if message is not None and message.sender_chat is not None:
                # an anonymous group admin, or a channel's own post: both administer the chat
                return message.sender_chat.id == chat.id
            if user_id is None:
                return False
            member = await self.app.bot.get_chat_member(chat.id, user_id)
            return member.status in ADMIN_STATUSES

        return Caller(
            platform=PLATFORM,
            chat_id=str(chat.id),
            user_id=str(user_id if user_id is not None else chat.id),
            chat_kind=_kind(chat),
            chat_title=chat.title or chat.username or "",
            is_chat_admin=is_admin,
        )

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None:
            return
        parsed = _command_of(message, self.app.bot.username or "")
        if parsed is None:
            return  # for another bot
        command = self.core.registry.get(parsed.name)
        if command is None and chat.type != Chat.PRIVATE and not parsed.addressed:
            return  # in a group, an unknown bare /command is probably another bot's
        user = update.effective_user
        caller = self._caller(chat, user.id if user else None, message)
        reply = await self._working(
            chat.id,
            self.core.handle(parsed.name, parsed.args, caller),
            show=bool(command and command.slow),
        )
        await self.reply(chat.id, reply, reply_to=message.message_id)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        if not isinstance(message, Message):  # too old to be accessible
            await self._answer(query.answer("That message is too old; ask again."))
            return
        caller = self._caller(message.chat, query.from_user.id, None)
        reply = await self.core.press(query.data or "", caller)
        if not reply.ok:  # a refusal: a pop-up for the one who pressed, not a message for all
            await self._answer(query.answer(reply.plain_text[:200], show_alert=True))
            return
        await self._answer(query.answer())
        await self.reply(message.chat.id, reply, reply_to=message.message_id)

    async def _answer(self, call: Awaitable[object]) -> None:
        try:
            await call
        except TelegramError as exc:  # a query older than ~15 min can no longer be answered
            log.info("telegram: could not answer a button press: %s", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: error while handling an update", exc_info=context.error)

    async def _working(self, chat_id: int, job: Awaitable[Reply], *, show: bool) -> Reply:
        """Await the reply; if it takes longer than a moment, show "typing..." meanwhile."""
        task = asyncio.ensure_future(job)
        if not show:
            return await task
        wait = self.policy.typing_after
        while True:
            done, _ = await asyncio.wait({task}, timeout=wait)
            if done:
                return task.result()
            try:
                await self.app.bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError:
                pass  # only a courtesy
            wait = 4.5  # the indicator lasts about 5 s

    # -- outgoing -------------------------------------------------------------------------------

    async def reply(self, chat_id: int | str, reply: Reply, *, reply_to: int | None = None) -> bool:
        """Answer in a chat; errors are logged, never raised (the bot goes on)."""
        try:
            await self.send(chat_id, reply, reply_to=reply_to)
            return True
        except ChatGone as exc:
            log.warning("telegram: cannot write to chat %s: %s", chat_id, exc)
        except TelegramError as exc:
            log.warning("telegram: reply to chat %s failed: %s", chat_id, exc)
        return False

    async def send(
        self, chat_id: int | str, reply: Reply, *, reply_to: int | None = None
    ) -> list[Message]:
        """Send every message of `reply`, in order; raises ChatGone or the last TelegramError."""
        sent = []
        for part in render.split(reply):
            sent.append(await self._send_one(chat_id, part, reply_to))
            reply_to = None  # only the first part quotes the question
        return sent

    async def _send_one(
        self, chat_id: int | str, part: render.Message, reply_to: int | None
    ) -> Message:
        delay = self.policy.backoff
        attempt = 0
        as_html = True
        while True:
            try:
                return await self._post(chat_id, part, reply_to, as_html)
            except RetryAfter as exc:  # flood control: wait as told, then send it anyway
                seconds = _seconds(exc)
                if seconds > self.policy.max_flood_wait:
                    raise
                log.info("telegram: flood control, waiting %.0f s for chat %s", seconds, chat_id)
                await asyncio.sleep(seconds)
            except Forbidden as exc:
                raise ChatGone(exc.message) from None
            except BadRequest as exc:
                text = exc.message.lower()
                if any(g in text for g in GONE):
                    raise ChatGone(exc.message) from None
                if as_html and ("parse entities" in text or "can't parse" in text):
                    log.error("telegram: HTML rejected (%s); sending plain text", exc.message)
                    as_html = False
                    continue
                raise
            except NetworkError as exc:  # timeouts, 5xx, connection resets
                attempt += 1
                if attempt >= self.policy.attempts:
                    raise
                log.info("telegram: %s; retrying chat %s in %.1f s", exc, chat_id, delay)
                await asyncio.sleep(delay)
                delay *= 2

    async def _post(
        self, chat_id: int | str, part: render.Message, reply_to: int | None, as_html: bool
    ) -> Message:
        """One sendMessage, or sendPhoto for a chart (its caption the card, if any)."""
        text = part.html if as_html else render.plain(part.html)
        common: dict = {
            "parse_mode": ParseMode.HTML if as_html and text else None,
            "reply_markup": _keyboard(part.buttons),
            "reply_parameters": None
            if reply_to is None
            else ReplyParameters(reply_to, allow_sending_without_reply=True),
        }
        if part.photo is not None:
            return await self.app.bot.send_photo(
                chat_id, part.photo.png, caption=text or None, filename=part.photo.name, **common
            )
        return await self.app.bot.send_message(
            chat_id, text, link_preview_options=LinkPreviewOptions(is_disabled=True), **common
        )

    # -- digest delivery (adapters.base.broadcast drives these) ------------------------------

    def messages_for(self, reply: Reply) -> list[render.Message]:
        return render.split(reply)

    async def send_message(self, chat_id: str, message: object) -> None:
        assert isinstance(message, render.Message)
        try:
            await self._send_one(chat_id, message, None)
        except TelegramError as exc:
            raise DeliveryFailed(str(exc)) from None
