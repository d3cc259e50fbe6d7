"""The lite model's two paths (format v4), used by scripts/train_lite.py.

A headline alone and a company within a headline are read by two fine-tuned networks that
share one graph. The headline network is stored whole; the target network is stored as its
difference from the headline network: each matrix's difference cut to its first `rank`
singular directions (two thin factors), each vector's and the small position and token-type
tables' kept whole. The graph takes a third input, `target` (one 0 or 1 per row), and adds
every difference times `target`: a headline alone (0) gets the headline network's logits
exactly (adding a zero), a marked company (1) gets the target network's. Rows never mix, so
the scores stay the same in any batch. The shipped graph (`merge_paths`) wraps this in an `If`
so that a batch of headlines alone runs the headline network's own graph, at its speed.

Why: training on one-event headlines ("X takes share from Y") teaches the per-company reading
but costs single-company tweets (docs/benchmarks.md, "Attempts not shipped"); two paths keep
both, for a few MB instead of a second 23 MB model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SKIP = ("encoder.pooler.",)  # computed by the encoder but never read by the classifier


def low_rank(delta: Any, rank: int) -> tuple[Any, Any]:
    """Factors (out x r, r x in) whose product is `delta`'s best rank-`rank` approximation."""
    import torch

    u, s, vh = torch.linalg.svd(delta.float(), full_matrices=False)
    r = min(rank, s.numel())
    return (u[:, :r] * s[:r]).contiguous(), vh[:r].contiguous()


# One builder for the three kinds of switched layer (85 lines): they share the switch and the
# way a difference is scaled by it, so they read best side by side.
def two_path(model: Any, target_state: dict[str, Any], rank: int) -> Any:
    """Wrap `model` (holding the headline network's weights) into the two-path module
    `(input_ids, attention_mask, target) -> logits`; `target_state` is the target network's
    state dict (same keys)."""
    import torch
    import torch.nn.functional as F  # noqa: N812
    from torch import nn

    base_state = model.state_dict()

    class Switch:
        m: Any = None  # the `target` input, set per forward call

        def scale(self, x: Any) -> Any:
            return self.m.reshape(-1, *([1] * (x.dim() - 1)))

    switch = Switch()

    def fixed(name: str) -> Any:
        return nn.Parameter((target_state[name] - base_state[name]).float(), requires_grad=False)

    def factors(name: str, full: bool) -> tuple[Any, Any]:
        """The weight's difference as (u, v) with u @ v ~ difference; (difference, None) whole."""
        delta = fixed(f"{name}.weight")
        if full:
            return delta, None
        u, v = low_rank(delta.data, rank)
        return nn.Parameter(u, requires_grad=False), nn.Parameter(v, requires_grad=False)

    class Linear(nn.Module):
        def __init__(self, base: Any, name: str, full: bool) -> None:
            super().__init__()
            self.base = base
            self.u, self.v = factors(name, full)
            self.db = fixed(f"{name}.bias")

        def forward(self, x: Any) -> Any:
            inner = x if self.v is None else F.linear(x, self.v)
            return self.base(x) + switch.scale(x) * (F.linear(inner, self.u) + self.db)

    class Norm(nn.Module):
        def __init__(self, base: Any, name: str) -> None:
            super().__init__()
            self.base = base
            self.dw, self.db = fixed(f"{name}.weight"), fixed(f"{name}.bias")

        def forward(self, x: Any) -> Any:
            plain = F.layer_norm(x, self.base.normalized_shape, None, None, self.base.eps)
            return self.base(x) + switch.scale(x) * (plain * self.dw + self.db)

    class Table(nn.Module):
        def __init__(self, base: Any, name: str, full: bool) -> None:
            super().__init__()
            self.base = base
            self.u, self.v = factors(name, full)

        def forward(self, ids: Any) -> Any:
            rows = F.embedding(ids, self.u)
            rows = rows if self.v is None else rows @ self.v
            return self.base(ids) + switch.scale(rows) * rows

    wrap: dict[str, Any] = {}
    for name, module in model.named_modules():
        if not name or name.startswith(SKIP):
            continue
        if isinstance(module, nn.Linear):
            wrap[name] = Linear(module, name, full=name.startswith("classifier"))
        elif isinstance(module, nn.LayerNorm):
            wrap[name] = Norm(module, name)
        elif isinstance(module, nn.Embedding):
            wrap[name] = Table(module, name, full="word_embeddings" not in name)
    for name, new in wrap.items():
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent) if parent else model, child, new)

    class TwoPath(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, target: Any) -> Any:
            switch.m = target.to(torch.float32)
            return self.inner(input_ids, attention_mask)

    return TwoPath()


def one_path(module: Any, flag: float) -> Any:
    """`module` with `target` fixed, as `(input_ids, attention_mask) -> logits` (for
    scripts/lite_nn.torch_logits)."""
    import torch

    class OnePath(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.two = module

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            target = torch.full((input_ids.shape[0],), flag, dtype=torch.float32)
            return self.two(input_ids, attention_mask, target)

    return OnePath()


def export_two_path(module: Any, path: Path) -> None:
    """The fp32 graph of a two-path module (inputs input_ids, attention_mask, target)."""
    import torch

    from engine.sentiment.prepare import export_logits_graph
    from scripts.lite_nn import EXPORT_EXAMPLE, pad

    ids, mask = pad(EXPORT_EXAMPLE)
    export_logits_graph(torch, module, (ids, mask, torch.tensor([0.0, 1.0])), path)


def target_objective(examples: list[Any]) -> Any:
    """The target path's choosing figure: the mean of SEntFiN entity, SEntFiN mixed-headline
    and US validation mixed-headline accuracy (companies within headlines only)."""
    from scripts.lite_select import val_figures

    def figure(logits: Any) -> float:
        v = val_figures(logits, examples)
        parts = ["sentfin", "sentfin_mixed", *(["us_mixed"] if "us_mixed" in v else [])]
        return round(sum(v[p] for p in parts) / len(parts), 4)

    return figure


MARGIN = 0.003  # a larger rank must beat the smallest by this much on validation to be kept


# The target path's choices in order (soup per recipe, then each rank, offsets last), kept as
# one readable list (60 lines).
def choose_target_path(
    headline: Any, recipes: dict[int, tuple[list[Any], dict[str, Path]]], tokenizer: Any,
    ranks: list[int],
) -> tuple[Any, dict[str, Any]]:
    """The two-path module and what was tried. `headline`: the chosen headline network (its
    offsets in its bias); `recipes`: one-event headline count -> (validation examples with the
    US set, checkpoints). Every choice on the target rows of validation only."""
    import copy

    import numpy as np
    import torch

    from engine.sentiment.lite import MAX_SEQ_LENGTH
    from scripts.lite_data import encode
    from scripts.lite_nn import torch_logits
    from scripts.lite_select import greedy_soup, headlines_alone, tune_bias, val_figures

    trials: list[dict[str, Any]] = []
    states: dict[int, dict[str, Any]] = {}
    for relations, (val, candidates) in recipes.items():
        rows = [e for e, alone in zip(val, headlines_alone(val), strict=True) if not alone]
        ids, objective = encode(tokenizer, rows, MAX_SEQ_LENGTH), target_objective(rows)
        scratch = copy.deepcopy(headline)
        states[relations], members, _ = greedy_soup(scratch, candidates, ids, objective)
        for rank in ranks:
            module = two_path(copy.deepcopy(headline), states[relations], rank)
            logits = torch_logits(one_path(module, 1.0), ids)
            offsets = tune_bias(logits, objective)
            trials.append({
                "relations": relations, "soup": members, "rank": rank,
                "logit_offsets": [round(float(b), 2) for b in offsets],
                "objective": objective(logits + offsets),
                "validation": val_figures(logits + offsets, rows),
            })
            print(f"  target path {trials[-1]}", flush=True)
    best = max(t["objective"] for t in trials)
    smallest = min(t["rank"] for t in trials if t["objective"] >= best - MARGIN)
    chosen = max((t for t in trials if t["rank"] == smallest), key=lambda t: t["objective"])
    state = dict(states[chosen["relations"]])
    state["classifier.bias"] = state["classifier.bias"] + torch.from_numpy(
        np.asarray(chosen["logit_offsets"], dtype=np.float32)
    )
    module = two_path(copy.deepcopy(headline), state, chosen["rank"])
    return module, {
        "how": "headline alone: the headline network; a company within a headline: that "
        "network plus the target network's difference (matrices cut to `rank` singular "
        "directions, vectors whole), chosen on validation's target rows: mean of SEntFiN "
        f"entity, SEntFiN mixed and US mixed accuracy; the smallest rank within {MARGIN} of "
        "the best wins (scripts/lite_twopath.py)",
        "trials": trials,
        "chosen": chosen,
    }


def merge_paths(headline: Path, two: Path, dst: Path) -> dict[str, int]:
    """One graph that runs only the path a batch needs: an `If` on "any row is a company
    within a headline" runs `two` (both paths, row by row), else `headline` (the headline
    network alone, with no difference to add, so headline batches cost what v3 did).

    Both inputs are int8 graphs from engine.sentiment.quantize; weights they share (the same
    bytes) are stored once. Returns the initializer counts, for the model card."""
    import hashlib

    import onnx
    from onnx import helper, numpy_helper

    models = {"t": onnx.load(str(two)), "h": onnx.load(str(headline))}
    outer = {"input_ids", "attention_mask", "target"}
    stored: dict[bytes, Any] = {}  # content -> the one initializer kept
    branches = {}
    for prefix, model in models.items():
        rename: dict[str, str] = {}
        for init in model.graph.initializer:
            value = numpy_helper.to_array(init)
            key = hashlib.sha256(f"{value.dtype}{value.shape}".encode() + value.tobytes()).digest()
            kept = stored.setdefault(key, init)
            rename[init.name] = kept.name if kept is not init else f"{prefix}/{init.name}"
            if kept is init:
                init.name = rename[init.name]

        def new(name: str, rename: dict[str, str] = rename, prefix: str = prefix) -> str:
            return name if not name or name in outer else rename.get(name, f"{prefix}/{name}")

        for node in model.graph.node:
            node.input[:] = [new(n) for n in node.input]
            node.output[:] = [new(n) for n in node.output]
            node.name = f"{prefix}/{node.name}"
        (out,) = model.graph.output
        branches[prefix] = helper.make_graph(
            list(model.graph.node), f"{prefix}_path", [],
            [helper.make_tensor_value_info(new(out.name), onnx.TensorProto.FLOAT, None)],
        )
    inputs = list(models["t"].graph.input)
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMax", ["target"], ["target_any"], keepdims=0),
            helper.make_node("Greater", ["target_any", "half"], ["use_target"]),
            helper.make_node("If", ["use_target"], ["logits"], then_branch=branches["t"],
                             else_branch=branches["h"]),
        ],
        "lite_two_paths", inputs, list(models["t"].graph.output),
        [helper.make_tensor("half", onnx.TensorProto.FLOAT, [], [0.5]), *stored.values()],
    )
    merged = helper.make_model(graph, opset_imports=models["t"].opset_import)
    merged.ir_version = models["t"].ir_version
    onnx.checker.check_model(merged)
    onnx.save(merged, str(dst))
    total = sum(len(m.graph.initializer) for m in models.values())
    return {"initializers": len(stored), "shared": total - len(stored)}
