"""Outcomes of recorded signals on hand-made price files whose answers are known, and the record
that `tradethehype outcomes update` and `tradethehype performance` make of them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import pytest_asyncio
from support.record import record_signal, write_prices

from bot.cli import main
from bot.config import Config, parse_config
from engine.errors import ConfigError
from engine.market import MarketCalendar
from engine.prices import PriceSnapshot, PriceUnavailable
from engine.prices.csv import CsvPriceProvider
from engine.prices.yahoo import YFinancePriceProvider
from engine.store import Store
from engine.tracking import resolve

SIGNAL_AT = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # Tuesday, before the open
NOW = datetime(2026, 3, 18, 21, 0, tzinfo=UTC)  # the next Wednesday, after the close
FLAT = (100.0, 101.0, 99.0, 100.0)
DAYS = ["2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13", "2026-03-16", "2026-03-17"]
DAYS += ["2026-03-18"]


def flat(*changed: tuple[int, tuple[float, float, float, float]]) -> list:
    """Flat daily bars Tue 10 to Wed 18 March, with some days (by index) changed."""
    bars = dict.fromkeys(range(len(DAYS)), FLAT) | dict(changed)
    return [(DAYS[i], bars[i]) for i in range(len(DAYS))]


def write_world(prices: Path) -> None:
    write_prices(prices, "TSLA", flat((1, (101, 111, 100, 109))))  # target on day 2
    write_prices(prices, "INTC", flat((1, (101, 106, 100, 104))))  # bearish: stop on day 2
    write_prices(prices, "NVDA", flat((0, (100, 112, 94, 105))))  # both in one daily bar
    write_prices(  # the same daily bar, but the intraday rows show the target came first
        prices,
        "AAPL",
        flat((0, (100, 112, 94, 105))),
        intraday=[
            ("2026-03-10T14:30:00+00:00", (100, 112, 99, 111)),
            ("2026-03-10T18:00:00+00:00", (105, 106, 94, 105)),
        ],
    )
    write_prices(prices, "MSFT", flat((4, (100, 104, 99, 103)), (5, (103, 120, 103, 119))))
    write_prices(prices, "AMD", flat())
    write_prices(prices, "META", flat())
    write_prices(prices, "PFE", flat((4, (99, 99, 96, 97))))
    # no NFLX.csv: a price outage


async def record_world(store: Store) -> None:
    for symbol in ("TSLA", "NVDA", "AAPL", "MSFT"):
        await record_signal(store, symbol, "bullish", SIGNAL_AT, (100, 95, 110))
    await record_signal(store, "INTC", "bearish", SIGNAL_AT, (100, 105, 90))
    await record_signal(store, "AMD", "bullish", SIGNAL_AT, (100, 95, 110), confidence=0.6)
    flip = datetime(2026, 3, 11, 21, 0, tzinfo=UTC)
    await record_signal(store, "AMD", "bearish", flip, (98.5, 103.5, 88.5), confidence=0.6)
    await record_signal(
        store, "META", "bullish", datetime(2026, 3, 17, 13, 0, tzinfo=UTC), (100, 95, 110)
    )
    await record_signal(store, "NFLX", "bullish", SIGNAL_AT, (100, 95, 110))
    await record_signal(store, "PFE", "bearish", SIGNAL_AT, None, price=100.0)


World = tuple[Store, CsvPriceProvider, Path]


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    write_world(tmp_path / "prices")
    db = tmp_path / "record.db"
    async with await Store.open(db) as store:
        await record_world(store)
        yield store, CsvPriceProvider(tmp_path / "prices", MarketCalendar()), db


def outcomes_by_symbol(rows: list[Any]) -> dict[str, Any]:
    return {f"{s.symbol} {s.direction}": o for s, o in rows}


@pytest.mark.asyncio
async def test_each_signal_gets_the_outcome_its_prices_give(world: World) -> None:
    store, prices, _ = world
    result = await resolve(store, prices, NOW, horizon=5)

    got = outcomes_by_symbol(await store.tracked_signals())
    tsla = got["TSLA bullish"].outcome
    assert (tsla.status, tsla.exit_price, tsla.r, tsla.sessions) == ("target", 110, 2.0, 2)
    assert got["INTC bearish"].outcome.status == "stop" and got["INTC bearish"].outcome.r == -1.0
    nvda = got["NVDA bullish"]
    assert nvda.outcome.status == "stop" and nvda.outcome.both_in_one_bar and nvda.bars == "daily"
    aapl = got["AAPL bullish"]
    assert aapl.outcome.status == "target" and aapl.bars == "intraday"
    msft = got["MSFT bullish"].outcome
    assert (msft.status, msft.exit_price, msft.sessions) == ("expired", 103, 5)
    assert msft.r == pytest.approx(0.6)
    amd = got["AMD bullish"].outcome
    assert (amd.status, amd.exit_price) == ("reversed", 98.5) and amd.r == pytest.approx(-0.3)
    pfe = got["PFE bearish"].outcome
    assert pfe.status == "expired" and pfe.r is None and pfe.right  # direction only
    assert got["META bullish"] is None  # two sessions in: still open
    assert got["NFLX bullish"] is None and "NFLX" in result.unpriced  # the outage, said
    assert result.still_open == 2 and result.recorded == len(result.resolved) == 8


@pytest.mark.asyncio
async def test_a_signal_made_during_a_session_starts_at_the_next_one(tmp_path: Path) -> None:
    write_prices(tmp_path, "TSLA", flat((0, (100, 111, 99, 100))))  # target before the signal
    async with await Store.open(tmp_path / "s.db") as store:
        during = SIGNAL_AT + timedelta(hours=3)
        await record_signal(store, "TSLA", "bullish", during, (100, 95, 110))
        prices = CsvPriceProvider(tmp_path, MarketCalendar())
        await resolve(store, prices, datetime(2026, 3, 12, 21, 0, tzinfo=UTC), horizon=5)
        [(sig, outcome)] = await store.tracked_signals()
    assert outcome is None  # 10 March's bar holds prices from before the signal


@pytest.mark.asyncio
async def test_resolving_twice_changes_nothing(world: World) -> None:
    store, prices, _ = world
    await resolve(store, prices, NOW, horizon=5)
    before = await store.tracked_signals()
    again = await resolve(store, prices, NOW + timedelta(minutes=5), horizon=5)
    assert again.resolved == [] and again.recorded == 0
    assert await store.tracked_signals() == before  # resolved_at kept too


@pytest.mark.asyncio
async def test_an_outage_leaves_signals_open_until_prices_come_back(
    world: World, tmp_path: Path
) -> None:
    store, _, _ = world
    empty = CsvPriceProvider(tmp_path / "nowhere", MarketCalendar())
    (tmp_path / "nowhere").mkdir()
    down = await resolve(store, empty, NOW, horizon=5)
    assert down.resolved == [] and down.still_open == 10 and len(down.unpriced) == 9
    assert all(o is None for _, o in await store.tracked_signals())


class Unreachable:
    """A price source that is down: every request fails the way a timeout does."""

    name = "down"

    def __init__(self) -> None:
        self.calendar = MarketCalendar()
        self.asked: list[str] = []

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        self.asked.append(symbol)
        raise PriceUnavailable(symbol, "Yahoo Finance timed out after 10 s", unreachable=True)


@pytest.mark.asyncio
async def test_a_source_down_is_asked_once_not_once_per_symbol(world: World) -> None:
    store, _, _ = world
    down = Unreachable()
    result = await resolve(store, down, NOW, horizon=5, concurrency=1)
    assert len(down.asked) == 1 and result.still_open == 10 and len(result.unpriced) == 9
    assert set(result.unpriced.values()) == {"Yahoo Finance timed out after 10 s"}


# -- the command line ----------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.fixture
def world_db(tmp_path: Path) -> Path:
    """The world's signals in a store file, nothing resolved yet (for the command line)."""
    write_world(tmp_path / "prices")
    db = tmp_path / "record.db"

    async def fill() -> None:
        async with await Store.open(db) as store:
            await record_world(store)

    asyncio.run(fill())
    return db


AT = ["--at", NOW.isoformat()]


def test_outcomes_update_twice_then_performance(
    world_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    update = ["outcomes", "update", "--db", str(world_db), "--prices-csv", str(tmp_path / "prices")]
    code, first, _ = cli(capsys, *update, *AT)
    assert code == 0 and first.startswith("Outcomes: 8 resolved (8 new), 2 still open.\n")
    assert "TSLA bullish from Tue 10 Mar hit its target 110.00: +2.0R" in first
    assert (
        "NVDA bullish from Tue 10 Mar hit its stop 95.00 (stop and target in the same daily bar: "
        "counted as the stop): -1.0R"
    ) in first
    outage = "Left open, no price for NFLX: no price file NFLX.csv\n"
    assert first.endswith(outage)
    code, second, _ = cli(capsys, *update, *AT)
    assert code == 0 and second == "Outcomes: 0 resolved (0 new), 2 still open.\n" + outage

    code, report, _ = cli(capsys, "performance", "--db", str(world_db), *AT)
    assert code == 0
    assert report.startswith("Record, all time: 10 signals, 8 closed, 2 open\n")
    assert "Closed: target first 25% · stop first 25% · expired 38% · reversed 12%" in report
    assert "Without levels (direction only): 1 of 1 moved their way" in report
    assert (
        "Bearish: 3 closed, average -0.7R over the 2 with levels · Bullish: 5 closed, "
        "average +0.7R\n"
    ) in report
    assert "By confidence: 60-70%: 2 closed, average -0.3R · 80-90%: 6 closed" in report
    assert report.rstrip().splitlines()[-1].startswith("Rules: each signal is followed")


def test_why_on_the_command_line_tells_the_outcome(
    world_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, before, _ = cli(capsys, "why", "TSLA", "--db", str(world_db), *AT)
    assert code == 0 and before.endswith("\nOutcome: open (still followed)\n")
    update = ["outcomes", "update", "--db", str(world_db), "--prices-csv", str(tmp_path / "prices")]
    cli(capsys, *update, *AT)
    code, after, _ = cli(capsys, "why", "TSLA", "--db", str(world_db), *AT)
    assert code == 0 and after.endswith(
        "\nOutcome: hit its target 110.00 on 2026-03-11, +2.0R (2 sessions held; "
        "best +2.2R, worst -0.2R)\n"
    )


def test_performance_json_keys(
    world_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(
        capsys,
        "outcomes",
        "update",
        "--db",
        str(world_db),
        "--prices-csv",
        str(tmp_path / "prices"),
        *AT,
    )
    code, out, _ = cli(
        capsys, "performance", "--db", str(world_db), "--json", "--since", "30d", *AT
    )
    doc = json.loads(out)
    assert code == 0 and set(doc) == {
        "period",
        "horizon_sessions",
        "summary",
        "by_direction",
        "by_confidence",
        "best_tickers",
        "worst_tickers",
        "rules",
    }
    assert doc["period"] == "30d" and doc["summary"]["closed"] == 8
    assert doc["summary"]["open"] == 2 and doc["summary"]["target_first"] == 0.25
    assert set(doc["by_direction"]) == {"bullish", "bearish"}
    assert doc["best_tickers"] == ["AAPL +2.0R (1)", "TSLA +2.0R (1)", "MSFT +0.6R (1)"]
    assert doc["worst_tickers"] == ["INTC -1.0R (1)", "NVDA -1.0R (1)", "AMD -0.3R (2)"]


@pytest.mark.parametrize("bad", ["7", "30days", "0d", "-5d", "99999d", "forever"])
def test_a_bad_since_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad: str
) -> None:
    code, out, err = cli(capsys, "performance", "--db", str(tmp_path / "none.db"), f"--since={bad}")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "is not a period: a period is 30d, 90d" in err


def test_performance_before_any_signal_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = cli(capsys, "performance", "--db", str(tmp_path / "none.db"), "--since", "90d")
    assert code == 0 and out.startswith("Record, last 90 days: no closed signals yet (0 open).\n")
    assert not (tmp_path / "none.db").exists()  # read only: nothing created


# -- Yahoo's 5-minute bars, the config ------------------------------------------------------------


class FakeTicker:
    def __init__(self, calls: list[dict[str, object]]) -> None:
        self.calls = calls

    def history(self, **kwargs: object) -> pd.DataFrame:
        self.calls.append(kwargs)
        index = pd.DatetimeIndex(
            ["2026-03-10 09:30", "2026-03-10 09:35", "2026-03-10 20:00"], tz="America/New_York"
        )
        return pd.DataFrame(
            {
                "Open": [100.0, 101.0, 102.0],
                "High": [101.0, 111.0, 103.0],
                "Low": [99.0, 100.0, 101.0],
                "Close": [100.5, 110.0, 102.5],
                "Volume": [10, 20, 30],
            },
            index=index,
        )


@pytest.mark.asyncio
async def test_yahoo_gives_5_minute_bars_for_recent_days_only() -> None:
    calls: list[dict[str, object]] = []
    yahoo = YFinancePriceProvider(MarketCalendar(), ticker_factory=lambda s: FakeTicker(calls))
    bars = await yahoo.intraday_bars("TSLA", SIGNAL_AT, datetime(2026, 3, 10, 21, tzinfo=UTC))
    got = [(b.ts.astimezone(UTC).strftime("%H:%M"), b.high) for b in bars]
    assert got == [("13:30", 101.0), ("13:35", 111.0)]
    assert calls[0]["interval"] == "5m" and not any(b.daily for b in bars)  # 20:00 ET: after `end`

    old = await yahoo.intraday_bars("TSLA", SIGNAL_AT - timedelta(days=90), SIGNAL_AT)
    assert old == [] and len(calls) == 1  # older than Yahoo keeps them: not even asked


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("horizon_sessions", 0, "expected a whole number from 1 to 60, got 0"),
        ("resolve_after_close_minutes", -1, "expected 0 to 480, got -1.0"),
        ("notify", "yes", "expected true or false, got 'yes'"),
    ],
)
def test_outcomes_config_is_checked(key: str, value: object, expected: str) -> None:
    with pytest.raises(ConfigError, match=f"x.toml: \\[outcomes\\] {key}: {expected}"):
        parse_config({"outcomes": {key: value}}, "x.toml")
    assert Config().outcomes.horizon_sessions == 5 and Config().outcomes.notify
