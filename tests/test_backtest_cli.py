"""`tradethehype backtest`: the report, the JSON keys, the trades file, bad input, Ctrl-C."""

from __future__ import annotations

import csv
import json
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import KeywordSentiment
from support.backtestdata import WEEK, daily_news, write_news, write_prices

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
SUMMARY_KEYS = {
    "signals",
    "target_first",
    "stop_first",
    "expired",
    "avg_r",
    "avg_r_ci",
    "expectancy_r",
    "profit_factor",
    "hit_rate_1d",
    "hit_rate_5d",
}
TRADE_KEYS = ["symbol", "direction", "signalled_at", "entry", "stop", "target", "outcome"]
TRADE_KEYS += ["exit", "exit_at", "r", "confidence"]


@pytest.fixture(autouse=True)
def score_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRADETHEHYPE_CACHE", str(cache))
    monkeypatch.chdir(tmp_path)  # no ./config.toml of the developer's
    return cache


def args_for(tmp: Path, *extra: str) -> list[str]:
    news = write_news(tmp / "news.csv")
    prices = write_prices(tmp / "prices")
    return ["backtest", "--news", str(news), "--prices", str(prices)] + [
        "--from",
        WEEK[0].isoformat(),
        "--to",
        WEEK[4].isoformat(),
        *extra,
    ]


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trades_csv = tmp_path / "trades.csv"
    code = main(
        args_for(tmp_path, "--json", "--trades", str(trades_csv)), sentiment=KeywordSentiment()
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert SUMMARY_KEYS <= set(doc["summary"])
    assert set(doc["baselines"]) == {"always_long", "random_direction"}
    for baseline in doc["baselines"].values():
        assert SUMMARY_KEYS <= set(baseline)
    assert {"by_direction", "by_confidence", "by_year", "trades"} <= set(doc)
    assert [list(t) for t in doc["trades"]] == [TRADE_KEYS] * 3
    assert doc["summary"]["signals"] == 3 and doc["summary"]["avg_r"] == 0.0
    assert doc["run"]["tickers_without_price_file"] == {"MSFT": 1}
    assert doc["verdict"]["beats_baselines"] is False
    with trades_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["symbol"] for r in rows] == [t["symbol"] for t in doc["trades"]]
    assert list(rows[0]) == TRADE_KEYS
    assert "backtest: [" in captured.err and "5/5 days, 3 signals" in captured.err


def test_text_report_says_first_whether_it_beats_the_baselines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], score_cache: Path
) -> None:
    assert main(args_for(tmp_path), sentiment=KeywordSentiment()) == 0
    text = capsys.readouterr().out
    first, rest = text.split("\n", 1)
    assert first.startswith("The signals do NOT beat their baselines: average R +0.000")
    assert "always long" in first and "random direction" in first
    assert (
        "1 ticker named by the news had no price file and was skipped (times asked): MSFT (1)"
        in rest
    )
    assert "\nBy confidence\n90-100%" in rest
    assert "-0.00" not in rest  # an average of exactly 0 R is "+0.00"
    # the scores are kept for the next run, under the model's identity
    assert list((score_cache / "backtest-scores").glob("keyword-*.json"))


BAD = [
    ("news", "published_at,headline\n2025-03-03T12:00:00Z,x\n", "needs a published_at column"),
    ("news", "published_at,title\nMonday,x\n", "line 2: published_at 'Monday' is not an ISO"),
    ("news", "published_at,title\n2025-03-03T12:00:00,x\n", "has no UTC offset"),
    ("empty-prices", "", "has no .csv price files"),
    ("bad-prices", "when,price\n2025-03-03,1\n", "BAD.csv: header must be"),
    ("from-after-to", "", "--from 2025-03-07 is after --to 2025-03-03"),
    ("weekend", "", "no trading days from 2025-03-08 to 2025-03-09"),
    ("bad-date", "", "--from: '2025-02-30' is not a date"),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, content: str, message: str
) -> None:
    args = args_for(tmp_path)
    prices = tmp_path / "prices"
    if case == "news":
        (tmp_path / "news.csv").write_text(content)
    elif case == "empty-prices":
        for f in prices.iterdir():
            f.unlink()
    elif case == "bad-prices":
        (prices / "BAD.csv").write_text(content)
    dates = {
        "from-after-to": ["2025-03-07", "2025-03-03"],
        "weekend": ["2025-03-08", "2025-03-09"],
        "bad-date": ["2025-02-30", "2025-03-03"],
    }
    if case in dates:
        args[args.index("--from") + 1], args[args.index("--to") + 1] = dates[case]
    assert main(args, sentiment=KeywordSentiment()) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err, captured.err
    assert captured.err.startswith("tradethehype: error: ")


PROBE = """
import asyncio, sys
sys.path.insert(0, {tests!r})
from conftest import KeywordSentiment
from bot.cli import main

class Slow(KeywordSentiment):
    async def classify(self, texts):
        await asyncio.sleep(0.5)
        return await super().classify(texts)

sys.exit(main(sys.argv[1:], sentiment=Slow()))
"""


def test_ctrl_c_stops_cleanly_with_what_was_measured(tmp_path: Path, score_cache: Path) -> None:
    news = write_news(tmp_path / "news.csv", daily_news(WEEK[0], 12))
    prices = write_prices(tmp_path / "prices")
    args = ["backtest", "--news", str(news), "--prices", str(prices), "--from", "2025-03-03"]
    args += ["--to", "2025-03-14"]
    env = {"TRADETHEHYPE_CACHE": str(score_cache), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", PROBE.format(tests=str(TESTS)), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
        text=True,
    )
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 120  # a bound on a wait, not an assertion on speed
        first = ""
        ready = selectors.DefaultSelector()
        ready.register(proc.stderr, selectors.EVENT_READ)
        while "1/10 days" not in first and time.monotonic() < deadline:
            if not ready.select(timeout=1):
                continue
            first = proc.stderr.readline()
            if not first and proc.poll() is not None:
                break
        assert "1/10 days" in first, first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "stopping after this day" in err
    lines = out.splitlines()
    assert lines[0].startswith("The signals")
    assert any(
        line.startswith("Interrupted after ") and "of 10 trading days" in line for line in lines
    )
    assert any(line.startswith("signals ") for line in lines)
