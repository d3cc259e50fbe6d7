"""The backtest: the engine's digests replayed over real history, and what became of them.

- `news.py`: the headlines CSV, and `ReplayNews` (what was published before the replay clock);
- `prices.py`: `ReplayPrices` (the engine's prices, never after the clock) and `History` (the
  bars after a signal, which only the outcome measurement reads);
- `replay.py`: every trading day's digests built by `SignalEngine` itself on a `FixedClock`;
- `trades.py`: a signal entered at the next price, its levels moved with it, and followed;
- `baselines.py`: always long and random direction on the same candidates;
- `report.py`: the figures (`engine.performance`), the verdict and the JSON document;
- `scorecache.py`: sentiment scores kept between runs.

The command line (`tradethehype backtest`) is `bot/cli_backtest.py`.
"""
