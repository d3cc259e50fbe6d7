"""One bad price (a bad row, a bad file, a provider's bug) costs that row or that symbol, never
the digest; what was skipped is reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import write_bars
from support.botworld import NOW, open_world

from bot.cli import main
from bot.console import render_digest
from engine.market import MarketCalendar
from engine.prices import PriceSnapshot
from engine.prices.csv import CsvPriceProvider
from engine.serialize import digest_to_dict
from engine.symbols import SymbolIndex

MIN = timedelta(minutes=1)
HEADER = "timestamp,open,high,low,close,volume\n"


def append_row(path: Path, row: str) -> int:
    """Add `row` at the end of a price file; its line number."""
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, row]) + "\n")
    return len(lines) + 1


@pytest.mark.asyncio
async def test_a_negative_price_row_is_skipped_and_reported_not_the_digest(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        tsla = tmp_path / "prices" / "TSLA.csv"
        line = append_row(tsla, f"{(NOW - 2 * MIN).isoformat()},276,276,276,-276.00,100")
        digest = await engine.build_digest(dry_run=True)
    by_symbol = {s.symbol: s for s in digest.signals}
    assert set(by_symbol) == {"TSLA", "INTC", "BA"}  # the digest is whole
    assert by_symbol["TSLA"].quote and by_symbol["TSLA"].quote.last == 275  # the row before
    note = f"TSLA.csv: skipped line {line} (close -276.00 is not a positive price)"
    assert digest.notes == [note]
    text = render_digest(digest)
    assert f"Note: TSLA.csv: skipped line {line} (close -276.00" in text
    assert digest_to_dict(digest)["notes"] == digest.notes


@pytest.mark.asyncio
async def test_a_row_dated_on_a_holiday_is_skipped_and_the_rest_kept(
    tmp_path: Path, calendar: MarketCalendar
) -> None:
    path = write_bars(tmp_path, "HOLI", start=50, step=0.1, end_day="2026-09-11", days=30)
    rows = path.read_text().splitlines()
    at = rows.index(next(r for r in rows if r.startswith("2026-09-08")))
    rows.insert(at, "2026-09-07,52,53,51,52.50,1000")  # Labor Day: no session
    path.write_text("\n".join(rows) + "\n")

    snap = await CsvPriceProvider(tmp_path, calendar).snapshot(
        "HOLI", datetime(2026, 9, 12, 15, tzinfo=UTC)
    )
    assert snap.quote.last == pytest.approx(53.0)  # the last good row, 2026-09-11
    assert len(snap.bars) == 30
    assert snap.warnings == (
        f"HOLI.csv: skipped line {at + 1} (2026-09-07 is not a trading day)",
    )


@pytest.mark.asyncio
async def test_several_bad_rows_are_counted_and_the_first_named(
    tmp_path: Path, calendar: MarketCalendar
) -> None:
    (tmp_path / "MANY.csv").write_text(
        HEADER
        + "2025-12-22,1,2,0.5,1.5,10\n"
        + "2025-12-23,1,2,0.5,0,10\n"
        + "2025-12-24,1,2,0.5,1.6\n"
        + "2025-12-26,1,2,0.5,1.7,-5\n"
        + "2025-12-29,1,2,0.5,1.8,10\n"
    )
    snap = await CsvPriceProvider(tmp_path, calendar).snapshot(
        "MANY", datetime(2025, 12, 30, 22, tzinfo=UTC)
    )
    assert snap.quote.last == 1.8 and [b.close for b in snap.bars] == [1.5, 1.8]
    assert snap.warnings == (
        "MANY.csv: skipped 3 bad rows, the first line 3: close 0 is not a positive price",
    )


class BrokenFor:
    """A price source with a bug for one symbol (it raises something unexpected)."""

    def __init__(self, inner: CsvPriceProvider, broken: str) -> None:
        self.inner = inner
        self.broken = broken
        self.name = inner.name
        self.calendar = inner.calendar

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        if symbol == self.broken:
            raise ValueError("entry must be a positive price")
        return await self.inner.snapshot(symbol, now)


@pytest.mark.asyncio
async def test_a_price_source_error_skips_that_symbol_with_its_reason(
    tmp_path: Path, symbols: SymbolIndex, calendar: MarketCalendar
) -> None:
    async with open_world(tmp_path, symbols, calendar) as (engine, _, _):
        engine.prices = BrokenFor(engine.prices, "TSLA")  # type: ignore[arg-type]
        digest = await engine.build_digest(dry_run=True)
    assert {s.symbol for s in digest.signals} == {"INTC", "BA"}
    skipped = {s["symbol"]: s["reason"] for s in digest.skipped}
    assert skipped["TSLA"] == "price unavailable: unexpected error (ValueError)"
    assert "TSLA" in digest.unpriced


def test_the_command_line_digest_survives_bad_price_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from support.botworld import write_world

    news, prices = write_world(tmp_path)
    line = append_row(prices / "TSLA.csv", f"{(NOW - 2 * MIN).isoformat()},1,1,1,-5,1")
    (prices / "INTC.csv").write_text(
        (prices / "INTC.csv").read_text().replace("2026-03-09,", "2026-02-16,", 1)  # Presidents'
    )
    code = main(
        [
            "digest",
            "--dry-run",
            "--feeds",
            str(news),
            "--prices-csv",
            str(prices),
            "--at",
            NOW.isoformat(),
            "--db",
            str(tmp_path / "s.db"),
            "--backend",
            "lite",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "internal error" not in err
    assert f"Note: TSLA.csv: skipped line {line} (close -5 is not a positive price)" in out
    assert "Note: INTC.csv: skipped line" in out and "2026-02-16 is not a trading day" in out
