"""CSV price files are read by their header's names: exported files (Yahoo's) work as they are."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from engine.market import NEW_YORK, MarketCalendar
from engine.prices import PriceUnavailable
from engine.prices.csv import CsvPriceProvider

AT = datetime(2025, 12, 24, 17, 0, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar()


async def closes(folder: Path, calendar: MarketCalendar) -> tuple[list[float], tuple[str, ...]]:
    snap = await CsvPriceProvider(folder, calendar).snapshot("X", AT)
    return [b.close for b in snap.bars], snap.warnings


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text",
    [
        # Yahoo's export: Date, Adj Close ignored, a `null` row skipped without a note
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2025-12-22,1,2,0.5,1.5,1.4,10\n"
        "2025-12-23,null,null,null,null,null,null\n"
        "2025-12-24,1,2,0.5,1.75,1.7,10\n",
        # another order, upper case, no volume column, a byte-order mark
        "\ufeffCLOSE,TIMESTAMP,LOW,HIGH,OPEN\n1.5,2025-12-22,0.5,2,1\n1.75,2025-12-24,0.5,2,1\n",
    ],
)
async def test_exported_headers_are_read_by_name(
    tmp_path: Path, calendar: MarketCalendar, text: str
) -> None:
    (tmp_path / "X.csv").write_text(text, encoding="utf-8")
    assert await closes(tmp_path, calendar) == ([1.5, 1.75], ())


@pytest.mark.asyncio
async def test_a_missing_column_is_named(tmp_path: Path, calendar: MarketCalendar) -> None:
    (tmp_path / "X.csv").write_text("Date,Open,High,Close\n2025-12-22,1,2,1.5\n")
    with pytest.raises(PriceUnavailable, match="header must be timestamp,open.*: no low column"):
        await CsvPriceProvider(tmp_path, calendar).snapshot("X", AT)
