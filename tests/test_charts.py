"""Charts as drawn: valid PNGs of the right size, the levels where their prices are, every bad
input a chart or one line; the equity curve; `Charts` making each signal's chart once."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from support.chartdata import AT, bars, spec

from chat.charts import Charts, ChartSettings, ChartSpec, ChartUnavailable
from chat.charts.draw import SESSIONS, render_signal, signal_figure
from chat.charts.equity import deepest_drawdown, equity_figure, render_equity
from chat.charts.style import LIGHT, price_text, tick_text
from chat.replies import Card
from engine.market import MarketCalendar
from engine.models import Bar
from engine.prices import PriceSnapshot
from engine.prices.failures import PriceUnavailable
from engine.records import DigestRecord

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG) and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_a_chart_is_a_phone_sized_png() -> None:
    png = render_signal(spec(), bars())
    assert png_size(png) == (800, 640)  # shown ~400 px wide by Telegram: 2 px per screen px
    assert 10_000 < len(png) < 200_000
    assert png.endswith(b"IEND\xaeB`\x82")


def _rows_with(rgba: np.ndarray, colour: str, left: int, right: int) -> set[int]:
    """Pixel rows (from the top) where at least 30 pixels between the columns are `colour`."""
    want = np.array(to_rgb(colour)) * 255
    close = np.all(np.abs(rgba[:, left:right, :3].astype(int) - want) < 12, axis=2)
    return {int(r) for r in np.nonzero(close.sum(axis=1) >= 30)[0]}


def test_entry_stop_and_target_are_drawn_at_their_prices() -> None:
    s = spec(250.0)
    fig = signal_figure(s, bars(), LIGHT)
    ax = fig.axes[0]
    levels = {line.get_gid(): line.get_ydata()[0] for line in ax.get_lines() if line.get_gid()}
    assert levels["level:Target"] == pytest.approx(275.0)
    assert levels["level:Entry"] == pytest.approx(250.0)
    assert levels["level:Stop"] == pytest.approx(237.5)
    labels = {t.get_text() for t in ax.texts}
    assert {"Target 275.00", "Entry 250.00", "Stop 237.50", "Last 250.00"} <= labels
    # and in the picture: the target's row is green, the stop's red, where the prices say
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    height = rgba.shape[0]
    x0, x1 = (int(v) for v in ax.transAxes.transform([(0, 0), (1, 0)])[:, 0])
    for price, colour in ((275.0, LIGHT.target), (237.5, LIGHT.stop), (250.0, LIGHT.entry)):
        row = height - ax.transData.transform((0, price))[1]
        found = _rows_with(rgba, colour, x0, x1)
        assert any(abs(r - row) <= 2 for r in found), (price, colour)
    assert not any(
        abs(r - (height - ax.transData.transform((0, 275.0))[1])) <= 2
        for r in _rows_with(rgba, LIGHT.stop, x0, x1)
    )


def test_the_title_has_the_direction_and_score_and_a_stale_quote_says_so() -> None:
    texts = [t.get_text() for t in signal_figure(spec(), bars(), LIGHT).texts]
    assert "TSLA BULLISH · score +0.62" in texts
    assert any("TSLA · TradeTheHype" == t for t in texts)  # the watermark
    stale = [t.get_text() for t in signal_figure(spec(stale=True), bars(), LIGHT).texts]
    assert "STALE" in stale and "no levels: the price is stale" in stale


def test_headlines_are_marked_at_their_sessions() -> None:
    fig = signal_figure(spec(headlines=3), bars(), LIGHT)
    ax = fig.axes[0]
    marks = [line for line in ax.get_lines() if line.get_marker() == "v"]
    assert marks and all(line.get_xdata()[0] == SESSIONS for line in marks)  # after the bars
    assert "3" in {t.get_text() for t in ax.texts}  # three headlines on one session


def _flat(count: int) -> list[Bar]:
    return [replace(b, open=100.0, high=100.0, low=100.0, close=100.0) for b in bars(count)]


@pytest.mark.parametrize(
    ("case", "chart_spec", "chart_bars"),
    [
        ("one bar", spec(), bars(1)),
        ("a flat price", spec(100.0), _flat(80)),
        ("a gap of months", spec(), bars(80, gap_after=20)),
        ("a huge price", spec(100_000.0), bars(120, base=100_000.0)),
        ("a tiny price", spec(0.0001), bars(120, base=0.0001)),
        ("a stale quote", spec(stale=True), bars()),
        ("no levels, no signal", spec(direction=None, levels=False, headlines=0), bars()),
        ("no volume", spec(), [replace(b, volume=0.0) for b in bars()]),
    ],
)
def test_bad_input_still_makes_a_readable_chart(
    case: str, chart_spec: ChartSpec, chart_bars: list[Bar]
) -> None:
    png = render_signal(chart_spec, chart_bars, "dark")
    assert png_size(png) == (800, 640), case


def test_a_gap_of_months_is_marked_and_tiny_prices_are_not_scientific() -> None:
    ax = signal_figure(spec(), bars(80, gap_after=20), LIGHT).axes[0]
    assert any(t.get_text().endswith("d gap") for t in ax.texts)
    tiny = signal_figure(spec(0.0001), bars(120, base=0.0001), LIGHT).axes[0]
    labels = {t.get_text() for t in tiny.texts}
    assert "Stop 0.000095" in labels and not any("e-" in label for label in labels)
    assert price_text(100_000) == "100,000" and price_text(0.0001) == "0.0001"


def test_no_bars_is_one_line_not_a_traceback() -> None:
    with pytest.raises(ChartUnavailable, match="^no daily prices for TSLA to chart$"):
        render_signal(spec(), [])


def test_bars_after_the_signal_are_left_out() -> None:
    later = [replace(b, ts=b.ts.replace(year=2027)) for b in bars(5)]
    fig = signal_figure(spec(), bars(30), LIGHT)
    assert len(fig.axes[1].patches) == 30
    assert png_size(render_signal(spec(), bars(30) + later)) == (800, 640)


# -- the equity curve ---------------------------------------------------------------------------


def test_the_equity_curve_is_the_running_sum_of_r() -> None:
    rs = [1.5, -1.0, 2.0, -1.0, -1.0, 3.0]
    ax = equity_figure(rs, LIGHT).axes[0]
    curve = next(line for line in ax.get_lines() if line.get_gid() == "equity")
    assert list(curve.get_ydata()) == pytest.approx([0, 1.5, 0.5, 2.5, 1.5, 0.5, 3.5])
    assert deepest_drawdown(np.array(curve.get_ydata())) == (3, 5)
    texts = [t.get_text() for t in ax.figure.texts]
    assert "6 closed · +3.5 R · 50% won · deepest drawdown 2.0 R" in texts
    assert png_size(render_equity(rs, "dark")) == (800, 640)


@pytest.mark.asyncio
async def test_charts_draws_the_equity_curve_in_its_thread() -> None:
    charts = Charts(Prices(), ChartSettings(palette="dark"))
    image = await charts.equity([1.0, -1.0, 2.5], "record.png", "Last 30 days")
    assert png_size(image.png) == (800, 640) and image.name == "record.png"
    assert image.alt == "equity curve in R of 3 closed signals"
    with pytest.raises(ChartUnavailable):
        await charts.equity([], "record.png")


def test_an_equity_curve_of_nothing_is_one_line() -> None:
    with pytest.raises(ChartUnavailable, match="no closed signals yet"):
        render_equity([float("nan")])
    assert png_size(render_equity([-1.0])) == (800, 640)  # one loss is a curve too


# -- Charts: each signal's chart once ----------------------------------------------------------


class Prices:
    """A price provider of fixed bars that counts its look-ups."""

    name = "test"

    def __init__(self, data: list[Bar] | None = None) -> None:
        self.calendar = MarketCalendar()
        self.data = bars() if data is None else data
        self.asked: list[tuple[str, datetime]] = []

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        self.asked.append((symbol, now))
        if symbol == "GONE":
            raise PriceUnavailable(symbol, "no price file GONE.csv")
        return PriceSnapshot(spec().quote, [b for b in self.data if b.ts <= now])  # type: ignore[arg-type]


def counting() -> tuple[list[str], object]:
    drawn: list[str] = []

    def render(s: ChartSpec, b: Sequence[Bar], palette: str) -> bytes:
        drawn.append(f"{s.symbol}:{palette}")
        return render_signal(s, b, palette)

    return drawn, render


@pytest.mark.asyncio
async def test_a_signals_chart_is_made_once_even_when_asked_at_once() -> None:
    drawn, render = counting()
    charts = Charts(Prices(), ChartSettings(palette="dark"), render=render)  # type: ignore[arg-type]
    first, *others = await asyncio.gather(*(charts.image(spec(), 7) for _ in range(5)))
    again = await charts.image(spec(), 7)
    assert drawn == ["TSLA:dark"] and charts.renders == 1
    assert all(o is first for o in others) and again is first
    assert first.name == "TSLA-7.png" and first.png.startswith(PNG)
    assert first.alt.startswith("TSLA daily chart") and "entry 250" in first.alt
    other = await charts.image(replace(spec(), direction="bearish"), 8)  # another signal
    assert other.name == "TSLA-8.png" and other.png != first.png and charts.renders == 2


@pytest.mark.asyncio
async def test_attach_leaves_the_card_alone_when_charts_are_off_or_impossible() -> None:
    card = Card("TSLA", "Tesla", "bullish", card_id=3)
    off = Charts(Prices(), ChartSettings(enabled=False))
    assert await off.attach(card, spec()) is card
    none = Charts(Prices([]))
    assert (await none.attach(card, spec())).chart is None
    gone = Charts(Prices())
    with pytest.raises(ChartUnavailable, match="^no prices for GONE to chart: no price file"):
        await gone.image(replace(spec(), symbol="GONE"))
    attached = await gone.attach(card, spec())
    assert attached.chart is not None and attached.chart.name == "TSLA-3.png"


def _digest(scores: dict[str, float]) -> DigestRecord:
    signals = [
        {
            "symbol": sym,
            "name": sym,
            "direction": "bullish" if score > 0 else "bearish",
            "score": score,
            "confidence": 0.9,
            "sentiment": score,
            "technical": 0.0,
            "price": {"last": 250.0, "as_of": AT.isoformat(), "stale": False},
            "levels": {"entry": 250.0, "stop": 240.0, "target": 270.0},
            "articles": [],
        }
        for sym, score in scores.items()
    ]
    doc = {
        "generated_at": AT.isoformat(),
        "backend": "test",
        "signals": signals,
        "articles_seen": 3,
    }
    return DigestRecord.parse({"digest": doc, "card_ids": list(range(1, len(signals) + 1))})


@pytest.mark.asyncio
async def test_a_digest_gets_the_charts_of_its_strongest_signals_only() -> None:
    from chat.core import digest_reply

    record = _digest({"AAA": 0.4, "BBB": -0.9, "CCC": 0.7})
    reply = digest_reply(record, AT.tzinfo)  # type: ignore[arg-type]
    two = await Charts(Prices(), ChartSettings(in_digest=2)).digest(reply, record)
    assert [(c.symbol, c.chart is not None) for c in two.cards] == [
        ("AAA", False),
        ("BBB", True),
        ("CCC", True),
    ]
    assert [c.chart.name for c in two.cards if c.chart] == ["BBB-2.png", "CCC-3.png"]
    none = await Charts(Prices(), ChartSettings(in_digest=0)).digest(reply, record)
    assert none is reply


def test_price_ticks_carry_the_decimals_their_step_needs() -> None:
    """A 1.5 step once read 21, 22, 24, 26 for 21.0, 22.5, 24.0, 25.5: levels looked misplaced."""
    assert [tick_text(v, 1.5) for v in (21.0, 22.5, 24.0, 25.5)] == ["21.0", "22.5", "24.0", "25.5"]
    assert [tick_text(v, 2.0) for v in (20.0, 22.0)] == ["20", "22"]
    assert tick_text(0.00025, 0.00005) == "0.00025" and tick_text(100_000, 5_000) == "100,000"
