"""One round of price lookups for a digest or a ticker view: each symbol priced on its own.

A symbol whose price cannot be had is skipped with one short reason; whatever went wrong (a bad
file, an unreachable Yahoo, a bug in a provider) never stops the round. What the round skipped
is summarised in one line per price source, each distinct error once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from engine.prices import PriceProvider, PriceSnapshot
from engine.prices.failures import PriceUnavailable, summarise

log = logging.getLogger(__name__)

PRICE_CONCURRENCY = 4
SOURCE_NAMES = {"csv": "CSV files", "yfinance": "Yahoo Finance"}


def source_name(provider: str) -> str:
    """How users see a price source: "Yahoo Finance", "CSV files"."""
    return SOURCE_NAMES.get(provider, provider)


@dataclass
class PriceRound:
    snapshots: dict[str, PriceSnapshot] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # symbol -> "price unavailable: ..."
    failure: dict[str, str] | None = None  # {"source": "prices (csv)", "error": one line}
    notes: list[str] = field(default_factory=list)  # data skipped on the way (bad rows)


async def fetch_prices(
    provider: PriceProvider,
    symbols: Iterable[str],
    now: datetime,
    concurrency: int = PRICE_CONCURRENCY,
) -> PriceRound:
    """A snapshot for each symbol that has one; a short reason for each that has none."""
    sem = asyncio.Semaphore(concurrency)
    result = PriceRound()
    failed: list[PriceUnavailable] = []

    async def one(symbol: str) -> None:
        async with sem:
            try:
                snap = await provider.snapshot(symbol, now)
            except PriceUnavailable as exc:
                exc.symbol = symbol
                failed.append(exc)
                return
            except Exception as exc:  # a provider's bug costs this symbol, not the digest
                log.warning("price lookup for %s failed: %r", symbol, exc)
                log.debug("price lookup for %s failed", symbol, exc_info=True)
                failed.append(PriceUnavailable(symbol, f"unexpected error ({type(exc).__name__})"))
                return
        result.snapshots[symbol] = snap
        result.notes.extend(snap.warnings)

    await asyncio.gather(*(one(s) for s in dict.fromkeys(symbols)))
    for exc in sorted(failed, key=lambda e: e.symbol):
        result.missing[exc.symbol] = f"price unavailable: {exc.reason}"
    if failed:
        result.failure = {
            "source": f"prices ({provider.name})",
            "error": summarise(source_name(provider.name), failed),
        }
    result.notes.sort()
    return result
