"""Platform-neutral replies: what a command answers, before any channel's markup.

A reply is a sequence of blocks (text or signal cards) plus buttons. Adapters render the blocks in
their own markup (Telegram HTML, Discord embeds, the terminal), escaping every string, and may
split a long reply between blocks, never inside one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from chat.report import MAX_HEADLINES_SHOWN, more_line
from chat.text import age, money, plural, price_phrase

Style = Literal["plain", "title", "note", "error"]

WHY_PREFIX = "why:"
SUBSCRIBE_ACTION = "subscribe"


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text; `title` is shown bold, `note` muted, `error` as a refusal."""

    body: str
    style: Style = "plain"
    preformatted: bool = False  # keep line layout (the Why? breakdown)


@dataclass(frozen=True)
class Button:
    """A button under a message. `action` is stable across restarts (it is stored by clients)."""

    label: str
    action: str


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


@dataclass(frozen=True)
class Levels:
    entry: float
    stop: float
    target: float


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
    levels: Levels | None = None
    headlines: tuple[Headline, ...] = ()  # the strongest few (MAX_HEADLINES_SHOWN)
    more_headlines: int = 0  # how many more there were: "and 12 more"
    note: str = ""  # the reason when there is no signal; cooldown / reversal remarks otherwise
    reversal: bool = False
    card_id: int | None = None  # stored explanation, what the Why? button shows

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
            count = plural(len(self.headlines) + self.more_headlines, "headline")
            return f"news {self.sentiment:+.2f} ({count})"
        return (
            f"score {self.score:+.2f} · confidence {self.confidence or 0:.0%} · "
            f"news {self.sentiment or 0:+.2f} · technicals {self.technical or 0:+.2f}"
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
    def plain_text(self) -> str:
        """The whole reply as plain text (the console, logs, tests)."""
        return "\n\n".join(render_plain(b) for b in self.blocks)


def text(*paragraphs: str, buttons: Sequence[Button] = ()) -> Reply:
    return Reply(tuple(Text(p) for p in paragraphs), tuple(buttons))


def refusal(message: str) -> Reply:
    return Reply((Text(message, "error"),), private=True, ok=False)


def render_plain(block: Block) -> str:
    if isinstance(block, Text):
        return block.body
    lines = [block.title]
    if block.summary:
        lines.append(block.summary)
    if block.note:
        lines.append(block.note)
    if block.price is not None:
        lines.append(f"price {block.price.text}")
    if block.levels is not None:
        lv = block.levels
        lines.append(f"entry {money(lv.entry)} · stop {money(lv.stop)} · target {money(lv.target)}")
    for h in block.headlines:
        lines.append(f"- {h.title} ({h.source}, {h.age}; {h.label} {h.score:.2f})")
    if block.more_headlines:
        lines.append(f"- {more_line(block.more_headlines)}")
    return "\n".join(lines)


def _price(d: dict[str, Any] | None) -> PriceLine | None:
    if not d:
        return None
    return PriceLine(
        last=float(d["last"]),
        as_of=datetime.fromisoformat(d["as_of"]),
        stale=bool(d["stale"]),
        market_open=bool(d.get("market_open", False)),
    )


def headlines_from(articles: Sequence[dict[str, Any]], now: datetime) -> tuple[Headline, ...]:
    """The first MAX_HEADLINES_SHOWN articles (the strongest: they come sorted by weight)."""
    out = []
    for a in articles[:MAX_HEADLINES_SHOWN]:
        scores = a.get("scores") or {}
        label = str(a.get("label", "neutral"))
        out.append(
            Headline(
                title=str(a["title"]),
                url=str(a.get("url") or ""),
                source=str(a.get("source") or ""),
                label=label,
                score=float(scores.get(label) or 0.0),
                age=age(datetime.fromisoformat(a["published"]), now),
            )
        )
    return tuple(out)


def hidden_headlines(articles: Sequence[Any]) -> int:
    """How many articles `headlines_from` leaves out."""
    return max(len(articles) - MAX_HEADLINES_SHOWN, 0)


def card_from_payload(p: dict[str, Any], card_id: int | None = None) -> Card:
    """A signal card from a stored signal payload (serialize.signal_to_dict + generated_at)."""
    now = datetime.fromisoformat(p["generated_at"])
    lv = p.get("levels")
    note = ""
    if p.get("reversal"):
        note = str(p.get("cooldown") or "reversal of the previous signal")
    price = _price(p.get("price"))
    if price is not None and price.stale:
        note = (note + " · " if note else "") + "price is stale: no levels"
    return Card(
        symbol=str(p["symbol"]),
        name=str(p["name"]),
        direction=str(p["direction"]),
        score=float(p["score"]),
        confidence=float(p["confidence"]),
        sentiment=float(p["sentiment"]),
        technical=float(p["technical"]),
        price=price,
        levels=None if not lv else Levels(lv["entry"], lv["stop"], lv["target"]),
        headlines=headlines_from(p.get("articles", []), now),
        more_headlines=hidden_headlines(p.get("articles", [])),
        note=note,
        reversal=bool(p.get("reversal")),
        card_id=card_id,
    )
