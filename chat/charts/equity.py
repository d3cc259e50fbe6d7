"""The record as an equity curve in R: the running sum of each closed signal's R multiple (its
gain in units of its risk, entry to stop), one point per outcome in time order, wins green and
losses red, with the deepest drawdown shaded. What `/performance` can show under its numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from chat.charts.draw import RENDER_LOCK, new_figure, style_axes, to_png, watermark
from chat.charts.spec import ChartUnavailable
from chat.charts.style import FONT, TITLE_FONT, Palette, palette


def render_equity(
    r_multiples: Sequence[float], palette_name: str = "light", title: str = ""
) -> bytes:
    """The curve as PNG bytes; ChartUnavailable (one line) with no finite outcome to draw."""
    rs = [float(r) for r in r_multiples if math.isfinite(r)]
    if not rs:
        raise ChartUnavailable("no closed signals yet: nothing to chart")
    with RENDER_LOCK:
        return to_png(equity_figure(rs, palette(palette_name), title))


def equity_figure(rs: Sequence[float], pal: Palette, title: str = "") -> Figure:
    curve = np.concatenate(([0.0], np.cumsum(rs)))
    x = np.arange(len(curve))
    fig = new_figure(pal)
    ax = fig.add_axes((0.12, 0.15, 0.83, 0.67))
    style_axes(ax, pal)
    ax.axhline(0, color=pal.muted, linewidth=0.9)
    ax.plot(x, curve, color=pal.entry, linewidth=1.6, gid="equity")
    wins = [i + 1 for i, r in enumerate(rs) if r > 0]
    losses = [i + 1 for i, r in enumerate(rs) if r <= 0]
    size = 4 if len(rs) <= 60 else 2
    ax.plot(wins, curve[wins], "o", color=pal.up, markersize=size, linestyle="none")
    ax.plot(losses, curve[losses], "o", color=pal.down, markersize=size, linestyle="none")
    peak_at, trough_at = deepest_drawdown(curve)
    if trough_at > peak_at:
        ax.axvspan(peak_at, trough_at, color=pal.down, alpha=0.08, linewidth=0)
    spread = float(curve.max() - curve.min()) or 1.0
    ax.set_ylim(float(curve.min()) - spread * 0.08, float(curve.max()) + spread * 0.08)
    ax.set_xlim(-0.5, len(curve) - 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.1f} R" if v else "0 R"))
    ax.set_xlabel("closed signals, oldest first", fontsize=FONT, color=pal.muted)
    total = float(curve[-1])
    won = sum(1 for r in rs if r > 0)
    fig.text(
        0.03,
        0.965,
        title or "Record in R",
        fontsize=TITLE_FONT,
        fontweight="bold",
        color=pal.text,
        va="top",
    )
    drawdown = float(curve[peak_at] - curve[trough_at])
    fig.text(
        0.03,
        0.895,
        f"{len(rs)} closed · {total:+.1f} R · {won / len(rs):.0%} won · "
        f"deepest drawdown {drawdown:.1f} R",
        fontsize=FONT,
        color=pal.muted,
        va="top",
    )
    watermark(fig, pal, "record")
    return fig


def deepest_drawdown(curve: np.ndarray) -> tuple[int, int]:
    """(peak index, trough index) of the largest fall from a running high; equal if none."""
    highs = np.maximum.accumulate(curve)
    falls = highs - curve
    trough = int(np.argmax(falls))
    peak = int(np.argmax(curve[: trough + 1])) if trough else 0
    return peak, trough
