"""Replies as Discord embeds: outside strings escaped, every Discord limit respected.

A card is one embed (green bullish, red bearish, grey for a view with no signal): its title, the
score line, the price with its time and the entry / stop / target levels as fields, and the
headlines as links. Text blocks become embed descriptions (consecutive ones share an embed).
Embeds are packed into messages of at most 10 embeds and 6,000 characters; a longer reply (a big
digest) becomes several messages, cut between embeds, never inside one. Each message carries the
Why? buttons of the cards it holds. A card's chart is attached to the message that holds the
card and shown inside its embed (`attachment://NAME`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import discord
from discord.utils import escape_markdown

from chat.replies import Button, Card, Headline, Image, Reply, Text
from chat.report import more_line
from chat.text import money

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_TOTAL = 6000  # title + description + fields + footer + author, per message
EMBEDS_PER_MESSAGE = 10
BUTTONS_PER_MESSAGE = 25  # 5 action rows of 5 buttons
BUTTON_LABEL = 80
HEADLINE_TITLE = 300  # a headline longer than this is cut (ours, not Discord's)
URL_MAX = 512

COLOURS = {
    "bullish": discord.Colour.green(),
    "bearish": discord.Colour.red(),
}
NO_SIGNAL = discord.Colour.light_grey()
TEXT_COLOUR = discord.Colour.blurple()
ERROR_COLOUR = discord.Colour.orange()
NOTE_COLOUR = discord.Colour.dark_grey()

ATTACHMENT = "attachment://"  # an embed's image that is a file attached to its message
_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")
_FENCE = "```"


@dataclass
class Outgoing:
    """One Discord message: its embeds and the buttons under it."""

    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    files: list[Image] = field(default_factory=list)  # the charts its embeds show

    @property
    def size(self) -> int:
        return sum(embed_size(e) for e in self.embeds)


def units(text: str) -> int:
    """Length in UTF-16 code units: never less than Discord's count of characters."""
    return len(text.encode("utf-16-le")) // 2


def prefix(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return text[:i]
    return text


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` units, with an ellipsis when cut (never after a lone backslash)."""
    if units(text) <= limit:
        return text
    return prefix(text, limit - 1).rstrip("\\") + "…"


def md(text: str) -> str:
    """An outside string (a headline, a name, something a user typed) safe in Discord markdown."""
    escaped = escape_markdown(text)
    # escape_markdown leaves lone brackets alone; they would end a masked link's text
    return _BRACKET.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def safe_url(url: str) -> str | None:
    """An http(s) URL fit for a masked link, or None (then the headline shows without a link)."""
    url = url.strip()
    if not url or units(url) > URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # parentheses and angle brackets would end the link early: percent-encode them
    return quote(url, safe=":/?#@!$&'*+,;=%~-._[]")


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts towards the 6,000 per message."""
    total = units(embed.title or "") + units(embed.description or "")
    for f in embed.fields:
        total += units(f.name or "") + units(f.value or "")
    total += units(embed.footer.text or "") + units(embed.author.name or "")
    return total


def chunks(text: str, limit: int) -> Iterator[str]:
    """`text` in pieces of at most `limit` units, cut between lines (a too-long line is cut)."""
    piece: list[str] = []
    used = 0
    for line in text.split("\n"):
        while units(line) > limit:
            if piece:
                yield "\n".join(piece)
                piece, used = [], 0
            head = prefix(line, limit)
            # do not end a piece on an escaping backslash (unless the line is all backslashes)
            head = head.rstrip("\\") or head
            yield head
            line = line[len(head) :]
        extra = units(line) + (1 if piece else 0)
        if piece and used + extra > limit:
            yield "\n".join(piece)
            piece, used = [], 0
            extra = units(line)
        piece.append(line)
        used += extra
    if piece:
        yield "\n".join(piece)


# -- cards ------------------------------------------------------------------------------------


def headline_line(h: Headline) -> str:
    title = md(clip(h.title.strip() or "(untitled)", HEADLINE_TITLE))
    url = safe_url(h.url)
    shown = f"[{title}]({url})" if url else title
    source = f"{md(h.source)}, " if h.source else ""
    return f"• {shown} · {source}{h.age} · {md(h.label)} {h.score:.2f}"


def card_embed(card: Card) -> discord.Embed:
    embed = discord.Embed(
        title=clip(md(card.title), TITLE),
        colour=COLOURS.get(card.direction or "", NO_SIGNAL),
    )
    head = []
    if card.summary:
        head.append(md(card.summary))
    if card.note:  # the reason itself when there is no signal; a remark (italic) otherwise
        head.append(f"*{md(card.note)}*" if card.direction else md(card.note))
    description = "\n".join(head)
    if card.headlines:
        lines = [headline_line(h) for h in card.headlines]
        extra = card.more_headlines  # already left out of the card
        title = "**Headlines**"
        budget = DESCRIPTION - units(description) - units(title) - 2
        kept: list[str] = []
        for i, line in enumerate(lines):
            more = len(lines) - i - 1 + extra
            tail = units(f"\n… {more_line(more)}") if more else 0
            if units(line) + 1 + tail > budget:
                kept.append(f"… {more_line(len(lines) - i + extra)}")
                break
            kept.append(line)
            budget -= units(line) + 1
        else:
            if extra:
                kept.append(f"… {more_line(extra)}")
        description = "\n".join(p for p in (description, title, *kept) if p)
    embed.description = clip(description, DESCRIPTION) or None
    if card.price is not None:
        embed.add_field(name="Price", value=clip(md(card.price.text), FIELD_VALUE), inline=False)
    if card.levels is not None:
        lv = card.levels
        embed.add_field(name="Entry", value=money(lv.entry))
        embed.add_field(name="Stop", value=money(lv.stop))
        embed.add_field(name="Target", value=money(lv.target))
    if card.chart is not None:
        embed.set_image(url=ATTACHMENT + card.chart.name)
    return embed


# -- text -------------------------------------------------------------------------------------


def _text_pieces(block: Text) -> list[str]:
    """A text block as description-sized pieces of markdown."""
    if block.preformatted:
        body = block.body.replace(_FENCE, "`\u200b``")
        return [f"{_FENCE}\n{p}\n{_FENCE}" for p in chunks(body, DESCRIPTION - 8)]
    if block.style == "note":
        body = "\n".join(f"*{md(line)}*" if line.strip() else "" for line in block.body.split("\n"))
    else:
        body = md(block.body)
    return list(chunks(body, DESCRIPTION))


def _colour(block: Text) -> discord.Colour:
    if block.style == "error":
        return ERROR_COLOUR
    if block.style == "note":
        return NOTE_COLOUR
    return TEXT_COLOUR


def text_embeds(blocks: list[Text]) -> list[discord.Embed]:
    """Consecutive text blocks as embeds: a title starts one, the others fill descriptions."""
    embeds: list[discord.Embed] = []
    current: discord.Embed | None = None
    for block in blocks:
        if block.style == "title":
            first, _, rest = block.body.partition("\n")
            current = discord.Embed(title=clip(md(first), TITLE), colour=TEXT_COLOUR)
            embeds.append(current)
            pieces = list(chunks(md(rest), DESCRIPTION)) if rest.strip() else []
        else:
            pieces = _text_pieces(block)
        for piece in pieces:
            if current is not None:
                joined = f"{current.description}\n\n{piece}" if current.description else piece
                if units(joined) <= DESCRIPTION:
                    current.description = joined
                    continue
            current = discord.Embed(description=piece, colour=_colour(block))
            embeds.append(current)
    return embeds


# -- messages ---------------------------------------------------------------------------------


def reply_embeds(reply: Reply) -> list[tuple[discord.Embed, tuple[Button, ...]]]:
    """Every embed of a reply in order, each with the buttons that belong to it."""
    out: list[tuple[discord.Embed, tuple[Button, ...]]] = []
    texts: list[Text] = []

    def flush() -> None:
        out.extend((e, ()) for e in text_embeds(texts))
        texts.clear()

    for block in reply.blocks:
        if isinstance(block, Text) and block.image is None:
            texts.append(block)
            continue
        flush()
        if isinstance(block, Text):  # a text with its picture: the picture in its last embed
            embeds = text_embeds([block])
            embeds[-1].set_image(url=ATTACHMENT + block.image.name)
            out.extend((e, ()) for e in embeds)
            continue
        out.append((card_embed(block), block.buttons))
    flush()
    if not out:
        out.append((discord.Embed(description="(nothing to show)", colour=TEXT_COLOUR), ()))
    return out


def render(reply: Reply) -> list[Outgoing]:
    """A reply as Discord messages, each within every per-message limit."""
    charts = {image.name: image for image in reply.images}
    messages: list[Outgoing] = [Outgoing()]
    for embed, buttons in reply_embeds(reply):
        m = messages[-1]
        if m.embeds and (
            len(m.embeds) >= EMBEDS_PER_MESSAGE
            or m.size + embed_size(embed) > EMBED_TOTAL
            or len(m.buttons) + len(buttons) > BUTTONS_PER_MESSAGE
        ):
            m = Outgoing()
            messages.append(m)
        m.embeds.append(embed)
        m.buttons.extend(buttons)
        url = embed.image.url or ""
        if url.startswith(ATTACHMENT) and url[len(ATTACHMENT) :] in charts:
            m.files.append(charts[url[len(ATTACHMENT) :]])
    last = messages[-1]
    room = BUTTONS_PER_MESSAGE - len(last.buttons)
    last.buttons.extend(reply.buttons[:room])
    return messages
