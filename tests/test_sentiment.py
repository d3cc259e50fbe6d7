"""The finbert and lite sentiment backends, their loader and the shared text cleaning.

FinBERT itself is never downloaded: tiny BERT classifiers with known outputs stand in for it.
The lite backend runs for real (its embedding model ships with a package).
"""

from __future__ import annotations

import asyncio
import http.server
import importlib.util
import json
import sys
import threading
from pathlib import Path

import pytest
from support.tinymodels import FINBERT_ORDER, MAX_POSITIONS, build_tiny_bert

from engine.errors import BackendUnavailable
from engine.sentiment import runtime
from engine.sentiment.backends import load_backend
from engine.sentiment.clean import clean_text
from engine.sentiment.lite import DEFAULT_DIR, META_FILE, LiteBackend
from engine.sentiment.runtime import cpu_threads

OTHER_ORDER = {0: "Neutral", 1: "POSITIVE", 2: "negative"}  # other order, other case
HEADLINES = [
    "Company X shares plunge after profit warning",
    "X beats estimates and raises guidance",
    "Acme to hold annual meeting",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny")
    return {
        # Both favour class index 1: only id2label tells "negative" from "positive".
        "finbert_order": build_tiny_bert(root / "finbert_order", FINBERT_ORDER, "negative"),
        "other_order": build_tiny_bert(root / "other_order", OTHER_ORDER, "POSITIVE"),
        "generic": build_tiny_bert(
            root / "generic", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "LABEL_1"
        ),
        "bullish": build_tiny_bert(
            root / "bullish", {0: "bullish", 1: "bearish", 2: "neutral"}, "bullish"
        ),
        "two_labels": build_tiny_bert(
            root / "two_labels", {0: "positive", 1: "negative"}, "positive"
        ),
    }


@pytest.fixture(scope="module")
def lite() -> LiteBackend:
    backend = load_backend("lite")
    assert isinstance(backend, LiteBackend)
    return backend


def assert_one_line(err: pytest.ExceptionInfo[BackendUnavailable]) -> str:
    message = str(err.value)
    assert message and "\n" not in message
    return message


# --- finbert -------------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ["torch", "onnx"])
@pytest.mark.parametrize(
    ("model", "expected"), [("finbert_order", "negative"), ("other_order", "positive")]
)
@pytest.mark.asyncio
async def test_finbert_labels_come_from_id2label(
    tiny: dict[str, Path], model: str, expected: str, runtime: str
) -> None:
    backend = load_backend("finbert", str(tiny[model]), runtime=runtime)
    assert backend.name == "finbert"
    assert backend.model_id == str(tiny[model])
    assert backend.runtime == runtime  # type: ignore[attr-defined]

    results = await backend.classify(HEADLINES)

    assert [r.label for r in results] == [expected] * len(HEADLINES)
    for r in results:
        assert set(r.scores) == {"positive", "negative", "neutral"}
        assert sum(r.scores.values()) == pytest.approx(1.0, abs=1e-4)
        assert r.scores[expected] > 0.99


@pytest.mark.parametrize("runtime", ["torch", "onnx"])
@pytest.mark.asyncio
async def test_finbert_batches_return_results_in_input_order(
    tiny: dict[str, Path], runtime: str
) -> None:
    texts = [
        "the bank cuts the price target on the stock after a loss in the quarter",
        "profit",
        "shares soar",
        "revenue beats estimates as the company raises guidance for the year",
        "stock falls",
        "analyst rating: hold",
        "market news and earnings results from the bank",
    ]
    batched = load_backend("finbert", str(tiny["finbert_order"]), batch_size=2, runtime=runtime)
    together = await batched.classify(texts)
    alone = [(await batched.classify([t]))[0] for t in texts]

    # The tiny model gives each of these texts clearly different runner-up scores, so any
    # reordering would show.
    runner_up = sorted(r.scores["positive"] for r in alone)
    assert all(b > a * 1.03 for a, b in zip(runner_up, runner_up[1:], strict=False))
    assert [r.label for r in together] == [r.label for r in alone]
    # Both runtimes score a text the same whatever its batch mates (the int8 graph quantizes
    # activations per token, not per batch: tests/test_sentiment_stability.py).
    for got, want in zip(together, alone, strict=True):
        assert got.scores == pytest.approx(want.scores, rel=1e-3, abs=1e-12)


@pytest.mark.asyncio
async def test_finbert_concurrent_calls_each_get_their_own_results(tiny: dict[str, Path]) -> None:
    backend = load_backend("finbert", str(tiny["other_order"]), batch_size=3)
    first, second = ["shares soar", "profit"], ["stock falls after a loss", "bank"]

    a, b = await asyncio.gather(backend.classify(first), backend.classify(second))
    assert [r.scores for r in a] == [r.scores for r in await backend.classify(first)]
    assert [r.scores for r in b] == [r.scores for r in await backend.classify(second)]


@pytest.mark.parametrize("runtime", ["torch", "onnx"])
@pytest.mark.asyncio
async def test_finbert_truncates_long_texts(tiny: dict[str, Path], runtime: str) -> None:
    from transformers import AutoTokenizer

    long_text = "shares plunge after profit warning " * 600  # ~21,000 characters
    tokens = AutoTokenizer.from_pretrained(str(tiny["finbert_order"]))(long_text)["input_ids"]
    assert len(long_text) > 20_000 and len(tokens) > MAX_POSITIONS  # would overflow the model

    backend = load_backend("finbert", str(tiny["finbert_order"]), runtime=runtime)
    results = await backend.classify(["short one", long_text, "x" * 20_000, "🚀📉", ""])

    assert [r.label for r in results] == ["negative"] * 5


@pytest.mark.asyncio
async def test_finbert_sets_torch_threads_and_needs_load(tiny: dict[str, Path]) -> None:
    import torch

    from engine.sentiment.finbert import FinBertBackend

    backend = FinBertBackend(str(tiny["finbert_order"]), runtime="torch")
    assert await backend.classify([]) == []
    with pytest.raises(RuntimeError, match="load"):
        await backend.classify(["shares soar"])
    torch.set_num_threads(1)
    backend.load()
    assert torch.get_num_threads() == cpu_threads()
    assert (await backend.classify(["shares soar"]))[0].label == "negative"


@pytest.mark.parametrize("model", ["generic", "bullish", "two_labels"])
def test_finbert_rejects_models_without_the_three_labels(tiny: dict[str, Path], model: str) -> None:
    with pytest.raises(BackendUnavailable) as err:
        load_backend("finbert", str(tiny[model]))
    message = assert_one_line(err)
    assert str(tiny[model]) in message
    assert "'positive', 'negative' and 'neutral'" in message


@pytest.mark.parametrize("missing", ["absolute", "./models/finbert-missing", "~/no-such-dir/x"])
def test_finbert_missing_path(tmp_path: Path, missing: str) -> None:
    model = str(tmp_path / "nowhere") if missing == "absolute" else missing
    with pytest.raises(BackendUnavailable) as err:
        load_backend("finbert", model)
    assert "does not exist" in assert_one_line(err)


def test_finbert_folder_without_a_model(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackendUnavailable) as err:
        load_backend("finbert", str(tmp_path / "empty"))
    assert str(tmp_path / "empty") in assert_one_line(err)


def test_hub_id_with_offline_mode_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(runtime, "hub_reachable", lambda *a, **k: pytest.fail("probed the hub"))
    with pytest.raises(BackendUnavailable) as err:  # without probing the hub (see above)
        load_backend("finbert", "tradethehype-tests/no-such-model")
    message = assert_one_line(err)
    assert "'tradethehype-tests/no-such-model'" in message
    assert "HF_HUB_OFFLINE" in message and 'backend = "lite"' in message


def test_hub_id_with_unreachable_hub_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    probes: list[bool] = []
    monkeypatch.setattr(runtime, "hub_reachable", lambda *a, **k: probes.append(True) or False)
    with pytest.raises(BackendUnavailable) as err:
        load_backend("finbert", "ProsusAI/finbert-not-cached-here")
    assert probes == [True]
    message = assert_one_line(err)
    assert "hub is unreachable" in message
    assert "download it once with network access" in message


def test_hub_probe_times_out_on_a_dead_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    assert runtime.hub_reachable(timeout=2.0) is False  # refused at once: no answer, no hang


def test_hub_probe_counts_any_http_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
            monkeypatch.delenv(var, raising=False)
        assert runtime.hub_reachable(timeout=2.0) is True
    finally:
        server.shutdown()
        server.server_close()


def test_missing_package_is_reported(
    tiny: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(BackendUnavailable) as err:
        load_backend("finbert", str(tiny["finbert_order"]), runtime="torch")
    message = assert_one_line(err)
    assert "'transformers'" in message and "pip install transformers" in message


def test_unknown_backend() -> None:
    with pytest.raises(BackendUnavailable) as err:
        load_backend("vader")
    message = assert_one_line(err)
    assert "'vader'" in message and "'finbert'" in message and "'lite'" in message


# --- lite ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_lite_classifies_obvious_headlines(lite: LiteBackend) -> None:
    texts = {
        "Company X shares plunge after profit warning": "negative",
        "Boeing cuts 10% of workforce as losses mount": "negative",
        "X beats estimates and raises guidance": "positive",
        "Nvidia stock soars to record high on AI demand": "positive",
        "Acme Corp to hold annual shareholder meeting on May 5": "neutral",
    }
    results = await lite.classify(list(texts))

    assert [r.label for r in results] == list(texts.values())
    for r in results:
        assert set(r.scores) == {"positive", "negative", "neutral"}
        assert sum(r.scores.values()) == pytest.approx(1.0, abs=1e-4)
        assert r.label == max(r.scores, key=r.scores.__getitem__)
    assert lite.name == "lite"
    assert lite.model_id == "tradethehype-lite (MiniLM-L6, fine-tuned, int8)"


@pytest.mark.asyncio
async def test_lite_cleans_tweets_like_headlines(lite: LiteBackend) -> None:
    tweet, headline = await lite.classify(
        [
            "$BYND - Beyond Meat shares plunge after profit warning https://t.co/bd0xbFGjkT",
            "Beyond Meat shares plunge after profit warning",
        ]
    )
    assert tweet.scores == pytest.approx(headline.scores, abs=1e-5)


@pytest.mark.asyncio
async def test_lite_keeps_input_order_across_batches(lite: LiteBackend) -> None:
    texts = [
        "Company X shares plunge after profit warning and the chief executive resigns",
        "X beats estimates",
        "Acme to hold annual meeting",
        "Bank downgrades Ford to underperform",
    ]
    small = LiteBackend(batch_size=2)
    small.load()
    together = await small.classify(texts)
    alone = [(await lite.classify([t]))[0] for t in texts]
    for got, want in zip(together, alone, strict=True):  # int8: scores move a little by batch
        assert got.scores == pytest.approx(want.scores, abs=5e-3)
    assert [r.label for r in together] == ["negative", "positive", "neutral", "negative"]


def test_shipped_lite_model_is_small_plain_files_that_reach_the_figures() -> None:
    files = {p.name: p.stat().st_size for p in DEFAULT_DIR.iterdir()}
    assert set(files) == {"model.onnx", "tokenizer.json", META_FILE}  # no pickle anywhere
    assert sum(files.values()) <= 35_000_000  # the issue-15 size target for the lite model
    card = json.loads((DEFAULT_DIR / META_FILE).read_text(encoding="utf-8"))
    assert card["labels"] == ["negative", "positive", "neutral"]
    training, held_out = card["training"], card["held_out"]
    assert training["split"]["held_out_rows"] > 1000
    assert training["split"]["val_rows"] > 500  # choices were made on a validation slice
    # No regression on one-company text (issue 15): tweets and formal sentences at least 0.85,
    # measured through the runtime on rows no choice looked at (docs/benchmarks.md).
    assert held_out["tfns_held_out"]["rows"] == training["split"]["held_out_rows"]
    assert held_out["tfns_held_out"]["accuracy"] >= 0.85
    assert held_out["formal_sentences"]["rows"] >= 150
    assert held_out["formal_sentences"]["accuracy"] >= 0.85
    # per company, on SEntFiN's test slice: well above copying the headline's label
    mixed = held_out["sentfin_test_mixed"]
    assert mixed["accuracy"] >= mixed["headline_copy_baseline"] + 0.25
    assert card["quantization"]["val_agreement_int8_vs_fp32"] >= 0.98


def test_lite_missing_or_broken_model(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable) as err:
        load_backend("lite", str(tmp_path / "nope"))
    assert "is not a lite model folder" in assert_one_line(err)

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / META_FILE).write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(BackendUnavailable) as err:
        load_backend("lite", str(broken))
    assert "not usable" in assert_one_line(err)

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ("tokenizer.json", META_FILE):
        (damaged / name).write_bytes((DEFAULT_DIR / name).read_bytes())
    (damaged / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(BackendUnavailable) as err:
        load_backend("lite", str(damaged / META_FILE))  # the card's path works as well
    assert "not usable" in assert_one_line(err)


def test_train_script_exits_2_without_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "train_lite.py"
    spec = importlib.util.spec_from_file_location("train_lite", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "lite"

    args = ["--data", str(tmp_path / "missing.csv"), "--out", str(out), "--work", str(tmp_path)]
    assert module.main(args) == 2
    assert "training data not found" in capsys.readouterr().err
    assert not out.exists()


# --- text cleaning -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "$BYND - JPMorgan reels in expectations on Beyond Meat https://t.co/bd0xbFGjkT",
            "JPMorgan reels in expectations on Beyond Meat",
        ),
        (
            "$CCL $RCL - Nomura points to bookings weakness at Carnival https://t.co/yGjpT2ReD3",
            "Nomura points to bookings weakness at Carnival",
        ),
        (
            "$ESS: BTIG Research cuts to Neutral https://t.co/MCyfTsXc2N",
            "BTIG Research cuts to Neutral",
        ),
        ("$NBY rated buy", "NBY rated buy"),
        ("Apple ($AAPL) rises to $190, beats $MSFT", "Apple (AAPL) rises to $190, beats MSFT"),
        ("$1 gasoline is back https://t.co/4WRKl5WZ4N", "$1 gasoline is back"),
        (
            "Tesla shares climb  \n on deliveries www.example.com/x",
            "Tesla shares climb on deliveries",
        ),
        ("Profit warning at Acme", "Profit warning at Acme"),
        ("$AAPL $MSFT", "AAPL MSFT"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
