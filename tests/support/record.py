"""Signals recorded the way a scheduled digest records them, and hand-made daily price files whose
outcomes are known (tests of outcomes, /performance and the notices)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from engine.models import Digest, Direction, Levels, Quote, Signal
from engine.outcomes import Outcome
from engine.records import DigestRecord
from engine.serialize import digest_to_dict, signal_to_dict
from engine.store import NewSignal, Store, StoredDigest

SCHEDULE = "06:30 America/Phoenix"
OHLC = tuple[float, float, float, float]


async def record_signal(
    store: Store,
    symbol: str,
    direction: Direction,
    at: datetime,
    levels: tuple[float, float, float] | None,
    *,
    price: float | None = None,
    confidence: float = 0.8,
    slot: str | None = None,
) -> StoredDigest:
    """One signal recorded in its own scheduled digest at `at`: `levels` (entry, stop, target),
    or None for a stale price (direction only, followed from `price`)."""
    last = price if price is not None else (levels[0] if levels else 100.0)
    quote = Quote(symbol, last, at, stale=levels is None, market_open=True, source="csv")
    sig = Signal(
        symbol=symbol,
        name=f"{symbol} Inc.",
        direction=direction,
        score=0.5 if direction == "bullish" else -0.5,
        confidence=confidence,
        sentiment=0.6 if direction == "bullish" else -0.6,
        technical=0.1,
        quote=quote,
        levels=None if levels is None else Levels(*levels),
        technicals=None,
        backend="keyword",
    )
    digest = Digest(generated_at=at, backend="keyword", signals=[sig], articles_seen=1)
    key = slot or f"{SCHEDULE} {at.isoformat()} {symbol}"
    new = NewSignal(
        symbol=symbol,
        direction=direction,
        score=sig.score,
        confidence=confidence,
        price=last,
        price_as_of=at,
        entry=levels[0] if levels else None,
        stop=levels[1] if levels else None,
        target=levels[2] if levels else None,
        backend="keyword",
        payload=dict(signal_to_dict(sig), generated_at=at.isoformat()),
    )
    return await store.record_digest(
        slot=key,
        schedule=SCHEDULE,
        signals=[new],
        now=at,
        cooldown_days=0,
        compose=lambda rec: DigestRecord.payload(
            digest_to_dict(digest), [r.card_id for r in rec], [], key
        ),
    )


def write_prices(
    folder: Path,
    symbol: str,
    days: Sequence[tuple[str, OHLC]],
    intraday: Sequence[tuple[str, OHLC]] = (),
) -> None:
    """SYMBOL.csv with daily rows ("2026-03-11", (open, high, low, close)) and intraday rows
    (an ISO time with its offset)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["timestamp,open,high,low,close,volume"]
    for stamp, (o, h, lo, c) in [*days, *intraday]:
        rows.append(f"{stamp},{o},{h},{lo},{c},1000")
    (folder / f"{symbol}.csv").write_text("\n".join(rows) + "\n")


async def one_closed_signal(store: Store, at: datetime) -> None:
    """A TSLA signal recorded at `at` whose target was hit the same day: +2.0R."""
    await record_signal(store, "TSLA", "bullish", at, (100, 95, 110))
    [(sig, _)] = await store.tracked_signals()
    won = Outcome("target", 110.0, at, r=2.0, best_r=2.0, worst_r=-0.2, sessions=1, right=True)
    await store.record_outcomes([(sig.id, won, "intraday")], at)
