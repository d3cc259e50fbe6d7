"""A fake Discord (REST API and gateway) on 127.0.0.1 for a real discord.py client.

The client keeps Discord's real addresses (https://discord.com/api/v10, wss://gateway.discord.gg);
its aiohttp connector resolves every host to this server, which speaks TLS with a self-signed
test certificate (tests/fixtures/tls, loopback only, verification off in the test connector).

REST: login (users/@me, the application), command sync (global and per server), interaction
callbacks, follow-ups and the original response (with Discord's rules: the first follow-up after
a defer replaces the "thinking..." message and keeps its visibility), channel messages. Message
bodies are checked against Discord's limits (10 embeds, 6,000 characters, description 4,096,
title 256, 25 fields of 1,024, content 2,000, 5 rows of 5 buttons, custom_id 100) and refused
with 400 / 50035 like the real API. A channel can be set to answer 403, 404 or 429 (with Via and
retry_after, as Discord sends it).

Gateway: HELLO, IDENTIFY -> READY, heartbeats acknowledged; tests push INTERACTION_CREATE events
exactly as the gateway sends them. Nothing sleeps.
"""

from __future__ import annotations

import asyncio
import email.policy
import itertools
import json
import re
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

CERT = Path(__file__).parents[1] / "fixtures" / "tls" / "loopback-test-only.pem"

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GtFake.k3yForTestsOnly_nothing-real-here-0123"
APP_ID = 1100000000000000001
GUILD = 1200000000000000001
SIGNALS = 1300000000000000001  # #signals in GUILD
LOBBY = 1300000000000000002  # #lobby in GUILD
ADMIN = 1400000000000000001  # has Manage Channels in GUILD
MEMBER = 1400000000000000002  # an ordinary member
DM_CHANNEL = 1500000000000000001  # MEMBER's direct messages with the bot

VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, READ_HISTORY = 1 << 10, 1 << 11, 1 << 14, 1 << 16
MANAGE_CHANNELS, ADMINISTRATOR, ATTACH_FILES = 1 << 4, 1 << 3, 1 << 15
MEMBER_PERMS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY
BOT_PERMS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | ATTACH_FILES
EPHEMERAL, LOADING = 1 << 6, 1 << 7

BOT_USER = {
    "id": str(APP_ID),
    "username": "TradeTheHype",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
    "flags": 0,
    "verified": True,
    "mfa_enabled": False,
}
OWNER = {"id": "1400000000000000009", "username": "owner", "discriminator": "0", "avatar": None}
CHANNEL_NAMES = {SIGNALS: "signals", LOBBY: "lobby"}


def user(user_id: int) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": f"user{user_id % 1000}",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
    }


class LoopbackResolver(AbstractResolver):
    """Every host name resolves to the fake server's port on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": self.port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


@dataclass
class Call:
    method: str
    path: str
    body: Any
    status: int


@dataclass
class Msg:
    """A message as Discord keeps it (and as users see it)."""

    payload: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.payload.get("flags") or 0) & EPHEMERAL)

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.payload.get("components") or [] for c in row["components"]]

    @property
    def markdown(self) -> str:
        """Every string of the message, as sent (Discord markdown)."""
        parts = [self.payload.get("content") or ""]
        for e in self.embeds:
            parts += [e.get("title") or "", e.get("description") or ""]
            parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
            parts.append((e.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)

    @property
    def text(self) -> str:
        """What a reader sees, roughly: markdown escapes removed."""
        return re.sub(r"\\(.)", r"\1", self.markdown)


@dataclass
class Answer:
    """Everything the bot did with one interaction, as the user who sent it sees it."""

    deferred: bool = False
    ack: int | None = None  # callback type: 4 message, 5 deferred ("thinking...")
    original: Msg | None = None
    original_deleted: bool = False
    loading: bool = False
    followups: list[Msg] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    interaction: dict[str, Any] = field(default_factory=dict)
    acked: asyncio.Event = field(default_factory=asyncio.Event)  # the callback arrived
    expired: bool = False  # answered too late: Discord says "Unknown interaction"

    @property
    def messages(self) -> list[Msg]:
        shown = [] if self.original is None or self.original_deleted else [self.original]
        return shown + self.followups

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)

    @property
    def ephemeral(self) -> bool:
        """Every message of the answer is visible to the asker only."""
        return bool(self.messages) and all(m.ephemeral for m in self.messages)


def limit_errors(body: dict[str, Any]) -> list[str]:
    """What Discord's API would refuse in a message body (400, code 50035)."""
    errors: list[str] = []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    rows = body.get("components") or []
    if len(content) > 2000:
        errors.append("content: Must be 2000 or fewer in length.")
    if not content and not embeds and not rows:
        errors.append("Cannot send an empty message")
    if len(embeds) > 10:
        errors.append("embeds: Must be 10 or fewer in length.")
    total = 0
    for i, e in enumerate(embeds):
        title, description = e.get("title") or "", e.get("description") or ""
        fields = e.get("fields") or []
        footer = (e.get("footer") or {}).get("text") or ""
        if len(title) > 256:
            errors.append(f"embeds.{i}.title: Must be 256 or fewer in length.")
        if len(description) > 4096:
            errors.append(f"embeds.{i}.description: Must be 4096 or fewer in length.")
        if len(fields) > 25:
            errors.append(f"embeds.{i}.fields: Must be 25 or fewer in length.")
        for j, f in enumerate(fields):
            if not f.get("name") or len(f["name"]) > 256:
                errors.append(f"embeds.{i}.fields.{j}.name: Must be 1 to 256 in length.")
            if not f.get("value") or len(f["value"]) > 1024:
                errors.append(f"embeds.{i}.fields.{j}.value: Must be 1 to 1024 in length.")
        if len(footer) > 2048:
            errors.append(f"embeds.{i}.footer.text: Must be 2048 or fewer in length.")
        total += len(title) + len(description) + len(footer)
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
        if not (title or description or fields):
            errors.append(f"embeds.{i}: Embed is empty.")
    if total > 6000:
        errors.append("embeds: Embed size exceeds maximum size of 6000")
    if len(rows) > 5:
        errors.append("components: Must be 5 or fewer in length.")
    ids: set[str] = set()
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(items) <= 5:
            errors.append(f"components.{r}: an action row holds 1 to 5 components.")
        for c in items:
            cid = c.get("custom_id") or ""
            if c.get("type") == 2 and c.get("style") != 5:
                if not 1 <= len(cid) <= 100:
                    errors.append(f"components.{r}: custom_id must be 1 to 100 in length.")
                if cid in ids:
                    errors.append(f"components.{r}: custom_id {cid!r} is duplicated.")
                ids.add(cid)
            if len(c.get("label") or "") > 80:
                errors.append(f"components.{r}: label must be 80 or fewer in length.")
    return errors


def reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON as Discord sends it: content-type exactly application/json (discord.py checks)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


async def _body(request: web.Request) -> Any:
    """The request's JSON body (aiohttp caches what it read, so handlers can read it again);
    a multipart body (a message with files) is its payload_json with the files under FILES."""
    raw = await request.read()
    if request.content_type.startswith("multipart/"):
        return _multipart(raw, request.headers["Content-Type"])
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


FILES = "_files"  # in a parsed multipart body: [(filename, bytes)]


def _multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    body: dict[str, Any] = {}
    files: list[tuple[str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if name == "payload_json":
            body = json.loads(data)
        elif str(name).startswith("files["):
            files.append((str(part.get_filename()), data))
    body[FILES] = files
    return body


def error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    return reply({"message": message, "code": code, **extra}, status)


def _dm_place(user_id: int) -> dict[str, Any]:
    """The fields of an interaction in a direct message with `user_id`."""
    return dict(
        channel_id=str(DM_CHANNEL),
        channel={
            "id": str(DM_CHANNEL),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user(user_id)],
        },
        user=user(user_id),
        context=1,
        authorizing_integration_owners={"0": str(GUILD)},
    )


def _guild_place(user_id: int, channel_id: int, permissions: int) -> dict[str, Any]:
    """The fields of an interaction in a server channel: the channel, the member and its rights."""
    return dict(
        guild_id=str(GUILD),
        guild={"id": str(GUILD), "locale": "en-US", "features": []},
        guild_locale="en-US",
        channel_id=str(channel_id),
        channel={
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD),
            "name": CHANNEL_NAMES.get(channel_id, "channel"),
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "permissions": str(permissions),
        },
        member={
            "user": user(user_id),
            "roles": [],
            "joined_at": "2025-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "communication_disabled_until": None,
            "permissions": str(permissions),
        },
        context=0,
        authorizing_integration_owners={"0": str(GUILD)},
    )


class FakeDiscord:
    def __init__(self) -> None:
        self.port = 0
        self.guilds = {GUILD}  # servers the bot is in (others refuse command sync with 403)
        self.token = TOKEN
        self.calls: list[Call] = []
        self.identifies: list[dict[str, Any]] = []
        self.global_commands: list[dict[str, Any]] | None = None
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.channels: dict[int, list[Msg]] = {}
        self.channel_hits: dict[int, int] = {}
        self.channel_failures: dict[int, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self.answers: dict[str, Answer] = {}
        self.uploads: list[tuple[str, bytes]] = []  # every file attached to a message
        self._ids = itertools.count(1600000000000000001)
        self._seq = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._session_ready = asyncio.Event()

    # -- what tests use -------------------------------------------------------------------

    def connector(self) -> aiohttp.TCPConnector:
        """A connector sending everything the client opens (REST and gateway) here."""
        return aiohttp.TCPConnector(resolver=LoopbackResolver(self.port), ssl=False)

    def fail_channel(
        self, channel_id: int, status: int, code: int, message: str, *, times: int = 1, **extra: Any
    ) -> None:
        headers = {"Via": "1.1 google"} if status == 429 else {}
        if status == 429:
            headers["Retry-After"] = str(max(int(extra.get("retry_after", 1)), 1))
        body = {"message": message, "code": code, **extra}
        self.channel_failures.setdefault(channel_id, []).extend([(status, body, headers)] * times)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the connected client."""
        ws = next(w for w in reversed(self._sockets) if not w.closed)
        await ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int = MEMBER,
        channel_id: int = SIGNALS,
        dm: bool = False,
        permissions: int = MEMBER_PERMS,
        bot_permissions: int = BOT_PERMS,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for `/name option:value ...`."""
        types = {bool: 5, int: 4, float: 10, str: 3}
        data: dict[str, Any] = {
            "id": str(self._command_id(name)),
            "name": name,
            "type": 1,
            "options": [
                {"name": k, "type": types.get(type(v), 3), "value": v}
                for k, v in (options or {}).items()
            ],
        }
        if not dm and GUILD in self.guild_commands:
            data["guild_id"] = str(GUILD)
        payload = self._interaction(2, data, user_id, channel_id, dm, permissions)
        payload["app_permissions"] = str(bot_permissions)
        return payload

    def press(
        self,
        message: Msg,
        custom_id: str,
        *,
        user_id: int = MEMBER,
        channel_id: int | None = None,
        dm: bool = False,
        permissions: int = MEMBER_PERMS,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for a press on a button of `message`."""
        channel = channel_id or int(message.payload["channel_id"])
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, data, user_id, channel, dm, permissions)
        payload["message"] = message.payload
        return payload

    def answer(self, interaction: dict[str, Any]) -> Answer:
        return self.answers[interaction["token"]]

    def commands(self, guild: int | None = None) -> list[dict[str, Any]]:
        return (self.global_commands or []) if guild is None else self.guild_commands[guild]

    # -- payloads -------------------------------------------------------------------------

    def _command_id(self, name: str) -> int:
        for cmd in (self.global_commands or []) + self.guild_commands.get(GUILD, []):
            if cmd["name"] == name:
                return int(cmd["id"])
        return 1700000000000000999  # a command Discord knows but the bot does not (stale)

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user_id: int,
        channel_id: int,
        dm: bool,
        permissions: int,
    ) -> dict[str, Any]:
        iid = next(self._ids)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": f"interaction-token-{iid}",
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(BOT_PERMS),
        }
        if dm:
            payload.update(_dm_place(user_id))
        else:
            payload.update(_guild_place(user_id, channel_id, permissions))
        self.answers[payload["token"]] = Answer(interaction=payload)
        return payload

    def _message(
        self, channel_id: int | str, body: dict[str, Any], flags: int = 0
    ) -> dict[str, Any]:
        self.uploads.extend(body.get(FILES, []))
        return {
            "id": str(next(self._ids)),
            "channel_id": str(channel_id),
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": "2026-03-10T15:00:00.000000+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(next(self._ids)),
                    "filename": name,
                    "size": len(data),
                    "url": f"https://cdn.example/{name}",
                    "proxy_url": f"https://cdn.example/{name}",
                }
                for name, data in body.get(FILES, [])
            ],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": flags,
            "components": body.get("components") or [],
            "application_id": str(APP_ID),
        }

    # -- REST -----------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await _body(request)
        if request.path.startswith("/api/") and request.headers.get("Authorization") not in (
            None,
            f"Bot {self.token}",
        ):
            response: web.StreamResponse = error(401, 0, "401: Unauthorized")
        else:
            response = await handler(request)
        if request.path.startswith("/api/"):
            self.calls.append(Call(request.method, request.path, body, response.status))
            token = request.match_info.get("token")
            if token in self.answers:
                self.answers[token].calls.append(self.calls[-1])
        return response

    async def _me(self, request: web.Request) -> web.Response:
        return reply(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return reply(
            {
                "id": str(APP_ID),
                "name": "TradeTheHype",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": OWNER,
                "verify_key": "0" * 64,
                "flags": 0,
                "bot": BOT_USER,
                "summary": "",
                "team": None,
            }
        )

    def _stored_commands(self, body: list[dict[str, Any]], guild: int | None) -> list[dict]:
        out = []
        for i, cmd in enumerate(body):
            stored = dict(cmd, id=str(1700000000000000001 + i), application_id=str(APP_ID))
            stored.setdefault("description", "")
            stored.setdefault("version", "1")
            if guild is not None:
                stored["guild_id"] = str(guild)
            out.append(stored)
        return out

    async def _sync_global(self, request: web.Request) -> web.Response:
        self.global_commands = self._stored_commands(await _body(request), None)
        return reply(self.global_commands)

    async def _sync_guild(self, request: web.Request) -> web.Response:
        guild = int(request.match_info["guild"])
        if guild not in self.guilds:
            return error(403, 50001, "Missing Access")
        self.guild_commands[guild] = self._stored_commands(await _body(request), guild)
        return reply(self.guild_commands[guild])

    async def _callback(self, request: web.Request) -> web.Response:
        answer = self.answers.get(request.match_info["token"])
        if answer is None or answer.expired or answer.interaction["id"] != request.match_info["id"]:
            return error(404, 10062, "Unknown interaction")
        if answer.ack is not None:
            return error(400, 40060, "Interaction has already been acknowledged.")
        body = await _body(request)
        kind, data = body["type"], dict(body.get("data") or {}, **{FILES: body.get(FILES, [])})
        flags = int(data.get("flags") or 0) & EPHEMERAL
        if kind == 4:
            problems = limit_errors(data)
            if problems:
                return error(400, 50035, "Invalid Form Body", errors=problems)
        elif kind == 5:
            flags |= LOADING
        else:
            return error(400, 50035, f"this fake does not answer callback type {kind}")
        answer.ack, answer.deferred, answer.loading = kind, kind == 5, kind == 5
        answer.acked.set()
        channel = answer.interaction["channel_id"]
        answer.original = Msg(self._message(channel, data if kind == 4 else {}, flags))
        return reply(
            {
                "interaction": {
                    "id": answer.interaction["id"],
                    "type": answer.interaction["type"],
                    "response_message_id": str(answer.original.id),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(flags & EPHEMERAL),
                },
                "resource": {"type": kind, "message": answer.original.payload},
            }
        )

    async def _followup(self, request: web.Request) -> web.Response:
        answer = self.answers.get(request.match_info["token"])
        if answer is None or answer.ack is None:
            return error(404, 10015, "Unknown Webhook")
        body = await _body(request)
        problems = limit_errors(body)
        if problems:
            return error(400, 50035, "Invalid Form Body", errors=problems)
        channel = answer.interaction["channel_id"]
        if answer.loading and answer.original is not None and not answer.original_deleted:
            # Discord: right after a defer, a follow-up edits the "thinking..." message and keeps
            # the visibility chosen when deferring (its ephemeral flag is ignored)
            flags = int(answer.original.payload["flags"]) & EPHEMERAL
            answer.original = Msg(
                dict(self._message(channel, body, flags), id=str(answer.original.id))
            )
            answer.loading = False
            return reply(answer.original.payload)
        answer.loading = False
        msg = Msg(self._message(channel, body, int(body.get("flags") or 0) & EPHEMERAL))
        msg.payload["webhook_id"] = str(APP_ID)
        answer.followups.append(msg)
        return reply(msg.payload)

    async def _delete_original(self, request: web.Request) -> web.Response:
        answer = self.answers.get(request.match_info["token"])
        if answer is None or answer.original is None or answer.original_deleted:
            return error(404, 10008, "Unknown Message")
        answer.original_deleted, answer.loading = True, False
        return web.Response(status=204)

    async def _channel_message(self, request: web.Request) -> web.Response:
        channel = int(request.match_info["channel"])
        self.channel_hits[channel] = self.channel_hits.get(channel, 0) + 1
        failures = self.channel_failures.get(channel)
        if failures:
            status, body, headers = failures.pop(0)
            return reply(body, status, headers)
        problems = limit_errors(await _body(request))
        if problems:
            return error(400, 50035, "Invalid Form Body", errors=problems)
        msg = Msg(self._message(channel, await _body(request)))
        self.channels.setdefault(channel, []).append(msg)
        return reply(msg.payload)

    async def _unknown(self, request: web.Request) -> web.Response:
        return error(404, 0, "404: Not Found")

    # -- gateway --------------------------------------------------------------------------

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": BOT_USER,
            "guilds": [],  # no GUILDS intent: no guild list to wait for
            "session_id": "fake-session",
            "resume_gateway_url": "wss://gateway.discord.gg",
            "shard": [0, 1],
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for frame in ws:
            if frame.type is not aiohttp.WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            if msg["op"] == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif msg["op"] == 2:
                self.identifies.append(msg["d"])
                if msg["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                await ws.send_json(
                    {"op": 0, "t": "READY", "s": next(self._seq), "d": self._ready()}
                )
        return ws

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        api = "/api/v10"
        app.router.add_get("/", self._gateway)
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._sync_global)
        app.router.add_put(
            f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._sync_guild
        )
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_delete(
            f"{api}/webhooks/{{app}}/{{token}}/messages/@original", self._delete_original
        )
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._channel_message)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        return app

    async def close_sockets(self) -> None:
        for ws in self._sockets:
            if not ws.closed:
                await ws.close()


@asynccontextmanager
async def serve() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT)
    runner = web.AppRunner(fake.app(), shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    fake.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake
    finally:
        await fake.close_sockets()
        await runner.cleanup()
