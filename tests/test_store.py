"""The store: migrations, cooldown and reversal, and no double recording under concurrency."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.errors import UserError
from engine.signals import CooldownVerdict
from engine.store import MIGRATIONS, NewSignal, RecordedSignal, Store

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def sig(symbol: str, direction: str = "bullish") -> NewSignal:
    return NewSignal(
        symbol=symbol,
        direction=direction,
        score=0.5,
        confidence=0.8,
        price=10.0,
        price_as_of=NOW,
        entry=10.0,
        stop=9.0,
        target=12.0,
        backend="test",
        payload={"symbol": symbol},
    )


@pytest.mark.asyncio
async def test_schema_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    async with await Store.open(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
    async with await Store.open(path) as store:  # reopening applies nothing twice
        assert await store.schema_version() == len(MIGRATIONS)


@pytest.mark.asyncio
async def test_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserError, match="is not a TradeTheHype store"):
        await Store.open(path)


async def record(
    store: Store, signals: list[NewSignal], now: datetime, days: float
) -> list[tuple[NewSignal, CooldownVerdict]]:
    """Record signals as a digest does (each call a digest of its own); what made it."""
    made: list[tuple[NewSignal, CooldownVerdict]] = []

    def compose(recorded: list[RecordedSignal]) -> dict:
        made.extend((r.signal, r.verdict) for r in recorded)
        return {}

    await store.record_digest(
        slot=f"test {uuid.uuid4()}",
        schedule="test",
        signals=signals,
        now=now,
        cooldown_days=days,
        compose=compose,
    )
    return made


@pytest.mark.asyncio
async def test_cooldown_blocks_same_direction_and_allows_reversal(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.db") as store:
        first = await record(store, [sig("TSLA")], NOW, 7)
        assert [v.allowed for _, v in first] == [True]
        again = await record(store, [sig("TSLA")], NOW + timedelta(days=6), 7)
        assert again == []
        flip = await record(store, [sig("TSLA", "bearish")], NOW + timedelta(days=1), 7)
        assert flip[0][1].reversal and "reversal: last signal was bullish" in flip[0][1].note
        later = await record(store, [sig("TSLA", "bearish")], NOW + timedelta(days=8, seconds=1), 7)
        assert len(later) == 1 and not later[0][1].reversal
        rows = await store.signal_rows("TSLA")
    assert [(r["direction"], r["reversal"]) for r in rows] == [
        ("bullish", 0),
        ("bearish", 1),
        ("bearish", 0),
    ]


@pytest.mark.asyncio
async def test_two_digests_at_once_record_each_signal_once(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    a = await Store.open(path)
    b = await Store.open(path)  # a second connection, as a second process would have
    try:
        batch = [sig(s) for s in ("TSLA", "NVDA", "INTC", "BA")]
        results = await asyncio.gather(
            record(a, batch, NOW, 7),
            record(b, batch, NOW, 7),
            record(a, batch, NOW, 7),
        )
    finally:
        await a.close()
        await b.close()
    assert sum(len(r) for r in results) == 4
    with sqlite3.connect(path) as db:
        counts = db.execute(
            "SELECT symbol, COUNT(*) FROM signal_history GROUP BY symbol"
        ).fetchall()
    assert sorted(counts) == [("BA", 1), ("INTC", 1), ("NVDA", 1), ("TSLA", 1)]


@pytest.mark.asyncio
async def test_a_slot_digest_is_written_whole_or_not_at_all_and_only_once(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.db") as store:

        def broken(recorded: list) -> dict:
            raise RuntimeError("the process died while writing")

        with pytest.raises(RuntimeError):
            await store.record_digest(
                slot="s1",
                schedule="x",
                signals=[sig("TSLA")],
                now=NOW,
                cooldown_days=7,
                compose=broken,
            )
        # nothing of it stayed: no signal (the cooldown would block the next try), no digest
        assert await store.signal_rows() == [] and await store.slot_digest("s1") is None

        def compose(recorded: list) -> dict:
            return {"card_ids": [r.card_id for r in recorded], "n": len(recorded)}

        first = await store.record_digest(
            slot="s1",
            schedule="x",
            signals=[sig("TSLA"), sig("NVDA")],
            now=NOW,
            cooldown_days=7,
            compose=compose,
        )
        assert first.payload["n"] == 2 and len(await store.signal_rows()) == 2
        assert (await store.card(first.payload["card_ids"][0]))["symbol"] == "TSLA"
        again = await store.record_digest(
            slot="s1",
            schedule="x",
            signals=[sig("AAPL")],
            now=NOW + timedelta(minutes=1),
            cooldown_days=7,
            compose=compose,
        )
        assert again == first and len(await store.signal_rows()) == 2  # built once per slot
