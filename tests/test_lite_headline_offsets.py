"""A lite card may carry separate logit offsets for a headline scored alone.

Training (`scripts/train_lite.py --headline-offsets`) chooses the offsets for a company within
a headline on the per-company validation figure and folds them into the graph, then chooses
the headline-alone offsets on TFNS validation headlines; the runtime adds the latter to the
headline path only. These tests check both halves with the shipped graph and made-up logits.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.errors import BackendUnavailable
from engine.sentiment.lite import DEFAULT_DIR, META_FILE, LiteBackend
from engine.sentiment.target import Target

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.lite_data import Example  # noqa: E402
from scripts.lite_select import balanced, split_offsets, tune_bias  # noqa: E402

HEADLINE = "Apple beats estimates and raises its full-year outlook"


def folder_with(tmp_path: Path, offsets: object) -> Path:
    """The shipped model with a card that adds `offsets` for headlines alone."""
    folder = tmp_path / "lite"
    folder.mkdir()
    for name in ("model.onnx", "tokenizer.json"):
        (folder / name).symlink_to(DEFAULT_DIR / name)
    card = json.loads((DEFAULT_DIR / META_FILE).read_text(encoding="utf-8"))
    card["headline_logit_offsets"] = offsets
    (folder / META_FILE).write_text(json.dumps(card), encoding="utf-8")
    return folder


def test_headline_offsets_move_headlines_alone_not_companies(tmp_path: Path) -> None:
    shipped = LiteBackend()
    shipped.load()
    leaning = LiteBackend(folder_with(tmp_path, [0.0, 0.0, 8.0]))  # strongly toward neutral
    leaning.load()
    assert shipped.classify_sync([HEADLINE])[0].label == "positive"
    (alone,) = leaning.classify_sync([HEADLINE])
    assert alone.label == "neutral"
    assert sum(alone.scores.values()) == pytest.approx(1.0, abs=1e-6)
    apple = [Target(HEADLINE, "Apple", 0, 5)]
    assert leaning.classify_targets_sync(apple) == shipped.classify_targets_sync(apple)
    # other offsets, other scores: the score cache must not mix them up
    assert leaning.cache_key != shipped.cache_key and leaning.cache_key.startswith("lite:")


@pytest.mark.parametrize("offsets", [[1.0, 2.0], "strong", [0.0, float("nan"), 0.0]])
def test_bad_headline_offsets_are_one_clear_line(tmp_path: Path, offsets: object) -> None:
    backend = LiteBackend(folder_with(tmp_path, offsets))
    with pytest.raises(BackendUnavailable) as err:
        backend.load()
    message = str(err.value)
    assert "\n" not in message and "headline_logit_offsets must be" in message


def test_offsets_are_chosen_apart_for_headlines_and_companies() -> None:
    # headlines alone are neutral but lean positive; companies within them are positive
    rows = [Example(f"h{i}", "", 2, "tfns") for i in range(4)] + [
        Example(f"c{i}", "", 1, "sentfin", mixed=i % 2 == 0) for i in range(4)
    ]
    logits = np.tile(np.asarray([0.0, 0.3, 0.0], dtype=np.float32), (len(rows), 1))
    objective = balanced(rows)
    targets, head = split_offsets(logits, rows, objective)
    assert targets.tolist() == [0.0, 0.0, 0.0]  # companies were right already
    assert head.tolist() == pytest.approx([-0.1, -0.4, 0.0])  # the smallest that fixes headlines
    runtime = np.where(np.arange(len(rows))[:, None] < 4, logits + head, logits + targets)
    assert objective(runtime) == 1.0
    # one set of offsets for both cannot get both right
    assert objective(logits + tune_bias(logits, objective)) < 1.0
