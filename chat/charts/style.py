"""What every chart shares: the two palettes, the figure size, number formats, the watermark.

Sizes are chosen for a phone: the PNG is 800 px wide and Telegram shows it about 400 px wide, so a
9-point label at 160 dpi (20 px) is still about 10 px on the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

PaletteName = Literal["light", "dark"]
PALETTES: tuple[PaletteName, ...] = ("light", "dark")

WIDTH_IN, HEIGHT_IN, DPI = 5.0, 4.0, 160  # 800 x 640 px
BRAND = "TradeTheHype"
FONT = 8.0  # points: tick labels, tags, legend
TITLE_FONT = 11.0


@dataclass(frozen=True)
class Palette:
    background: str
    text: str
    muted: str
    grid: str
    up: str  # a candle that closed higher than it opened
    down: str
    sma20: str
    sma50: str
    entry: str
    stop: str  # always a red
    target: str  # always a green
    headline: str
    last: str  # the last price's tag
    tag_text: str  # text on a coloured tag


LIGHT = Palette(
    background="#ffffff",
    text="#1f2328",
    muted="#6e7781",
    grid="#e6e8eb",
    up="#1a9850",
    down="#d73027",
    sma20="#1f6feb",
    sma50="#e36209",
    entry="#0550ae",
    stop="#cf222e",
    target="#1a7f37",
    headline="#8250df",
    last="#57606a",
    tag_text="#ffffff",
)

DARK = Palette(
    background="#161b22",
    text="#e6edf3",
    muted="#8b949e",
    grid="#30363d",
    up="#3fb950",
    down="#f85149",
    sma20="#58a6ff",
    sma50="#d29922",
    entry="#388bfd",
    stop="#da3633",
    target="#238636",
    headline="#d2a8ff",
    last="#545d68",
    tag_text="#ffffff",
)


def palette(name: str) -> Palette:
    return DARK if name == "dark" else LIGHT


def price_text(value: float) -> str:
    """A price short enough for a tag: 105,250 · 251.30 · 0.0001234."""
    size = abs(value)
    if size >= 10_000:
        return f"{value:,.0f}"
    if size >= 1 or size == 0:
        return f"{value:,.2f}"
    decimals = min(-math.floor(math.log10(size)) + 2, 10)  # three significant digits
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def tick_text(value: float, step: float) -> str:
    """A y-axis label with as many decimals as the tick step needs (no scientific notation)."""
    if step <= 0 or not math.isfinite(step):
        return price_text(value)
    decimals = next(  # enough to tell ticks apart: a 1.5 step needs one ("22.5", never "22")
        (d for d in range(11) if abs(round(step, d) - step) <= step * 1e-6), 10
    )
    return f"{value:,.{decimals}f}"


def volume_text(value: float) -> str:
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:.0f}"
