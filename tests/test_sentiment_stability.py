"""A headline's scores do not depend on the other headlines in its batch (issue 15).

Each text is scored alone (batch size 1) and among 63 others in batches of 32 (texts of 1 to
40 words, so most are padded): probabilities must agree to 1e-4 and no label may change. For
FinBERT's ONNX export (a tiny BERT in FinBERT's label layout, prepared through the real
`prepare` path) and for the shipped lite model. Also: a changed model file never reads scores
cached for the old one, and an export made by the old (batch-dependent) recipe is not used.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.tinymodels import FINBERT_ORDER, build_tiny_bert

from engine.models import Sentiment
from engine.sentiment.finbert import FinBertBackend
from engine.sentiment.lite import DEFAULT_DIR, META_FILE, LiteBackend
from engine.sentiment.prepare import CARD_FILE, EXPORT_VERSION, prepare
from engine.sentiment.quantize import METHOD
from engine.sentiment.target import Target
from engine.store import Store

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-4  # max absolute probability difference, batch of 1 vs batch of 32
WORDS = (
    "the shares stock company profit loss revenue guidance estimates beats misses raises cuts "
    "plunge soar rise fall record warning upgrade downgrade buy sell hold market quarter results "
    "earnings bank price target analyst rating news after as with on"
).split()


def headlines(n: int = 64, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 40))) for _ in range(n)]


def compare(alone: list[Sentiment], together: list[Sentiment]) -> tuple[float, int]:
    """Largest probability difference and number of label changes between two scorings."""
    diff = max(
        abs(a.scores[k] - b.scores[k])
        for a, b in zip(alone, together, strict=True)
        for k in a.scores
    )
    return diff, sum(a.label != b.label for a, b in zip(alone, together, strict=True))


@pytest.fixture(scope="module")
def tiny_finbert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # margin 0: labels vary by text and probabilities stay far from 0 and 1, so any
    # dependence on the batch shows in them (a saturated model would hide it)
    model = build_tiny_bert(
        tmp_path_factory.mktemp("stable") / "finbert", FINBERT_ORDER, "negative", margin=0.0
    )
    prepare(str(model))
    return model


def onnx_finbert(model: Path, batch_size: int) -> FinBertBackend:
    backend = FinBertBackend(str(model), batch_size=batch_size, runtime="onnx")
    backend.load()
    return backend


def test_finbert_onnx_scores_do_not_depend_on_the_batch(tiny_finbert: Path) -> None:
    texts = headlines()
    alone = onnx_finbert(tiny_finbert, 1).classify_sync(texts)
    together = onnx_finbert(tiny_finbert, 32).classify_sync(texts)

    assert len({r.label for r in alone}) == 3  # the check has teeth: varied, unsaturated
    assert max(max(r.scores.values()) for r in alone) < 0.99
    diff, flips = compare(alone, together)
    assert diff <= TOLERANCE and flips == 0, (diff, flips)


def test_the_prepared_export_says_how_it_was_quantized(tiny_finbert: Path) -> None:
    backend = onnx_finbert(tiny_finbert, 32)
    card = json.loads((backend._onnx.model_path.parent / CARD_FILE).read_text())  # type: ignore[union-attr]
    assert card["export_version"] == EXPORT_VERSION
    assert card["quantization"]["method"] == METHOD
    assert card["quantization"]["batch_invariant"] is True
    assert card["quantization"]["int8_matmuls"] == 6  # one layer: Q, K, V, out, FFN in and out


def _shipped_lite_method() -> str:
    card = json.loads((DEFAULT_DIR / META_FILE).read_text(encoding="utf-8"))
    return str(card.get("quantization", {}).get("method", ""))


def test_shipped_lite_scores_do_not_depend_on_the_batch() -> None:
    assert _shipped_lite_method() == METHOD  # the shipped graph is the per-token int8 one
    alone, together = LiteBackend(batch_size=1), LiteBackend(batch_size=32)
    alone.load()
    together.load()
    texts = headlines()

    diff, flips = compare(alone.classify_sync(texts), together.classify_sync(texts))
    assert diff <= TOLERANCE and flips == 0, (diff, flips)

    # a company within a headline too: each text with its third word as the company
    targets = []
    for text in texts:
        words = text.split()
        if len(words) >= 3:
            start = len(" ".join(words[:2])) + 1
            targets.append(Target(text, words[2], start, start + len(words[2])))
    assert len(targets) > 40
    diff, flips = compare(
        alone.classify_targets_sync(targets), together.classify_targets_sync(targets)
    )
    assert diff <= TOLERANCE and flips == 0, (diff, flips)


@pytest.mark.asyncio
async def test_a_changed_model_file_never_reads_the_old_ones_cached_scores(
    tiny_finbert: Path, tmp_path: Path
) -> None:
    import numpy as np
    import onnx
    from onnx import numpy_helper

    first = onnx_finbert(tiny_finbert, 32)
    path = first._onnx.model_path  # type: ignore[union-attr]
    old = first.classify_sync(["profit"])
    async with await Store.open(tmp_path / "s.db") as store:
        await store.cache_sentiments(first.cache_key, [("profit", old[0])], datetime.now(UTC))

        # the export replaced in place by another graph (here: the head's bias moved)
        graph = onnx.load(str(path))
        bias = next(i for i in graph.graph.initializer if "classifier.bias" in i.name)
        bias.CopyFrom(
            numpy_helper.from_array(numpy_helper.to_array(bias) + np.float32(1.0), bias.name)
        )
        onnx.save(graph, str(path))
        second = onnx_finbert(tiny_finbert, 32)

        assert second.cache_key != first.cache_key
        assert await store.cached_sentiments(second.cache_key, ["profit"]) == {}
        assert list(await store.cached_sentiments(first.cache_key, ["profit"])) == ["profit"]
        torch_key = FinBertBackend(str(tiny_finbert), runtime="torch")
        torch_key.load()
        assert torch_key.cache_key.endswith(":torch")
        assert torch_key.cache_key not in (first.cache_key, second.cache_key)


def test_an_export_by_the_old_recipe_is_refused_in_one_line_without_torch(tmp_path: Path) -> None:
    model = build_tiny_bert(tmp_path / "model", FINBERT_ORDER, "negative")
    old = tmp_path / "cache" / "onnx" / "0123456789abcdef0123"
    old.mkdir(parents=True)
    for name in ("model.int8.onnx", "tokenizer.json"):
        (old / name).write_bytes(b"old")
    card = {"source": str(model.resolve()), "labels": list(FINBERT_ORDER.values())}
    (old / CARD_FILE).write_text(json.dumps({**card, "max_length": 64, "export_version": 1}))
    probe = (  # a machine without torch: the export cannot be made again here
        "import sys, runpy\n"
        "sys.modules['torch'] = None\n"
        "sys.argv = ['tradethehype', 'sentiment', '--backend', 'finbert', '--runtime', 'onnx',"
        f" '--model', {str(model)!r}, 'shares soar']\n"
        "runpy.run_module('bot.cli', run_name='__main__')\n"
    )
    env = {"TRADETHEHYPE_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, cwd=ROOT, env=env, timeout=120
    )

    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert str(old) in lines[0] and "run `tradethehype model prepare` again" in lines[0]
    assert result.stdout == b""
