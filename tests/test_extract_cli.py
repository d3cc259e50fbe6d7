"""`tradethehype extract` as a user meets it: arguments, stdin, JSON, and bad input."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def shipped_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # an empty user data folder: the shipped ticker list, whatever `tickers update` left
    monkeypatch.setenv("TRADETHEHYPE_DATA_DIR", str(tmp_path / "data"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "extract", "Morgan Stanley upgrades Nvidia", "nothing here")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Morgan Stanley upgrades Nvidia"
    assert lines[1].split()[:4] == ["MS", "Morgan", "Stanley", "analyst"]
    assert lines[2].split()[:3] == ["NVDA", "Nvidia", "subject"]
    assert "'Nvidia' at 24-30" in lines[2]
    assert lines[3:] == ["nothing here", "  (no symbols)"]


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    text = "Google parent Alphabet, $brk.b and AT&amp;T (NYSE: T) rise"
    code, out, _ = run(capsys, "extract", "--json", text)
    assert code == 0
    [doc] = [json.loads(line) for line in out.splitlines()]
    assert doc == {
        "text": text,
        "symbols": [
            {"symbol": "GOOGL", "name": "Alphabet", "match": "Google", "start": 0, "end": 6,
             "how": "alias", "role": "subject"},
            {"symbol": "BRK-B", "name": "Berkshire Hathaway", "match": "$brk.b", "start": 24,
             "end": 30, "how": "cashtag", "role": "subject"},
            {"symbol": "T", "name": "AT&T", "match": "AT&amp;T", "start": 35, "end": 43,
             "how": "name", "role": "subject"},
        ],
    }  # fmt: skip


def test_reads_stdin_one_answer_per_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tesla recalls cars\n\nS&P 500 hits record\r\n"))
    code, out, _ = run(capsys, "extract", "--json")
    docs = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(d["text"], [s["symbol"] for s in d["symbols"]]) for d in docs] == [
        ("Tesla recalls cars", ["TSLA"]),
        ("", []),
        ("S&P 500 hits record", []),
    ]


BAD = [
    "",
    "   ",
    "\x00\x01\x02 Tesla\x07 recalls cars\x1b[31m",
    "特斯拉股价上涨 Tesla 股价",
    "Тесла растёт; Apple падает",
    "&amp;&#xZZ;&#99999999;&bogus; AT&amp;T",
    "lorem ipsum " * 9000 + "Tesla rallies",  # over 100 KB on one line
    "\ud800 Apple \udfff",  # lone surrogates, as argv can carry
    "$ $$ NYSE: (NASDAQ: ) 's &",
]


def test_bad_input_gives_correct_output_or_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "extract", "--json", *BAD)
    assert (code, err) == (0, "")
    docs = [json.loads(line) for line in out.splitlines()]
    assert [[s["symbol"] for s in d["symbols"]] for d in docs] == [
        [], [], ["TSLA"], ["TSLA"], ["AAPL"], ["T"], ["TSLA"], ["AAPL"], []
    ]  # fmt: skip
    for doc in docs:
        for s in doc["symbols"]:
            assert doc["text"][s["start"] : s["end"]] == s["match"]

    code, out, err = run(capsys, "extract", *BAD)
    assert (code, err) == (0, "")
    assert "\x00" not in out and "\x1b" not in out  # control characters are shown escaped
    assert "\\x00\\x01\\x02 Tesla\\x07" in out
    assert len(out) < 5000  # the 100 KB line is shown cut short


def test_streams_line_by_line() -> None:
    """Each answer comes out as soon as its line is read, before stdin is closed; bytes that
    are not UTF-8 are replaced, not fatal."""
    env = {**os.environ, "TRADETHEHYPE_DATA_DIR": "/nonexistent/tradethehype"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "extract", "--json"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout
    try:
        answers = []
        for line in (b"Tesla beats estimates\n", b"\xff\xfe Apple slides\n"):
            proc.stdin.write(line)
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, "no answer before the next line"
            answers.append(json.loads(proc.stdout.readline()))
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.wait()
    assert [[s["symbol"] for s in a["symbols"]] for a in answers] == [["TSLA"], ["AAPL"]]
    assert answers[1]["text"] == "\ufffd\ufffd Apple slides"
