"""Charts: a signal's daily candles with its levels and headlines (draw.py), the record as an
equity curve in R (equity.py), both from plain data (spec.py) in a light or dark palette
(style.py); `Charts` (service.py) makes each signal's chart once, off the event loop. matplotlib
is imported with draw.py, on the first chart."""

from __future__ import annotations

from chat.charts.service import Charts, ChartSettings
from chat.charts.spec import ChartSpec, ChartUnavailable
from chat.charts.style import PALETTES

__all__ = [
    "PALETTES",
    "ChartSettings",
    "ChartSpec",
    "ChartUnavailable",
    "Charts",
]
