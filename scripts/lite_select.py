"""Choosing on validation and scoring for scripts/train_lite.py: the model soup, the logit
offsets, and the figures (accuracy, macro F1, recall, confusion) recorded on the model card."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scripts.lite_data import LABELS as DATASET_LABELS
from scripts.lite_data import Example, read_rows
from scripts.lite_nn import torch_logits


def read_formal(path: Path) -> tuple[list[str], np.ndarray]:
    """benchmarks/data/formal_sentences.csv: `text,label` with label a word."""
    return read_rows(path, lambda word: DATASET_LABELS.index(word.strip()))


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, f1_score, recall_score

    recall = recall_score(y_true, y_pred, average=None, labels=[0, 1, 2], zero_division=0)
    return {
        "rows": int(len(y_true)),
        "accuracy": round(float((y_true == y_pred).mean()), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
        "recall": {DATASET_LABELS[i]: round(float(r), 4) for i, r in enumerate(recall)},
        "confusion_rows_true_cols_pred": confusion_matrix(
            y_true, y_pred, labels=[0, 1, 2]
        ).tolist(),
        "label_order": list(DATASET_LABELS),
    }


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return round(float((logits.argmax(axis=1) == y).mean()), 4)


def average_states(states: list[dict[str, Any]]) -> dict[str, Any]:
    """Uniform weight average ("model soup") of fine-tuned copies of one network."""
    out = {}
    for name, first in states[0].items():
        if first.is_floating_point():
            out[name] = sum(s[name] for s in states) / len(states)
        else:
            out[name] = first.clone()
    return out


Objective = Callable[[np.ndarray], float]  # validation logits -> the figure to maximise


def balanced(examples: list[Example]) -> Objective:
    """The choosing figure: the mean of TFNS headline accuracy, SEntFiN entity accuracy,
    SEntFiN mixed-headline accuracy and, when the US validation set is among the examples,
    its mixed-headline accuracy: the things the model must do (plain accuracy over all
    examples is two-thirds neutral-heavy tweets and headlines)."""
    def figure(logits: np.ndarray) -> float:
        v = val_figures(logits, examples)
        parts = ["tfns", "sentfin", "sentfin_mixed", *(["us_mixed"] if "us_mixed" in v else [])]
        return round(sum(v[p] for p in parts) / len(parts), 4)

    return figure


def greedy_soup(
    model: Any, candidates: dict[str, Path], ids: list[list[int]], objective: Objective
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """Add checkpoints (best on validation first) while the averaged weights do no worse."""
    import torch

    single: dict[str, float] = {}
    for name, path in candidates.items():
        model.load_state_dict(torch.load(path, weights_only=True))
        single[name] = objective(torch_logits(model, ids))
        print(f"  validation {name}: {single[name]:.4f}", flush=True)
    order = sorted(candidates, key=lambda n: -single[n])
    members = [order[0]]
    best = single[order[0]]
    log: list[dict[str, Any]] = [{"members": list(members), "val_accuracy": best}]
    for name in order[1:]:
        trial = members + [name]
        model.load_state_dict(
            average_states([torch.load(candidates[n], weights_only=True) for n in trial])
        )
        acc = objective(torch_logits(model, ids))
        print(f"  validation soup {trial}: {acc:.4f}", flush=True)
        log.append({"members": trial, "val_accuracy": acc})
        if acc >= best:
            members, best = trial, acc
    state = average_states([torch.load(candidates[n], weights_only=True) for n in members])
    return state, members, [{"single": single}, *log]


def tune_bias(logits: np.ndarray, objective: Objective, limit: float = 1.0) -> np.ndarray:
    """Per-class logit offsets (neutral fixed at 0) that maximise the validation objective.

    Coarse grid, step 0.1; ties go to the smallest offsets, so no evidence means no change.
    """
    grid = np.round(np.arange(-limit, limit + 1e-9, 0.1), 2)
    best = (objective(logits), 0.0, np.zeros(3, dtype=np.float32))
    for neg in grid:
        for pos in grid:
            bias = np.asarray([neg, pos, 0.0], dtype=np.float32)
            acc = objective(logits + bias)
            size = float(abs(neg) + abs(pos))
            if acc > best[0] or (acc == best[0] and size < best[1]):
                best = (acc, size, bias)
    return best[2]


def split_offsets(
    logits: np.ndarray, examples: list[Example], objective: Objective
) -> tuple[np.ndarray, np.ndarray]:
    """Offsets for the two ways the model is asked (`--headline-offsets`): for a company within
    a headline (chosen on the objective with the headlines-alone rows left as they are; the
    graph's bias carries them) and, on top of those, for a headline alone (chosen on TFNS
    validation headline accuracy; lite.json's `headline_logit_offsets`, applied at run time)."""
    alone = headlines_alone(examples)
    targets = tune_bias(logits, lambda lg: objective(np.where(alone[:, None], logits, lg)))
    y = np.asarray([e.label for e in examples])[alone]
    return targets, tune_bias((logits + targets)[alone], lambda lg: accuracy(lg, y))


def headlines_alone(examples: list[Example]) -> np.ndarray:
    """Which examples are a headline scored alone (no company marked or given)."""
    return np.asarray([e.source == "tfns" for e in examples], dtype=bool)


def val_figures(logits: np.ndarray, examples: list[Example]) -> dict[str, float]:
    """Accuracy on the validation examples: all, TFNS headlines, SEntFiN, SEntFiN mixed and
    the US validation set's mixed headlines when it is among them (0.0 for a part with no
    examples)."""
    y = np.asarray([e.label for e in examples])
    pred = logits.argmax(axis=1)

    def acc(keep: list[bool]) -> float:
        mask = np.asarray(keep)
        return round(float((pred[mask] == y[mask]).mean()), 4) if mask.any() else 0.0

    figures = {
        "all": acc([True] * len(examples)),
        "tfns": acc([e.source == "tfns" for e in examples]),
        "sentfin": acc([e.source == "sentfin" for e in examples]),
        "sentfin_mixed": acc([e.mixed and e.source == "sentfin" for e in examples]),
    }
    if any(e.source == "us" for e in examples):
        figures["us_mixed"] = acc([e.mixed and e.source == "us" for e in examples])
    return figures
