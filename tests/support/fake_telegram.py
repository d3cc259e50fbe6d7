"""A fake Telegram Bot API server on 127.0.0.1 for a real python-telegram-bot client.

It answers the methods the bot uses like the real API does (same JSON envelope, same error codes
and descriptions): getMe, deleteWebhook, getUpdates (long polling), setMyCommands, sendMessage,
sendChatAction, answerCallbackQuery, getChatMember. Tests queue updates as a user would cause
them and await the bot's messages; nothing sleeps.

Real-API checks on sendMessage: 400 for text over 4,096 characters (after entity parsing) or for
HTML the API cannot parse, 403 for a chat that blocked the bot, 429 with retry_after when a chat
is set to be flood-limited.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import web
from conftest import local_server

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX"
BOT = {"id": 123456789, "is_bot": True, "first_name": "TradeTheHype", "username": "tth_test_bot"}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "link_preview_options",
    "commands",
    "allowed_updates",
    "entities",
    "scope",
}
INT_FIELDS = {"chat_id", "user_id", "offset", "timeout", "limit", "message_id"}


class _Checker(HTMLParser):
    """Telegram's HTML rules: known tags only, properly nested; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'Unexpected end tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> tuple[str, str | None]:
    """(visible text, error) the way the Bot API reads parse_mode=HTML."""
    stray_lt = re.search(r"<(?!/?[a-zA-Z][a-zA-Z-]*(\s[^<>]*)?>)", text)
    if stray_lt:
        return "", f"Unsupported start tag at byte offset {stray_lt.start()}"
    stray_amp = re.search(r"&(?!(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)", text)
    if stray_amp:
        return "", f"Character entity expected at byte offset {stray_amp.start()}"
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.stack and checker.error is None:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    return "".join(checker.text), checker.error


def tg_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    chat_id: int
    text: str  # as sent (HTML when parse_mode is HTML)
    visible: str  # what the user sees
    parse_mode: str | None
    buttons: list[tuple[str, str]]  # (label, callback_data)
    reply_to: int | None
    message_id: int
    photo: bytes | None = None  # sendPhoto: the image; `text` is then its caption


@dataclass
class FakeTelegram:
    base_url: str = ""
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    admins: dict[int, set[int]] = field(default_factory=dict)  # chat -> admin user ids
    blocked: set[int] = field(default_factory=set)  # 403 "bot was blocked by the user"
    flood: dict[int, int] = field(default_factory=dict)  # chat -> 429s still to answer
    failing: dict[int, int] = field(default_factory=dict)  # chat -> 502s still to answer
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    # after this many messages, Telegram still delivers each new one but never answers the
    # request: what the bot sees when it is killed with those requests in flight
    hold_after: int | None = None
    held: int = 0
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _msg_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    # -- what users do ----------------------------------------------------------------------

    def chat(self, chat_id: int, kind: str = "private", title: str = "") -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = f"user{chat_id}"
        else:
            chat["title"] = title or f"chat {chat_id}"
        self.chats[chat_id] = chat
        return chat

    def _message(self, chat_id: int, user_id: int | None, text: str) -> dict[str, Any]:
        chat = self.chats.get(chat_id) or self.chat(chat_id)
        msg: dict[str, Any] = {
            "message_id": next(self._msg_ids),
            "date": 1773154800,
            "chat": chat,
            "text": text,
        }
        if user_id is not None:
            msg["from"] = {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return msg

    async def _push(self, update: dict[str, Any]) -> int:
        update["update_id"] = next(self._ids)
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update["update_id"]

    async def say(
        self, text: str, chat_id: int = 1001, user_id: int | None = None, kind: str = "private"
    ) -> dict[str, Any]:
        """A user sends `text` in a chat (a private chat with that user by default)."""
        if chat_id not in self.chats:
            self.chat(chat_id, kind)
        msg = self._message(chat_id, user_id if user_id is not None else chat_id, text)
        await self._push({"message": msg})
        return msg

    async def edit(self, text: str, chat_id: int = 1001) -> None:
        msg = self._message(chat_id, chat_id, text)
        msg["edit_date"] = 1773154900
        await self._push({"edited_message": msg})

    async def sticker(self, chat_id: int = 1001) -> None:
        msg = self._message(chat_id, chat_id, "")
        del msg["text"]
        msg["sticker"] = {
            "file_id": "s1",
            "file_unique_id": "u1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        await self._push({"message": msg})

    async def channel_post(self, text: str, chat_id: int) -> None:
        chat = self.chats.get(chat_id) or self.chat(chat_id, "channel")
        msg = self._message(chat_id, None, text)
        msg["sender_chat"] = chat
        await self._push({"channel_post": msg})

    async def press(self, sent: Sent, data: str, user_id: int | None = None) -> None:
        """A user presses a button under a message the bot sent."""
        chat = self.chats[sent.chat_id]
        message = {
            "message_id": sent.message_id,
            "date": 1773154800,
            "chat": chat,
            "text": sent.visible,
            "from": BOT,
        }
        user = user_id if user_id is not None else sent.chat_id
        await self._push(
            {
                "callback_query": {
                    "id": f"cq{next(self._ids)}",
                    "from": {"id": user, "is_bot": False, "first_name": f"user{user}"},
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    # -- what tests wait for ----------------------------------------------------------------

    async def wait_sent(self, chat_id: int, count: int = 1, within: float = 10) -> list[Sent]:
        """The first `count` messages the bot sent to `chat_id` (waits for them to arrive)."""

        async def ready() -> list[Sent]:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: len([s for s in self.sent if s.chat_id == chat_id]) >= count
                )
            return [s for s in self.sent if s.chat_id == chat_id][:count]

        return await asyncio.wait_for(ready(), within)

    async def wait_call(self, method: str, within: float = 10) -> dict[str, Any]:
        async def ready() -> dict[str, Any]:
            async with self._changed:
                await self._changed.wait_for(lambda: any(m == method for m, _ in self.calls))
            return next(p for m, p in self.calls if m == method)

        return await asyncio.wait_for(ready(), within)

    async def drained(self, within: float = 10) -> None:
        """Every queued update has been fetched by the bot."""

        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: not self._updates)

        await asyncio.wait_for(ready(), within)

    async def wait_until(self, ready: Callable[[], bool], within: float = 10) -> None:
        """Until `ready()` holds (checked whenever the fake's state changes)."""

        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(ready)

        await asyncio.wait_for(wait(), within)

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    # -- the API ----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if token != TOKEN:
            return _error(401, "Unauthorized")
        params = await _params(request)
        async with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(params)

    async def api_getMe(self, p: dict[str, Any]) -> web.Response:
        return _ok(
            dict(
                BOT,
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
            )
        )

    async def api_deleteWebhook(self, p: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def api_setMyCommands(self, p: dict[str, Any]) -> web.Response:
        self.commands = list(p.get("commands", []))
        return _ok(True)

    async def api_getUpdates(self, p: dict[str, Any]) -> web.Response:
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates)), timeout
                    )
                except TimeoutError:
                    pass
            batch = list(self._updates)
            self._changed.notify_all()
        return _ok(batch)

    async def api_sendChatAction(self, p: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def api_answerCallbackQuery(self, p: dict[str, Any]) -> web.Response:
        self.callback_answers.append(p)
        return _ok(True)

    async def api_getChatMember(self, p: dict[str, Any]) -> web.Response:
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}
        if user_id in self.admins.get(chat_id, set()):
            return _ok(
                {
                    "status": "administrator",
                    "user": user,
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        return _ok({"status": "member", "user": user})

    async def api_sendMessage(self, p: dict[str, Any]) -> web.Response:
        return await self._deliver(p, str(p.get("text", "")), 4096, None)

    async def api_sendPhoto(self, p: dict[str, Any]) -> web.Response:
        photo = p.get("photo")
        if not isinstance(photo, bytes) or not photo.startswith(b"\x89PNG"):
            return _error(400, "Bad Request: there is no photo in the request")
        return await self._deliver(p, str(p.get("caption", "")), 1024, photo)

    async def _deliver(
        self, p: dict[str, Any], text: str, limit: int, photo: bytes | None
    ) -> web.Response:
        chat_id = int(p["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats:
            return _error(400, "Bad Request: chat not found")
        if self.flood.get(chat_id):
            self.flood[chat_id] -= 1
            return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if self.failing.get(chat_id):
            self.failing[chat_id] -= 1
            return _error(502, "Bad Gateway")
        mode = p.get("parse_mode")
        visible = text
        if mode == "HTML":
            visible, problem = parse_html(text)
            if problem:
                return _error(400, f"Bad Request: can't parse entities: {problem}")
        if photo is None and not visible.strip():
            return _error(400, "Bad Request: message text is empty")
        if tg_len(visible) > limit:
            kind = "message" if photo is None else "message caption"
            return _error(400, f"Bad Request: {kind} is too long")
        markup = p.get("reply_markup") or {}
        buttons = [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]
        reply_to = (p.get("reply_parameters") or {}).get("message_id")
        message_id = next(self._msg_ids)
        async with self._changed:
            self.sent.append(
                Sent(chat_id, text, visible, mode, buttons, reply_to, message_id, photo)
            )
            hold = self.hold_after is not None and len(self.sent) > self.hold_after
            self.held += hold
            self._changed.notify_all()
        if hold:
            await asyncio.Event().wait()  # delivered, but the answer never leaves
        return _ok(
            {
                "message_id": message_id,
                "date": 1773154800,
                "chat": self.chats[chat_id],
                "from": BOT,
                "text": visible,
            }
        )


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    out: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            out[key] = value.file.read()  # an uploaded file (sendPhoto's photo)
            continue
        if key in JSON_FIELDS:
            out[key] = json.loads(value)
        elif key in INT_FIELDS and value.lstrip("-").isdigit():
            out[key] = int(value)
        else:
            out[key] = value
    return out


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


@asynccontextmanager
async def serve() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake.handle)
    async with local_server(app) as base:
        fake.base_url = f"{base}/bot"
        try:
            yield fake
        finally:
            async with fake._changed:
                fake._changed.notify_all()


async def start_run(
    config: Path, *, stderr: int, args: Sequence[str] = ()
) -> asyncio.subprocess.Process:
    """The real `tradethehype run` process, as a user starts it, with the fake's token."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--config",
        str(config),
        *args,
        cwd=ROOT,
        env=dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN, HF_HUB_OFFLINE="1"),
        stderr=stderr,
    )


def visible_text(html_text: str) -> str:
    return html.unescape(parse_html(html_text)[0])


class RunLog:
    """What a `tradethehype run` process writes to stderr, read as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        self.proc = proc
        self.text = ""

    async def until(self, line: str, within: float = 60) -> None:
        async def read() -> None:
            assert self.proc.stderr is not None
            while line not in self.text:
                chunk = await self.proc.stderr.readline()
                assert chunk, f"tradethehype run exited early:\n{self.text}"
                self.text += chunk.decode()

        await asyncio.wait_for(read(), within)

    async def stop(self) -> int:
        """SIGTERM, then the rest of the log; returns the exit code."""
        assert self.proc.stderr is not None
        self.proc.send_signal(signal.SIGTERM)
        self.text += (await asyncio.wait_for(self.proc.stderr.read(), 30)).decode()
        return await asyncio.wait_for(self.proc.wait(), 30)


@asynccontextmanager
async def bot_process(config: Path, *args: str) -> AsyncIterator[RunLog]:
    """`tradethehype run` with `args`, its stderr read as it comes; killed if still running."""
    run = RunLog(await start_run(config, stderr=asyncio.subprocess.PIPE, args=args))
    try:
        yield run
    finally:
        if run.proc.returncode is None:
            run.proc.kill()
            await run.proc.wait()


def peak_rss_mb(pid: int) -> float:
    """A running process's peak resident memory (VmHWM), for the benchmarks."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
