"""`tradethehype sentiment` and `tradethehype model prepare`, run the way a user runs them.

The lite backend runs for real (its model ships in engine/data/lite); FinBERT is a tiny local
BERT in FinBERT's layout (tests/support/tinymodels.py), exported to ONNX in a temporary cache.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.tinymodels import FINBERT_ORDER, build_tiny_bert

from bot.cli import main
from bot.cli_sentiment import read_chunks

ROOT = Path(__file__).resolve().parent.parent
LABELS = {"positive", "negative", "neutral"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-cli")
    return {
        "finbert": build_tiny_bert(root / "finbert", FINBERT_ORDER, "negative"),
        "generic": build_tiny_bert(
            root / "generic", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "LABEL_1"
        ),
    }


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8", **extra)
    env.pop("PYTHONPATH", None)
    return env


def run_cli(args: list[str], stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=cli_env(**env),
        timeout=120,
    )


def json_lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


# --- streaming -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_output_begins_before_input_ends() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sentiment",
        "--backend",
        "lite",
        cwd=ROOT,
        env=cli_env(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout
    try:
        proc.stdin.write(b"Nvidia shares soar to a record high on strong AI demand\n")
        await proc.stdin.drain()
        first = json.loads(await asyncio.wait_for(proc.stdout.readline(), 60))  # stdin still open
        assert first["text"] == "Nvidia shares soar to a record high on strong AI demand"
        assert first["label"] == "positive"

        proc.stdin.write(b"Boeing shares plunge after a profit warning\n")
        await proc.stdin.drain()
        second = json.loads(await asyncio.wait_for(proc.stdout.readline(), 60))
        assert second["label"] == "negative"
        proc.stdin.close()
        assert await asyncio.wait_for(proc.stdout.read(), 60) == b""
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def run_in_process(
    args: list[str], stdin: bytes, monkeypatch: pytest.MonkeyPatch, capfdbinary
) -> tuple[int, bytes, bytes]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(args)
    out, err = capfdbinary.readouterr()
    return code, out, err


def test_scores_texts_in_input_order_with_the_documented_fields(
    monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    texts = [
        "Acme to hold its annual shareholder meeting on May 5",
        "Tesla beats delivery estimates and raises guidance",
        "Intel slumps after a weak forecast",
    ]
    code, out, err = run_in_process(
        ["sentiment", "--backend", "lite", *texts], b"ignored\n", monkeypatch, capfdbinary
    )

    assert code == 0, err
    rows = json_lines(out)
    assert [r["text"] for r in rows] == texts
    assert [r["label"] for r in rows] == ["neutral", "positive", "negative"]
    for r in rows:
        assert set(r) == {"text", "label", "scores", "backend", "model"}
        assert set(r["scores"]) == LABELS
        assert sum(r["scores"].values()) == pytest.approx(1.0, abs=1e-3)
        assert r["backend"] == "lite"
        assert r["model"].startswith("tradethehype-lite")


def test_bad_input_lines_never_crash_and_keep_their_order(
    monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    long_line = "Shares of Acme plunge after a profit warning. " * 440  # ~20,000 characters
    lines = [
        b"Tesla beats delivery estimates",
        b"",
        b"   ",
        long_line.encode(),
        b"Caf\xe9 chain \xff\xfe shares slump",  # Latin-1 bytes: not UTF-8
        "Nvidia soars 🚀📈 to a record".encode(),
        b"Intel slumps\r",
    ]
    code, out, err = run_in_process(
        ["sentiment", "--backend", "lite", "--batch-size", "2"],
        b"\n".join(lines) + b"\n",
        monkeypatch,
        capfdbinary,
    )

    assert code == 0, err
    assert err == b""
    rows = json_lines(out)
    assert [r["text"] for r in rows] == [
        "Tesla beats delivery estimates",
        long_line,
        "Caf\ufffd chain \ufffd\ufffd shares slump",
        "Nvidia soars 🚀📈 to a record",
        "Intel slumps",
    ]  # blank lines skipped, bad bytes replaced, the long line kept whole
    assert all(r["label"] in LABELS for r in rows)
    assert rows[1]["label"] == "negative"


@pytest.mark.asyncio
async def test_stdin_is_read_in_bounded_chunks() -> None:
    total, size = 10_000, 32
    consumed = {"lines": 0}

    class CountingStream(io.RawIOBase):
        def readline(self, limit: int = -1) -> bytes:  # type: ignore[override]
            if consumed["lines"] >= total:
                return b""
            consumed["lines"] += 1
            return f"headline {consumed['lines']}\n".encode()

    emitted = 0
    ahead = []
    async for chunk in read_chunks(CountingStream(), size):  # type: ignore[arg-type]
        assert 1 <= len(chunk) <= size
        assert chunk[0] == f"headline {emitted + 1}"
        emitted += len(chunk)
        ahead.append(consumed["lines"] - emitted)
        await asyncio.sleep(0)  # a model batch would run here
    assert emitted == total
    assert max(ahead) <= 3 * size + 1  # the queue, one chunk and one line in flight


# --- bad models and offline ------------------------------------------------------------------


@pytest.mark.parametrize("which", ["missing", "generic", "file"])
def test_a_bad_model_is_one_line_and_exit_2(
    which: str, tiny: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = {
        "missing": str(tmp_path / "no-such-model"),
        "generic": str(tiny["generic"]),  # a classifier, but not with the three labels
        "file": str(tiny["finbert"] / "config.json"),
    }[which]
    code = main(["sentiment", "--backend", "finbert", "--model", model, "shares soar"])
    out, err = capsys.readouterr()

    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("tradethehype: error: ")
    assert model in err


def test_a_bad_lite_model_and_runtime(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sentiment", "--backend", "lite", "--model", str(tmp_path), "x"]) == 2
    assert "is not a lite model folder" in capsys.readouterr().err
    assert main(["sentiment", "--backend", "lite", "--runtime", "torch", "x"]) == 2
    assert "onnxruntime only" in capsys.readouterr().err


def test_hub_ids_fail_fast_offline(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["sentiment", "--backend", "finbert", "--model", "nobody/no-such-model", "x"],
        ["model", "prepare", "--model", "nobody/no-such-model"],
    ):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "HF_HUB_OFFLINE" in err


# --- the onnx runtime ------------------------------------------------------------------------


def test_prepare_exports_once_then_onnx_runs_without_torch(
    tiny: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = tmp_path / "cache"
    model = str(tiny["finbert"])
    monkeypatch.setenv("TRADETHEHYPE_CACHE", str(cache))
    assert main(["model", "prepare", "--model", model]) == 0
    assert f"prepared {model} in {cache}" in capsys.readouterr().out
    exports = list((cache / "onnx").iterdir())
    assert len(exports) == 1 and (exports[0] / "model.int8.onnx").is_file()

    assert main(["model", "prepare", "--model", model]) == 0
    assert "already prepared" in capsys.readouterr().out

    # A user's run: the onnx runtime, then check what the process imported.
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['tradethehype', 'sentiment', '--backend', 'finbert', '--runtime', 'onnx',"
        f" '--model', {model!r}, 'shares soar', 'profit warning']\n"
        "try:\n"
        "    runpy.run_module('bot.cli', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "sys.stdout.flush()\n"
        "print('torch imported:', 'torch' in sys.modules, 'transformers imported:',"
        " 'transformers' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        cwd=ROOT,
        env=cli_env(TRADETHEHYPE_CACHE=str(cache)),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert b"torch imported: False transformers imported: False" in result.stderr
    rows = json_lines(result.stdout)
    assert [r["label"] for r in rows] == ["negative", "negative"]  # FinBERT's id2label order
    assert [r["model"] for r in rows] == [model, model]
    assert len(list((cache / "onnx").iterdir())) == 1  # nothing exported again
