"""A signal's chart: about three months of daily candles with SMA 20 and 50, volume below, the
entry / stop / target as labelled lines, a marker at each headline's time, the last price.

Drawn with matplotlib's object API on the Agg canvas: a `Figure` made here is referenced by
nothing once its PNG is written (pyplot, which keeps figures alive, is never imported). The x axis
counts sessions, not calendar days, so weekends leave no holes; a gap of more than ten days in the
data is marked. Everything is one call, `render_signal`, that holds `RENDER_LOCK` (matplotlib's
font and text caches are shared by every figure).
"""

from __future__ import annotations

import io
import threading
from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from chat.charts.spec import ChartSpec, ChartUnavailable
from chat.charts.style import (
    BRAND,
    DPI,
    FONT,
    HEIGHT_IN,
    TITLE_FONT,
    WIDTH_IN,
    Palette,
    palette,
    price_text,
    tick_text,
    volume_text,
)
from chat.text import et_time
from engine.market import NEW_YORK
from engine.models import Bar

RENDER_LOCK = threading.Lock()
SESSIONS = 63  # about three months of trading days
GAP = timedelta(days=10)  # more than this between two bars is marked as a gap in the data
TAG_GAP = 0.075  # the least distance between two tags on the right, in axes fractions


def new_figure(pal: Palette) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=pal.background)
    FigureCanvasAgg(fig)
    return fig


def style_axes(ax: Axes, pal: Palette) -> None:
    ax.set_facecolor(pal.background)
    ax.tick_params(colors=pal.muted, labelsize=FONT, length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(pal.grid)
    ax.grid(True, color=pal.grid, linewidth=0.6)
    ax.set_axisbelow(True)


def to_png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor=fig.get_facecolor())
    return out.getvalue()


def watermark(fig: Figure, pal: Palette, symbol: str) -> None:
    fig.text(
        0.985,
        0.012,
        f"{symbol} · {BRAND}",
        ha="right",
        va="bottom",
        fontsize=FONT - 1,
        color=pal.muted,
        alpha=0.7,
    )


def sma(closes: np.ndarray, window: int) -> np.ndarray:
    """The simple moving average; NaN until `window` closes exist."""
    out = np.full(closes.shape, np.nan)
    if len(closes) >= window:
        sums = np.cumsum(np.insert(closes, 0, 0.0))
        out[window - 1 :] = (sums[window:] - sums[:-window]) / window
    return out


def render_signal(spec: ChartSpec, bars: Sequence[Bar], palette_name: str = "light") -> bytes:
    """The chart as PNG bytes; ChartUnavailable (one line) when there is nothing to draw."""
    usable = [b for b in bars if b.ts <= spec.at] or list(bars)
    if not usable:
        raise ChartUnavailable(f"no daily prices for {spec.symbol} to chart")
    with RENDER_LOCK:
        fig = signal_figure(spec, usable, palette(palette_name))
        return to_png(fig)


def signal_figure(spec: ChartSpec, bars: Sequence[Bar], pal: Palette) -> Figure:
    closes_all = np.array([b.close for b in bars], dtype=float)
    shown = bars[-SESSIONS:]
    start = len(bars) - len(shown)
    fig = new_figure(pal)
    ax = fig.add_axes((0.145, 0.30, 0.655, 0.55))
    vol = fig.add_axes((0.145, 0.08, 0.655, 0.18), sharex=ax)
    for a in (ax, vol):
        style_axes(a, pal)
    n = len(shown)
    x = np.arange(n)
    candles(ax, shown, x, pal)
    for window, colour in ((20, pal.sma20), (50, pal.sma50)):
        line = sma(closes_all, window)[start:]
        if not np.all(np.isnan(line)):
            ax.plot(x, line, color=colour, linewidth=1.1, label=f"SMA {window}")
    volumes(vol, shown, x, pal)
    lo, hi = y_range(shown, spec)
    ax.set_ylim(lo, hi)
    ax.set_xlim(-0.8, n - 0.2 + (1 if later_than(spec, shown) else 0))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    step = _step(ax)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_text(v, step)))
    ax.tick_params(labelbottom=False)
    date_ticks(vol, shown)
    gaps(ax, shown, pal)
    headline_marks(ax, spec, shown, pal)
    tags(ax, spec, pal)
    header(fig, spec, pal)
    legend(ax, pal, len(spec.headline_times) > 0)
    watermark(fig, pal, spec.symbol)
    return fig


def candles(ax: Axes, bars: Sequence[Bar], x: np.ndarray, pal: Palette) -> None:
    opens = np.array([b.open for b in bars])
    closes = np.array([b.close for b in bars])
    highs = np.array([max(b.high, b.open, b.close) for b in bars])
    lows = np.array([min(b.low, b.open, b.close) for b in bars])
    colours = [pal.up if c >= o else pal.down for o, c in zip(opens, closes, strict=True)]
    span = float(highs.max() - lows.min()) or abs(float(closes[-1])) * 0.02
    ax.vlines(x, lows, highs, colors=colours, linewidth=0.9)
    bodies = np.maximum(np.abs(closes - opens), span * 0.004)  # a flat day is still a line
    ax.bar(x, bodies, bottom=np.minimum(opens, closes), width=0.65, color=colours, linewidth=0)


def volumes(ax: Axes, bars: Sequence[Bar], x: np.ndarray, pal: Palette) -> None:
    vols = np.array([b.volume for b in bars], dtype=float)
    colours = [pal.up if b.close >= b.open else pal.down for b in bars]
    if not np.any(vols > 0):
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            "no volume data",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=FONT,
            color=pal.muted,
        )
        return
    ax.bar(x, vols, width=0.65, color=colours, alpha=0.55, linewidth=0)
    ax.set_ylim(0, float(vols.max()) * 1.1)
    ax.yaxis.set_major_locator(MaxNLocator(2))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: volume_text(v)))


def y_range(bars: Sequence[Bar], spec: ChartSpec) -> tuple[float, float]:
    """The price range to show: the bars, the levels and the last price, with a margin."""
    values = [b.low for b in bars] + [b.high for b in bars]
    if spec.levels is not None:
        values += [spec.levels.entry, spec.levels.stop, spec.levels.target]
    if spec.quote is not None:
        values.append(spec.quote.last)
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.06, abs(hi) * 0.01)  # a flat price still gets a readable band
    bottom = max(lo - pad, 0.0) if lo > 0 else lo - pad
    return bottom, hi + pad + (hi + pad - bottom) * 0.12  # room for the legend and markers


def later_than(spec: ChartSpec, bars: Sequence[Bar]) -> bool:
    """True when the last price is newer than the last completed session (it gets a slot)."""
    return spec.quote is not None and spec.quote.as_of > bars[-1].ts


def _step(ax: Axes) -> float:
    ticks = ax.yaxis.get_major_locator().tick_values(*ax.get_ylim())
    return float(ticks[1] - ticks[0]) if len(ticks) > 1 else 0.0


def date_ticks(ax: Axes, bars: Sequence[Bar]) -> None:
    n = len(bars)
    count = min(n, 4)
    places = sorted({round(i * (n - 1) / max(count - 1, 1)) for i in range(count)})
    labels = [bars[i].ts.astimezone(NEW_YORK).strftime("%d %b") for i in places]
    ax.xaxis.set_major_locator(FixedLocator(places))
    ax.set_xticks(places, labels)


def gaps(ax: Axes, bars: Sequence[Bar], pal: Palette) -> None:
    for i in range(1, len(bars)):
        days = (bars[i].ts - bars[i - 1].ts).days
        if bars[i].ts - bars[i - 1].ts > GAP:
            ax.axvline(i - 0.5, color=pal.muted, linestyle=":", linewidth=1)
            ax.text(
                i - 0.4,
                0.02,
                f"{days} d gap",
                transform=ax.get_xaxis_transform(),
                fontsize=FONT - 1,
                color=pal.muted,
                ha="left",
                va="bottom",
            )


def session_index(bars: Sequence[Bar], when: datetime) -> int | None:
    """The slot of the session a headline belongs to: the first bar closing at or after it;
    after the last bar, the slot to its right; before the first shown bar, None."""
    if when < bars[0].ts - timedelta(days=1):
        return None
    return bisect_left([b.ts for b in bars], when)


def headline_marks(ax: Axes, spec: ChartSpec, bars: Sequence[Bar], pal: Palette) -> None:
    counts: dict[int, int] = {}
    for when in spec.headline_times:
        i = session_index(bars, when)
        if i is not None:
            counts[min(i, len(bars))] = counts.get(min(i, len(bars)), 0) + 1
    if not counts:
        return
    if max(counts) >= len(bars):  # news after the last completed session: give it a slot
        left, right = ax.get_xlim()
        ax.set_xlim(left, max(right, len(bars) + 0.5))
    top = ax.get_xaxis_transform()
    for i, count in sorted(counts.items()):
        ax.axvline(i, color=pal.headline, linewidth=0.8, alpha=0.35)
        ax.plot(
            [i],
            [0.965],
            marker="v",
            markersize=6,
            color=pal.headline,
            transform=top,
            clip_on=False,
            linestyle="none",
        )
        if count > 1:
            ax.text(
                i + 0.45,
                0.965,
                str(count),
                transform=top,
                fontsize=FONT - 1,
                color=pal.headline,
                va="center",
                ha="left",
            )


def tags(ax: Axes, spec: ChartSpec, pal: Palette) -> None:
    """The levels as lines with coloured tags on the right; the last price as a grey tag."""
    wanted: list[tuple[float, str, str]] = []
    if spec.levels is not None:
        lv = spec.levels
        for value, name, colour in (
            (lv.target, "Target", pal.target),
            (lv.entry, "Entry", pal.entry),
            (lv.stop, "Stop", pal.stop),
        ):
            ax.axhline(value, color=colour, linewidth=1.3, linestyle="--", gid=f"level:{name}")
            wanted.append((value, f"{name} {price_text(value)}", colour))
    if spec.quote is not None:
        q = spec.quote
        colour = pal.stop if q.stale else pal.last
        ax.plot(
            [ax.get_xlim()[1] - 0.6],
            [q.last],
            marker="o",
            markersize=4,
            color=colour,
            linestyle="none",
            gid="last",
        )
        wanted.append((q.last, f"Last {price_text(q.last)}", colour))
    lo, hi = ax.get_ylim()
    for frac, (_, label, colour) in zip(
        spread([(v - lo) / (hi - lo) for v, _, _ in wanted]), wanted, strict=True
    ):
        ax.text(
            1.015,
            frac,
            label,
            transform=ax.transAxes,
            fontsize=FONT - 0.5,
            va="center",
            ha="left",
            color=pal.tag_text,
            fontweight="bold",
            clip_on=False,
            bbox={"boxstyle": "round,pad=0.25", "facecolor": colour, "edgecolor": "none"},
        )


def spread(fracs: list[float]) -> list[float]:
    """Tag heights (axes fractions) moved apart just enough not to overlap, order kept."""
    order = sorted(range(len(fracs)), key=lambda i: fracs[i])
    placed = [0.0] * len(fracs)
    floor = -1.0
    for i in order:
        placed[i] = max(fracs[i], floor + TAG_GAP)
        floor = placed[i]
    overflow = max(placed, default=0.0) - 1.0
    if overflow > 0:  # pushed off the top: shift the stack down
        placed = [p - overflow for p in placed]
    return placed


def header(fig: Figure, spec: ChartSpec, pal: Palette) -> None:
    if spec.direction:
        colour = pal.target if spec.direction == "bullish" else pal.stop
        score = f" · score {spec.score:+.2f}" if spec.score is not None else ""
        title = f"{spec.symbol} {spec.direction.upper()}{score}"
    else:
        colour, title = pal.text, f"{spec.symbol} · no signal"
    fig.text(0.03, 0.965, title, fontsize=TITLE_FONT, fontweight="bold", color=colour, va="top")
    name = spec.name if len(spec.name) <= 34 else spec.name[:33] + "…"
    fig.text(0.03, 0.905, name, fontsize=FONT, color=pal.muted, va="top")
    if spec.quote is not None:
        q = spec.quote
        when = f"last {price_text(q.last)} · {et_time(q.as_of)}"
        fig.text(
            0.97,
            0.965,
            "STALE" if q.stale else "",
            fontsize=FONT + 1,
            fontweight="bold",
            color=pal.stop,
            ha="right",
            va="top",
        )
        fig.text(
            0.97,
            0.905,
            when,
            fontsize=FONT,
            color=pal.stop if q.stale else pal.muted,
            ha="right",
            va="top",
        )
    if spec.levels is None and spec.direction:
        reason = "no levels: the price is stale" if spec.quote and spec.quote.stale else "no levels"
        fig.text(0.03, 0.87, reason, fontsize=FONT - 0.5, color=pal.muted, va="top")


def legend(ax: Axes, pal: Palette, headlines: bool) -> None:
    handles = list(ax.get_lines())
    handles = [h for h in handles if str(h.get_label()).startswith("SMA")]
    if headlines:
        handles.append(
            Line2D([], [], color=pal.headline, marker="v", linestyle="none", label="headline")
        )
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            fontsize=FONT - 1,
            frameon=True,
            ncol=3,
            facecolor=pal.background,
            edgecolor="none",
            labelcolor=pal.text,
            framealpha=0.8,
            borderaxespad=0.3,
            handlelength=1.4,
            columnspacing=1.0,
        )
