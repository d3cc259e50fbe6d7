"""Baselines on the same days and tickers as the signals' candidates, with the same level rules.

A candidate is a ticker the engine priced at a digest: its news was strong enough to make a
signal if the score allowed (the engine prices nothing else). Each ticker counts once a day.
- **always long**: every candidate bought;
- **random direction**: every candidate long or short by a seeded coin, averaged over 50 draws
  (each draw summarised on its own, then every figure and interval bound averaged).
Both use the engine's levels (1.5 / 3 ATR(14) of the earlier sessions around the last price,
moved to the entry like a signal's) and are followed exactly like the signals.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import fields
from datetime import date

from engine.backtest.prices import History, Priced
from engine.backtest.trades import BacktestTrade, Pick, enter, settle
from engine.market import NEW_YORK
from engine.models import Direction
from engine.performance import RESAMPLES, Summary, summarise
from engine.technicals import atr
from engine.technicals import levels as make_levels

DRAWS = 50
DIRECTIONS: tuple[Direction, Direction] = ("bullish", "bearish")


def candidate_trades(
    priced: Sequence[Priced], history: History, horizon: int
) -> list[dict[Direction, BacktestTrade]]:
    """Each candidate (one per ticker and day) traded both ways."""
    seen: set[tuple[date, str]] = set()
    out: list[dict[Direction, BacktestTrade]] = []
    for p in priced:
        key = (p.at.astimezone(NEW_YORK).date(), p.symbol)
        series = history.get(p.symbol)
        if p.snapshot is None or series is None or key in seen:
            continue
        seen.add(key)
        last, unit = p.snapshot.quote.last, atr(p.snapshot.bars)
        both: dict[Direction, BacktestTrade] = {}
        for direction in DIRECTIONS:
            pick = Pick(p.symbol, direction, 0.5, p.at, make_levels(direction, last, unit))
            entered = enter(pick, series)
            if entered is not None:
                both[direction] = settle(entered, series, horizon)
        if len(both) == 2:
            out.append(both)
    return out


def always_long(candidates: Sequence[dict[Direction, BacktestTrade]], seed: int) -> Summary:
    return summarise([c["bullish"].trade for c in candidates], seed=seed)


def random_direction(
    candidates: Sequence[dict[Direction, BacktestTrade]], seed: int, draws: int = DRAWS
) -> Summary:
    """The summary of a seeded coin's directions, averaged over `draws` draws."""
    rng = random.Random(seed)
    summaries = []
    for draw in range(draws):
        trades = [c[rng.choice(DIRECTIONS)].trade for c in candidates]
        summaries.append(summarise(trades, seed=seed + draw, resamples=RESAMPLES // 10))
    return mean_summary(summaries)


def mean_summary(summaries: Sequence[Summary]) -> Summary:
    """Every figure (and interval bound) averaged over the summaries that have it."""
    values = {}
    for f in fields(Summary):
        got = [getattr(s, f.name) for s in summaries if getattr(s, f.name) is not None]
        if not got:
            values[f.name] = None
        elif isinstance(got[0], tuple):
            values[f.name] = (sum(g[0] for g in got) / len(got), sum(g[1] for g in got) / len(got))
        elif isinstance(got[0], int):
            values[f.name] = round(sum(got) / len(got))
        else:
            values[f.name] = sum(got) / len(got)
    return Summary(**values)
