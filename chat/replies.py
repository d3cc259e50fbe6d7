"""Platform-neutral replies: what a command answers, before any channel's markup.

A reply is a sequence of blocks (text or signal cards) plus buttons. Adapters render the blocks in
their own markup (Telegram HTML, Discord embeds, the terminal), escaping every string, and may
split a long reply between blocks, never inside one. A card may carry its chart (`Image`): a
photo on Telegram, an attachment shown inside the card's embed on Discord.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from chat.report import MAX_HEADLINES_SHOWN, more_line
from chat.text import (
    age,
    label_phrase,
    levels_phrase,
    news_phrase,
    price_phrase,
    score_phrase,
    technicals_phrase,
)
from engine.models import Levels, Quote
from engine.records import ArticleRecord, SignalRecord

Style = Literal["plain", "title", "note", "error"]

WHY_PREFIX = "why:"
SUBSCRIBE_ACTION = "subscribe"


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text; `title` is shown bold, `note` muted, `error` as a refusal."""

    body: str
    style: Style = "plain"
    preformatted: bool = False  # keep line layout (the Why? breakdown)
    image: Image | None = None  # a picture shown with the text (the record's equity curve)


@dataclass(frozen=True)
class Button:
    """A button under a message. `action` is stable across restarts (it is stored by clients)."""

    label: str
    action: str


@dataclass(frozen=True)
class Image:
    """A PNG shown with a card; `name` is a file name unique to its signal ("TSLA-42.png")."""

    png: bytes = field(repr=False)
    alt: str  # what it shows, in words (Discord's attachment description, logs, the console)
    name: str


@dataclass(frozen=True)
class Headline:
    title: str
    url: str
    source: str
    label: str  # positive / negative / neutral
    score: float  # the model's probability for `label`
    age: str  # "25 min ago"


@dataclass(frozen=True)
class PriceLine:
    last: float
    as_of: datetime
    stale: bool
    market_open: bool

    @property
    def text(self) -> str:
        return price_phrase(self.last, self.as_of, stale=self.stale, market_open=self.market_open)

    @classmethod
    def of(cls, quote: Quote | None) -> PriceLine | None:
        if quote is None:
            return None
        return cls(quote.last, quote.as_of, quote.stale, quote.market_open)


@dataclass(frozen=True)
class Card:
    """One ticker: a signal (direction set) or an on-demand view with no signal (direction None)."""

    symbol: str
    name: str
    direction: str | None  # "bullish" / "bearish" / None
    score: float | None = None
    confidence: float | None = None
    sentiment: float | None = None
    technical: float | None = None
    price: PriceLine | None = None
    levels: Levels | None = None  # entry, stop and target (no formula: Why? tells it)
    headlines: tuple[Headline, ...] = ()  # the strongest few (MAX_HEADLINES_SHOWN)
    more_headlines: int = 0  # how many more there were: "and 12 more"
    note: str = ""  # the reason when there is no signal; cooldown / reversal remarks otherwise
    reversal: bool = False
    card_id: int | None = None  # stored explanation, what the Why? button shows
    chart: Image | None = None  # the signal's chart, shown with the card

    @property
    def title(self) -> str:
        if self.direction is None:
            return f"{self.symbol} · {self.name}"
        flag = " · reversal" if self.reversal else ""
        return f"{self.symbol} {self.direction.upper()} · {self.name}{flag}"

    @property
    def summary(self) -> str:
        """Score, confidence and the two components in one line."""
        if self.direction is None or self.score is None:
            if self.sentiment is None:
                return ""
            return news_phrase(self.sentiment, len(self.headlines) + self.more_headlines)
        return (
            f"{score_phrase(self.score, self.confidence or 0)} · "
            f"{news_phrase(self.sentiment or 0)} · {technicals_phrase(self.technical or 0)}"
        )

    @property
    def buttons(self) -> tuple[Button, ...]:
        if self.card_id is None:
            return ()
        return (Button(f"Why {self.symbol}?", f"{WHY_PREFIX}{self.card_id}"),)


Block = Text | Card


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...]
    buttons: tuple[Button, ...] = ()  # under the whole reply (cards carry their own)
    private: bool = False  # refusals and errors: only the asker needs to see them (Discord)
    ok: bool = True  # False for refusals and errors

    @property
    def cards(self) -> list[Card]:
        return [b for b in self.blocks if isinstance(b, Card)]

    @property
    def images(self) -> list[Image]:
        """Every picture the reply shows: the cards' charts and the texts' images."""
        return [i for i in map(image_of, self.blocks) if i is not None]

    @property
    def plain_text(self) -> str:
        """The whole reply as plain text (the console, logs, tests)."""
        return "\n\n".join(render_plain(b) for b in self.blocks)


def text(*paragraphs: str, buttons: Sequence[Button] = ()) -> Reply:
    return Reply(tuple(Text(p) for p in paragraphs), tuple(buttons))


def refusal(message: str) -> Reply:
    return Reply((Text(message, "error"),), private=True, ok=False)


def image_of(block: Block) -> Image | None:
    """The picture a block shows: a card's chart, a text's image."""
    return block.chart if isinstance(block, Card) else block.image


def render_plain(block: Block) -> str:
    if isinstance(block, Text):
        return block.body + (f"\n[chart: {block.image.alt}]" if block.image else "")
    lines = [block.title]
    if block.summary:
        lines.append(block.summary)
    if block.note:
        lines.append(block.note)
    if block.price is not None:
        lines.append(f"price {block.price.text}")
    if block.levels is not None:
        lines.append(levels_phrase(block.levels))
    for h in block.headlines:
        lines.append(f"- {h.title} ({h.source}, {h.age}; {label_phrase(h.label, h.score)})")
    if block.more_headlines:
        lines.append(f"- {more_line(block.more_headlines)}")
    if block.chart is not None:
        lines.append(f"[chart: {block.chart.alt}]")
    return "\n".join(lines)


def headlines_from(articles: Sequence[ArticleRecord], now: datetime) -> tuple[Headline, ...]:
    """The first MAX_HEADLINES_SHOWN articles (the strongest: they come sorted by weight)."""
    return tuple(
        Headline(a.title, a.url, a.source, a.label, a.score, age(a.published, now))
        for a in articles[:MAX_HEADLINES_SHOWN]
    )


def hidden_headlines(articles: Sequence[Any]) -> int:
    """How many articles `headlines_from` leaves out."""
    return max(len(articles) - MAX_HEADLINES_SHOWN, 0)


def signal_card(sig: SignalRecord, card_id: int | None = None) -> Card:
    """A signal's card, from its stored record (a recorded signal, a card, a digest's signal)."""
    note = ""
    if sig.reversal:
        note = str(sig.cooldown or "reversal of the previous signal")
    price = PriceLine.of(sig.price)
    if price is not None and price.stale:
        note = (note + " · " if note else "") + "price is stale: no levels"
    return Card(
        symbol=sig.symbol,
        name=sig.name,
        direction=sig.direction,
        score=sig.score,
        confidence=sig.confidence,
        sentiment=sig.sentiment,
        technical=sig.technical,
        price=price,
        levels=sig.levels,
        headlines=headlines_from(sig.articles, sig.generated_at),
        more_headlines=hidden_headlines(sig.articles),
        note=note,
        reversal=sig.reversal,
        card_id=card_id,
    )
