"""int8 ONNX graphs whose scores do not depend on the batch: per-token dynamic quantization.

onnxruntime's dynamic quantization gives each activation tensor ONE scale, computed at run time
over the whole batch: a headline's scores then depend on the other headlines in its batch and on
their padding (up to 0.3 probability apart between batch size 1 and 32, labels flipped). Here
every weight MatMul gets its own quantization of its input, row by row: each token's activation
vector is scaled by its own largest magnitude, rounded to int8, multiplied in integers by the
int8 weights (one scale per output channel) and scaled back. Integer products are exact, so a
token's result is the same whatever else is in the batch; what is left between batch shapes is
fp32 rounding (about 1e-7). Embedding tables are int8 with one scale per row, gathered before
they are scaled. Everything else (attention scores, softmax, layer norms, the classifier head
when it is a Gemm) stays fp32.

The graph uses standard ONNX operators only (MatMulInteger, ReduceMax, Cast, ...), runs at
the speed of onnxruntime's own dynamic int8 (see docs/benchmarks.md, "Stable scores") and is as
small. Used by engine/sentiment/prepare.py (FinBERT) and scripts/train_lite.py (the lite model).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and onnx are imported when a graph is quantized, not before
    import numpy as np

METHOD = "per-token dynamic int8"
RECIPE_VERSION = 1  # bump when the graph this module writes changes
_EPS = 1e-12  # an all-zero row still gets a finite scale


def quantize_stable(src: Path, dst: Path, *, keep_fp32: Sequence[str] = ()) -> dict[str, Any]:
    """Write the batch-invariant int8 form of the fp32 ONNX graph `src` to `dst`.

    `keep_fp32`: names of MatMul nodes to leave in fp32 (e.g. the ones that move the logits
    most). Returns what was done, for a model card. Needs the `onnx` package.
    """
    import onnx

    model = onnx.load(str(src))
    graph = model.graph
    rewriter = _Rewriter(graph, _opset(model), set(keep_fp32))
    nodes: list[Any] = []
    for node in graph.node:
        nodes.extend(rewriter.rewrite(node))
    del graph.node[:]
    graph.node.extend(nodes)
    rewriter.drop_unused_weights()
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return {
        "method": METHOD,
        "recipe_version": RECIPE_VERSION,
        "weights": "int8, symmetric, one scale per output channel (MatMul) or per row (Gather)",
        "activations": "int8, symmetric, one scale per token, computed at run time",
        "batch_invariant": True,
        "int8_matmuls": rewriter.matmuls,
        "int8_tables": rewriter.tables,
        "fp32_nodes": sorted(keep_fp32),
        "bytes": Path(dst).stat().st_size,
    }


def _opset(model: Any) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 17)


def _int8(weights: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 of `weights` with one scale per slice along `axis` (keepdims)."""
    import numpy as np

    scale = (np.abs(weights).max(axis=axis, keepdims=True) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    return np.clip(np.round(weights / scale), -127, 127).astype(np.int8), scale


class _Rewriter:
    """Replaces weight MatMuls and embedding Gathers of one graph, node by node."""

    def __init__(self, graph: Any, opset: int, keep: set[str]) -> None:
        import numpy as np
        from onnx import helper, numpy_helper

        self._helper, self._numpy = helper, numpy_helper
        self.graph = graph
        self.opset = opset
        self.keep = keep
        self.weights = {i.name: i for i in graph.initializer}
        self.uses = Counter(name for node in graph.node for name in node.input)
        self.quantized_inputs: dict[str, tuple[str, str]] = {}  # activation -> (uint8, scale)
        self.replaced: set[str] = set()
        self.matmuls = 0
        self.tables = 0
        self._add("tok8_zero_point", np.array(128, np.uint8))
        self._add("tok8_offset", np.array(128.5, np.float32))  # zero point + 0.5: Cast floors
        self._add("tok8_inv127", np.array(1.0 / 127.0, np.float32))
        self._add("tok8_eps", np.array(_EPS, np.float32))
        if opset >= 18:  # ReduceMax / ReduceMin take their axes as an input from opset 18
            self._add("tok8_last_axis", np.array([-1], np.int64))

    def _add(self, name: str, value: np.ndarray) -> None:
        self.graph.initializer.append(self._numpy.from_array(value, name))

    def _node(self, op: str, inputs: list[str], output: str, **attrs: Any) -> Any:
        return self._helper.make_node(op, inputs, [output], name=output, **attrs)

    def _float_weight(self, name: str, rank: int) -> np.ndarray | None:
        """The initializer `name` when it is a float matrix that only this node reads."""
        tensor = self.weights.get(name)
        if tensor is None or self.uses[name] != 1 or len(tensor.dims) != rank:
            return None
        if tensor.data_type != 1:  # TensorProto.FLOAT
            return None
        return self._numpy.to_array(tensor)

    def rewrite(self, node: Any) -> list[Any]:
        if node.op_type == "MatMul" and node.name not in self.keep:
            weight = self._float_weight(node.input[1], 2)
            if weight is not None:
                return self._matmul(node, weight)
        if node.op_type == "Gather" and _attr(node, "axis", 0) == 0:
            table = self._float_weight(node.input[0], 2)
            if table is not None:
                return self._gather(node, table)
        return [node]

    def _matmul(self, node: Any, weight: np.ndarray) -> list[Any]:
        b = node.input[1]
        q, scale = _int8(weight, axis=0)
        self._add(f"{b}_int8", q)
        self._add(f"{b}_scale", scale.reshape(-1))
        self.replaced.add(b)
        self.matmuls += 1
        nodes, (a_u8, a_scale) = self._quantize_rows(node.input[0])
        out = node.output[0]
        return [
            *nodes,
            self._node("MatMulInteger", [a_u8, f"{b}_int8", "tok8_zero_point"], f"{out}_int32"),
            self._node("Cast", [f"{out}_int32"], f"{out}_float", to=1),
            self._node("Mul", [f"{out}_float", f"{b}_scale"], f"{out}_rows"),
            self._helper.make_node("Mul", [f"{out}_rows", a_scale], [out], name=node.name),
        ]

    def _quantize_rows(self, a: str) -> tuple[list[Any], tuple[str, str]]:
        """uint8 (zero point 128) of activation `a`, one scale per row; once per activation."""
        if a in self.quantized_inputs:
            return [], self.quantized_inputs[a]
        p = f"{a}_tok8"
        if self.opset >= 18:
            hi = self._node("ReduceMax", [a, "tok8_last_axis"], f"{p}_max", keepdims=1)
            lo = self._node("ReduceMin", [a, "tok8_last_axis"], f"{p}_min", keepdims=1)
        else:
            hi = self._node("ReduceMax", [a], f"{p}_max", axes=[-1], keepdims=1)
            lo = self._node("ReduceMin", [a], f"{p}_min", axes=[-1], keepdims=1)
        nodes = [
            hi,
            lo,
            self._node("Neg", [f"{p}_min"], f"{p}_neg_min"),
            self._node("Max", [f"{p}_max", f"{p}_neg_min", "tok8_eps"], f"{p}_absmax"),
            self._node("Mul", [f"{p}_absmax", "tok8_inv127"], f"{p}_scale"),
            self._node("Div", [a, f"{p}_scale"], f"{p}_scaled"),
            self._node("Add", [f"{p}_scaled", "tok8_offset"], f"{p}_shifted"),
            self._node("Cast", [f"{p}_shifted"], f"{p}_uint8", to=2),  # TensorProto.UINT8
        ]
        self.quantized_inputs[a] = (f"{p}_uint8", f"{p}_scale")
        return nodes, self.quantized_inputs[a]

    def _gather(self, node: Any, table: np.ndarray) -> list[Any]:
        data, index, out = node.input[0], node.input[1], node.output[0]
        q, scale = _int8(table, axis=1)
        self._add(f"{data}_int8", q)
        self._add(f"{data}_scale", scale)
        self.replaced.add(data)
        self.tables += 1
        return [
            self._node("Gather", [f"{data}_int8", index], f"{out}_int8", axis=0),
            self._node("Gather", [f"{data}_scale", index], f"{out}_scale", axis=0),
            self._node("Cast", [f"{out}_int8"], f"{out}_float", to=1),
            self._helper.make_node("Mul", [f"{out}_float", f"{out}_scale"], [out], name=node.name),
        ]

    def drop_unused_weights(self) -> None:
        for name in self.replaced:
            self.graph.initializer.remove(self.weights[name])
        kept = [i for i in self.graph.input if i.name not in self.replaced]
        del self.graph.input[:]
        self.graph.input.extend(kept)


def _attr(node: Any, name: str, default: int) -> int:
    return next((int(a.i) for a in node.attribute if a.name == name), default)
