"""Charts for the chat: a signal's chart made once, kept by its signal's card id, drawn off the
event loop.

`Charts` asks the engine's price provider for the bars up to the signal's time, draws them in its
own single worker thread (so the event loop never waits on matplotlib and no other thread pool
fills up with waiting renders) and keeps the last `keep` images by key. A card's key is its card
id, so a broadcast of one digest to many chats renders each chart once, concurrent requests for
one chart share one render, and a chart is never attached to another signal's card.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from chat.charts.spec import ChartSpec, ChartUnavailable
from chat.replies import Card, Image, Reply
from engine.models import Bar
from engine.prices import PriceProvider
from engine.prices.failures import PriceUnavailable
from engine.records import DigestRecord

log = logging.getLogger(__name__)

Renderer = Callable[[ChartSpec, Sequence[Bar], str], bytes]
_UNSAFE = re.compile(r"[^A-Za-z0-9.=^-]")
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


@dataclass(frozen=True)
class ChartSettings:
    enabled: bool = True
    in_digest: int = 3  # charts attached to a digest: its strongest signals; 0: none
    palette: str = "light"  # or "dark"


def chart_key(spec: ChartSpec, card_id: int | None) -> str:
    """The file name a chart is kept and sent under: one per signal (card id), else per view."""
    symbol = _UNSAFE.sub("_", spec.symbol)[:20] or "chart"
    if card_id is not None:
        return f"{symbol}-{card_id}.png"
    return f"{symbol}-{spec.at:%Y%m%d%H%M%S}.png"


def alt_text(spec: ChartSpec, sessions: int) -> str:
    what = f"{spec.direction} signal" if spec.direction else "no signal"
    lv = spec.levels
    levels = "" if lv is None else f", entry {lv.entry:g}, stop {lv.stop:g}, target {lv.target:g}"
    return f"{spec.symbol} daily chart, last {sessions} sessions, {what}{levels}"


def _render_signal(spec: ChartSpec, bars: Sequence[Bar], palette: str) -> bytes:
    """draw.render_signal, imported on first use: a bot that makes no chart never loads
    matplotlib (about 30 MB more than the bot's own numpy)."""
    from chat.charts.draw import render_signal

    _return_big_buffers()
    return render_signal(spec, bars, palette)


@functools.cache
def _return_big_buffers() -> None:
    """Ask glibc to give every block of 256 KB and more (a chart's 2 MB canvas, its PNG) straight
    back to the system when freed: by default it raises that threshold after the first such free
    and keeps the canvases in its heap, about 15 MB more for the life of the process (see
    docs/benchmarks.md). Best effort: nothing happens off glibc."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 256 * 1024)
    except (OSError, AttributeError):
        pass


class Charts:
    def __init__(
        self,
        prices: PriceProvider,
        settings: ChartSettings | None = None,
        *,
        render: Renderer | None = None,
        keep: int = 64,
    ) -> None:
        self.prices = prices
        self.settings = settings or ChartSettings()
        self._render = render or _render_signal
        self._keep = keep
        self._made: OrderedDict[str, Image] = OrderedDict()
        self._pending: dict[str, asyncio.Future[Image]] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
        self.renders = 0  # charts drawn so far (tests, logs)

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    async def image(self, spec: ChartSpec, card_id: int | None = None) -> Image:
        """The chart of `spec` (kept by `card_id`); raises ChartUnavailable with one line."""
        key = chart_key(spec, card_id)
        made = self._made.get(key)
        if made is not None:
            self._made.move_to_end(key)
            return made
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Image] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            made = await self._make(spec, key)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        finally:
            del self._pending[key]
        future.set_result(made)
        self._made[key] = made
        while len(self._made) > self._keep:
            self._made.popitem(last=False)
        return made

    async def _make(self, spec: ChartSpec, key: str) -> Image:
        bars, spec = await self.bars_for(spec)
        loop = asyncio.get_running_loop()
        png = await loop.run_in_executor(
            self._worker, self._render, spec, bars, self.settings.palette
        )
        self.renders += 1
        return Image(png, alt_text(spec, min(len(bars), 63)), key)

    async def bars_for(self, spec: ChartSpec) -> tuple[list[Bar], ChartSpec]:
        """The daily bars up to the signal's time (and the spec with a quote if it had none)."""
        try:
            snap = await self.prices.snapshot(spec.symbol, spec.at)
        except PriceUnavailable as exc:
            raise ChartUnavailable(f"no prices for {spec.symbol} to chart: {exc.reason}") from None
        except Exception as exc:  # a provider's bug costs the chart, not the reply
            log.warning("chart prices for %s failed: %r", spec.symbol, exc)
            raise ChartUnavailable(f"no prices for {spec.symbol} to chart right now") from None
        if not snap.bars:
            raise ChartUnavailable(f"no daily prices for {spec.symbol} to chart")
        return snap.bars, spec if spec.quote is not None else replace(spec, quote=snap.quote)

    async def equity(self, r_multiples: Sequence[float], name: str, title: str = "") -> Image:
        """The record as an equity curve in R (outcomes in time order), drawn in the chart
        thread; raises ChartUnavailable with one line when there is no outcome."""
        from chat.charts.equity import render_equity

        _return_big_buffers()
        loop = asyncio.get_running_loop()
        rs = list(r_multiples)
        png = await loop.run_in_executor(
            self._worker, render_equity, rs, self.settings.palette, title
        )
        self.renders += 1
        return Image(png, f"equity curve in R of {len(rs)} closed signals", name)

    async def attach(self, card: Card, spec: ChartSpec) -> Card:
        """`card` with its chart; the card as it was when charts are off or none can be made."""
        if not self.enabled:
            return card
        try:
            return replace(card, chart=await self.image(spec, card.card_id))
        except ChartUnavailable as exc:
            log.info("no chart for %s: %s", spec.symbol, exc)
            return card

    async def digest(self, reply: Reply, record: DigestRecord) -> Reply:
        """The digest's reply with the charts of its `in_digest` strongest signals attached."""
        count = self.settings.in_digest if self.enabled else 0
        ranked = sorted(
            ((s, c) for s, c in record.signal_cards() if c is not None),
            key=lambda pair: abs(pair[0].score),
            reverse=True,
        )
        wanted = {card_id: sig for sig, card_id in ranked[:count]}
        if not wanted:
            return reply
        blocks = []
        for block in reply.blocks:
            if isinstance(block, Card) and block.card_id in wanted:
                block = await self.attach(block, ChartSpec.of_record(wanted.pop(block.card_id)))
            blocks.append(block)
        return replace(reply, blocks=tuple(blocks))
