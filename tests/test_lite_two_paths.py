"""A lite v4 graph has two paths: a headline alone is read by the headline network exactly, a
company within a headline by the target network, stored as a low-rank difference.

Built here from a tiny BERT (tests/support/tinymodels.py) and a perturbed copy of it: the
module, its ONNX export, the batch-invariant int8 graph and the runtime that feeds `target`.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.sentiment.onnxrt import OnnxClassifier  # noqa: E402
from engine.sentiment.quantize import quantize_stable  # noqa: E402
from tests.support.tinymodels import build_tiny_bert  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.lite_nn import build_classifier, pad, torch_logits  # noqa: E402
from scripts.lite_ship import export_onnx  # noqa: E402
from scripts.lite_twopath import (  # noqa: E402
    export_two_path,
    low_rank,
    merge_paths,
    one_path,
    two_path,
)

LINES = ["acme beats estimates", "acme shares plunge", "acme to hold annual meeting", "acme"]


@pytest.fixture(scope="module")
def nets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A headline network and a target network that differs from it everywhere."""
    root = tmp_path_factory.mktemp("twopath")
    labels = {0: "negative", 1: "positive", 2: "neutral"}
    folder = build_tiny_bert(root / "bert", labels, "positive")
    torch.manual_seed(0)
    headline = build_classifier(str(folder))
    target = copy.deepcopy(headline)
    with torch.no_grad():
        for p in target.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return {"folder": folder, "headline": headline, "target": target.state_dict(), "root": root}


def ids_of(folder: Path) -> list[list[int]]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return [e.ids for e in tok.encode_batch(LINES)]


def test_low_rank_factors_rebuild_a_matrix_of_that_rank() -> None:
    torch.manual_seed(1)
    delta = torch.randn(12, 3) @ torch.randn(3, 8)
    u, v = low_rank(delta, 3)
    assert u.shape == (12, 3) and v.shape == (3, 8)
    assert torch.allclose(u @ v, delta, atol=1e-5)
    u1, v1 = low_rank(delta, 1)
    assert not torch.allclose(u1 @ v1, delta, atol=1e-2)


def test_headline_rows_get_the_headline_network_exactly(nets: dict) -> None:
    ids = ids_of(nets["folder"])
    want_headline = torch_logits(nets["headline"], ids)
    other = copy.deepcopy(nets["headline"])
    other.load_state_dict(nets["target"])
    want_target = torch_logits(other, ids)
    for rank in (1, 1000):  # even a crude difference leaves the headline path untouched
        module = two_path(copy.deepcopy(nets["headline"]), nets["target"], rank)
        assert np.array_equal(torch_logits(one_path(module, 0.0), ids), want_headline)
    # at full rank the target path is the target network
    got_target = torch_logits(one_path(module, 1.0), ids)
    assert np.allclose(got_target, want_target, atol=1e-4)
    assert not np.allclose(got_target, want_headline, atol=1e-2)


def test_the_int8_graph_keeps_both_paths_apart_in_any_batch(nets: dict) -> None:
    root, folder = nets["root"], nets["folder"]
    module = two_path(copy.deepcopy(nets["headline"]), nets["target"], 1000)
    export_two_path(module, root / "two.onnx")
    export_onnx(nets["headline"], root / "one.onnx")
    for name in ("two", "one"):
        quantize_stable(root / f"{name}.onnx", root / f"{name}8.onnx")
    counts = merge_paths(root / "one8.onnx", root / "two8.onnx", root / "merged.onnx")
    assert counts["shared"] > 0  # the headline network's weights are stored once
    runners = {}
    for name in ("merged", "one8"):
        runners[name] = OnnxClassifier(
            root / f"{name}.onnx", folder / "tokenizer.json",
            labels=("negative", "positive", "neutral"), max_length=32,
        )
        runners[name].load()
    two, one = runners["merged"], runners["one8"]
    # a headline alone: the same logits as the headline network's own int8 graph
    assert np.allclose(two.logits(LINES), one.logits(LINES), atol=1e-5)
    # a company within a headline: the target network (int8, so not to the last digit)
    with torch.inference_mode():
        input_ids, mask = pad(ids_of(folder))
        fp32 = module(input_ids, mask, torch.ones(len(LINES))).numpy()
    marked = two.logits(LINES, target=True)
    assert np.allclose(marked, fp32, atol=0.05)
    assert not np.allclose(marked, two.logits(LINES), atol=1e-3)
    # batch-invariant: one row at a time gives what a batch gives, on both paths
    for flag in (False, True):
        alone = np.vstack([two.logits([line], target=flag) for line in LINES])
        assert np.abs(alone - two.logits(LINES, target=flag)).max() <= 1e-4
