"""Regenerate the demo's synthetic price bars in bot/sample/prices (deterministic).

The bars are made up (a seeded random walk with a drift per ticker); they exist so that
`tradethehype demo` shows live-looking prices, technicals and levels offline.
Usage: .venv/bin/python scripts/make_sample_prices.py
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import exchange_calendars as xcals
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "bot" / "sample" / "prices"
LAST_DAILY = "2026-11-19"
REPLAY_DAY_OPEN = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)

# symbol: (start price, daily drift, daily volatility, last intraday bar minute after the open)
TICKERS: dict[str, tuple[float, float, float, int]] = {
    "TSLA": (310.0, 0.004, 0.025, 55),
    "NVDA": (160.0, 0.003, 0.022, 55),
    "AMD": (190.0, 0.002, 0.024, 55),
    "INTC": (38.0, -0.004, 0.021, 55),
    "BA": (215.0, -0.002, 0.018, 10),  # its feed stopped at 09:40: the demo shows a stale price
    "PFE": (27.0, -0.003, 0.014, 55),
    "AAPL": (228.0, 0.0005, 0.012, 55),
}


def main() -> None:
    cal = xcals.get_calendar("XNYS", start="2026-01-01", end="2026-12-31")
    sessions = cal.sessions_in_range("2026-07-01", LAST_DAILY)[-80:]
    OUT.mkdir(parents=True, exist_ok=True)
    for n, (symbol, (price, drift, vol, last_minute)) in enumerate(sorted(TICKERS.items())):
        rng = np.random.default_rng(1000 + n)
        rows = ["timestamp,open,high,low,close,volume"]
        close = price
        for day in sessions:
            open_ = close * (1 + rng.normal(0, vol / 4))
            close = open_ * (1 + drift + rng.normal(0, vol))
            high = max(open_, close) * (1 + abs(rng.normal(0, vol / 2)))
            low = min(open_, close) * (1 - abs(rng.normal(0, vol / 2)))
            volume = int(rng.integers(5_000_000, 60_000_000))
            rows.append(f"{day.date()},{open_:.2f},{high:.2f},{low:.2f},{close:.2f},{volume}")
        for minute in range(0, last_minute + 1, 5):
            ts = REPLAY_DAY_OPEN + timedelta(minutes=minute)
            open_ = close
            close = open_ * (1 + drift / 10 + rng.normal(0, vol / 8))
            high = max(open_, close) * 1.001
            low = min(open_, close) * 0.999
            volume = int(rng.integers(100_000, 900_000))
            rows.append(f"{ts.isoformat()},{open_:.2f},{high:.2f},{low:.2f},{close:.2f},{volume}")
        (OUT / f"{symbol}.csv").write_text("\n".join(rows) + "\n")
        print(f"wrote {OUT / (symbol + '.csv')}")


if __name__ == "__main__":
    main()
