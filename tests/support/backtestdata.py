"""Small hand-made backtest inputs whose outcomes are known (tests/test_backtest*.py).

The week of 2025-03-03 (New York on EST): the default digest at 06:30 America/Phoenix is 08:30 in
New York, before the open, so a signal enters at that session's open. Each price file has five
flat sessions before (close = the last price the engine sees), then a hand-made path. With under
15 bars there is no ATR, so the engine's unit is 2% of the last close: stop 1.5 units, target 3.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

BEFORE = [date(2025, 2, d) for d in (24, 25, 26, 27, 28)]
WEEK = [date(2025, 3, d) for d in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)]

# ticker -> (last close before, [(open, high, low, close) from 2025-03-03 on])
PATHS: dict[str, tuple[float, list[tuple[float, float, float, float]]]] = {
    # bullish: unit 2, entry 101 (open), levels moved +1: stop 98, target 107 -> target on 3/4
    "AAPL": (100.0, [(101, 103, 99.5, 102), (102, 108, 101, 107.5)]),
    # bearish: unit 4, entry 198, levels moved -2: stop 204, target 186 -> stop on 3/3
    "TSLA": (200.0, [(198, 205, 190, 195)]),
    # bullish: unit 1, entry 50.5, levels moved +0.5: stop 49, target 53.5; 3/3 reaches both
    "NVDA": (50.0, [(50.5, 54, 48.8, 52)]),
    # no news: never a candidate
    "KO": (60.0, []),
}

NEWS = [
    ("2025-03-03T12:00:00Z", "Apple beats estimates and raises its outlook"),
    ("2025-03-03T12:05:00Z", "Tesla deliveries slump as demand falls"),
    ("2025-03-03T12:10:00+00:00", "Nvidia shares jump on record data center sales"),
    ("2025-03-03T12:15:00Z", "Microsoft climbs after upgrade"),  # no MSFT price file
    # published after the 3/3 digest (13:30 UTC) and stale by the 3/4 one: never a signal
    ("2025-03-03T13:31:00Z", "Amazon soars on record holiday sales"),
]

SIGNALS = {"AAPL": ("bullish", "target", 2.0), "TSLA": ("bearish", "stop", -1.0)}
SIGNALS["NVDA"] = ("bullish", "stop", -1.0)


def write_news(path: Path, rows: list[tuple[str, str]] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["published_at", "source", "title"])
        for at, title in rows if rows is not None else NEWS:
            writer.writerow([at, "wire", title])
    return path


def bars(symbol: str, poison_from: date | None = None) -> list[list[str]]:
    """Yahoo-style rows (Date, Open, High, Low, Close, Adj Close, Volume) for `symbol`; from
    `poison_from` on every price is absurd (a poisoned future)."""
    last, path = PATHS[symbol]
    rows = [(d, (last, last, last, last)) for d in BEFORE]
    rows += list(zip(WEEK, path + [(last, last * 1.01, last * 0.99, last)] * 10, strict=False))
    out = []
    for day, (o, h, low, c) in rows:
        if poison_from is not None and day >= poison_from:
            o, h, low, c = 5 * o, 9 * h, 0.2 * low, 7 * c
        out.append([day.isoformat(), f"{o:g}", f"{h:g}", f"{low:g}", f"{c:g}", f"{c:g}", "1000"])
    return out


def write_prices(folder: Path, poison_from: date | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for symbol in PATHS:
        with (folder / f"{symbol}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"])
            writer.writerows(bars(symbol, poison_from))
            if symbol == "KO":
                writer.writerow(["2025-03-17", "null", "null", "null", "null", "null", "null"])
    return folder


def daily_news(first: date, days: int) -> list[tuple[str, str]]:
    """A fresh positive Apple headline before every digest for `days` days from `first`."""
    rows = []
    for i in range(days):
        day = first + timedelta(days=i)
        rows.append((f"{day.isoformat()}T12:00:00Z", f"Apple beats estimates, day {i}"))
    return rows
