"""Replies as Telegram HTML messages: every outside string escaped, split under 4,096 characters.

A reply is cut between blocks (cards, paragraphs), never inside a tag; a block too long for one
message is cut between its lines, and a line too long for one message loses its markup and is cut
as plain text. Each message carries the Why? buttons of the cards it holds. A card with a chart
is a photo with the card as its caption when the card fits a caption (1,024 characters), else
the photo alone followed by the card.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from chat.replies import Block, Button, Card, Image, Reply, Text, image_of
from chat.report import more_line
from chat.text import money

LIMIT = 4096  # Telegram's limit for a message's text
CAPTION_LIMIT = 1024  # and for a photo's caption
_TAG = re.compile(r"<[^>]+>")
MARK = {"bullish": "🟢", "bearish": "🔴"}


@dataclass(frozen=True)
class Message:
    html: str  # a photo's caption ("" for none)
    buttons: tuple[Button, ...] = ()
    photo: Image | None = None  # sent with sendPhoto


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); tags are counted too, to be safe."""
    return len(text.encode("utf-16-le")) // 2


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def _link(title: str, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return f'<a href="{html.escape(url, quote=True)}">{esc(title)}</a>'
    return esc(title)


def card_lines(card: Card) -> list[str]:
    """One card as balanced HTML lines (no tag spans two lines)."""
    mark = MARK.get(card.direction or "", "⚪")
    lines = [f"{mark} <b>{esc(card.title)}</b>"]
    if card.summary:
        lines.append(esc(card.summary))
    if card.price is not None:
        lines.append(f"Price: {esc(card.price.text)}")
    if card.levels is not None:
        lv = card.levels
        lines.append(
            f"Entry <b>{money(lv.entry)}</b> · Stop <b>{money(lv.stop)}</b> · "
            f"Target <b>{money(lv.target)}</b>"
        )
    if card.note:
        lines.append(f"<i>{esc(card.note)}</i>")
    for h in card.headlines:
        lines.append(
            f"• {_link(h.title, h.url)} ({esc(h.source)}, {esc(h.age)}; {esc(h.label)} "
            f"{h.score:.2f})"
        )
    if card.more_headlines:
        lines.append(f"• {more_line(card.more_headlines)}")
    return lines


def text_lines(block: Text) -> list[str]:
    raw = block.body.splitlines() or [""]
    if block.preformatted:  # one <pre> group; split() rewraps it if it is too long
        return ["<pre>" + "\n".join(esc(line) for line in raw) + "</pre>"]
    wrap = {"title": ("<b>", "</b>"), "note": ("<i>", "</i>")}.get(block.style, ("", ""))
    return [f"{wrap[0]}{esc(line)}{wrap[1]}" if line else "" for line in raw]


def block_lines(block: Block) -> list[str]:
    return card_lines(block) if isinstance(block, Card) else text_lines(block)


def _cut_line(line: str, limit: int) -> list[str]:
    """A single line over the limit: drop its markup and cut the plain text."""
    if tg_len(line) <= limit:
        return [line]
    pre = line.startswith("<pre>")
    plain = html.unescape(_TAG.sub("", line))
    out: list[str] = []
    piece = ""
    for ch in plain:
        candidate = piece + ch
        wrapped = f"<pre>{esc(candidate)}</pre>" if pre else esc(candidate)
        if tg_len(wrapped) > limit:
            out.append(f"<pre>{esc(piece)}</pre>" if pre else esc(piece))
            piece = ch
        else:
            piece = candidate
    if piece:
        out.append(f"<pre>{esc(piece)}</pre>" if pre else esc(piece))
    return out


def _split_pre(line: str, limit: int) -> list[str]:
    """A multi-line <pre> group over the limit: one <pre> per run of lines that fits."""
    inner = line[len("<pre>") : -len("</pre>")].split("\n")
    out: list[str] = []
    run: list[str] = []
    for row in inner:
        candidate = "<pre>" + "\n".join([*run, row]) + "</pre>"
        if run and tg_len(candidate) > limit:
            out.append("<pre>" + "\n".join(run) + "</pre>")
            run = [row]
        else:
            run.append(row)
    if run:
        out.append("<pre>" + "\n".join(run) + "</pre>")
    return [piece for part in out for piece in _cut_line(part, limit)]


def _fit(lines: list[str], limit: int) -> list[str]:
    fitted: list[str] = []
    for line in lines:
        if line.startswith("<pre>") and "\n" in line and tg_len(line) > limit:
            fitted.extend(_split_pre(line, limit))
        else:
            fitted.extend(_cut_line(line, limit))
    return fitted


def split(reply: Reply, limit: int = LIMIT) -> list[Message]:
    """The reply as messages of at most `limit` characters, cut between blocks when possible."""
    messages: list[Message] = []
    body = ""
    buttons: list[Button] = []

    def flush() -> None:
        nonlocal body, buttons
        if body.strip():
            messages.append(Message(body, tuple(buttons)))
        body, buttons = "", []

    for block in reply.blocks:
        rendered = "\n".join(block_lines(block))
        own = list(block.buttons) if isinstance(block, Card) else []
        if (image := image_of(block)) is not None:
            flush()
            if tg_len(rendered) <= CAPTION_LIMIT:
                messages.append(Message(rendered, tuple(own), image))
                continue
            messages.append(Message("", (), image))  # then the block, as text
        joined = f"{body}\n\n{rendered}" if body else rendered
        if tg_len(joined) <= limit:
            body, buttons = joined, buttons + own
            continue
        flush()
        if tg_len(rendered) <= limit:
            body, buttons = rendered, own
            continue
        for line in _fit(block_lines(block), limit):  # one block longer than a message
            joined = f"{body}\n{line}" if body else line
            if tg_len(joined) > limit:
                flush()
                joined = line
            body = joined
        buttons = own
    flush()
    if reply.buttons and messages:
        last = messages[-1]
        messages[-1] = Message(last.html, last.buttons + reply.buttons, last.photo)
    return messages


def plain(html_text: str) -> str:
    """The text of an HTML message without its markup (the fallback if Telegram rejects it)."""
    return html.unescape(_TAG.sub("", html_text))
