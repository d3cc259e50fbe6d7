"""Run a text classifier exported to ONNX with onnxruntime and `tokenizers` alone (no torch).

Shared by the `lite` backend and the ONNX runtime of the `finbert` backend. Inputs are
tokenized once, sorted by length and cut into batches, and each batch is padded only to its
own longest text (dynamic padding): short headlines never pay for a long one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.sentiment import check_stop
from engine.sentiment.runtime import cpu_threads


class OnnxClassifier:
    """An ONNX graph taking input_ids / attention_mask (/ token_type_ids) and giving logits.

    A lite v4 graph also takes `target`, one 0/1 per row: 1 reads a row through its target
    path (a company marked within a headline), 0 as a headline alone."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        labels: Sequence[str],
        max_length: int,
        batch_size: int = 32,
    ) -> None:
        self.model_path = Path(model_path)
        self.tokenizer_path = Path(tokenizer_path)
        self.labels = tuple(labels)
        self.max_length = max_length
        self.batch_size = batch_size
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: tuple[str, ...] = ()
        self._pad_id = 0

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def load(self) -> None:
        """Open the session and the tokenizer; raises ImportError / OSError / ValueError."""
        if self._session is not None:
            return
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = cpu_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: no warnings on a user's terminal
        session = ort.InferenceSession(
            str(self.model_path), options, providers=["CPUExecutionProvider"]
        )
        names = tuple(i.name for i in session.get_inputs())
        unknown = set(names) - {"input_ids", "attention_mask", "token_type_ids", "target"}
        if "input_ids" not in names or unknown:
            raise ValueError(f"unexpected model inputs {list(names)}")
        padding = tokenizer.padding or {}
        self._pad_id = int(padding.get("pad_id", 0)) if isinstance(padding, dict) else 0
        self._inputs = names
        self._tokenizer = tokenizer
        self._session = session

    def logits(
        self,
        texts: Sequence[str],
        stop: threading.Event | None = None,
        *,
        pairs: Sequence[str] | None = None,
        target: bool = False,
    ) -> np.ndarray:
        """Raw class scores, shape (len(texts), classes), rows in input order.

        `pairs`: a second segment per text ("" for none), for a model trained on text pairs.
        `target`: the rows are companies marked within headlines (a graph with two paths reads
        them through its target path; other graphs ignore it).
        Raises ScoringStopped between batches once `stop` is set.
        """
        if self._session is None:
            raise RuntimeError("OnnxClassifier.load() must be called before logits()")
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        if pairs is None:
            encodings = self._tokenizer.encode_batch(list(texts))
        else:
            inputs = [(t, p) if p else t for t, p in zip(texts, pairs, strict=True)]
            encodings = self._tokenizer.encode_batch(inputs)
        ids = [e.ids for e in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            check_stop(stop)
            chunk = order[start : start + self.batch_size]
            width = max(1, max(len(ids[i]) for i in chunk))
            input_ids = np.full((len(chunk), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            feed = {"input_ids": input_ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(input_ids)
            if "target" in self._inputs:
                feed["target"] = np.full(len(chunk), 1.0 if target else 0.0, dtype=np.float32)
            feed = {k: v for k, v in feed.items() if k in self._inputs}
            out[chunk] = self._session.run(None, feed)[0]
        return out

    def predict_proba(
        self,
        texts: Sequence[str],
        stop: threading.Event | None = None,
        *,
        pairs: Sequence[str] | None = None,
        target: bool = False,
    ) -> np.ndarray:
        """Softmax of `logits`, columns in `labels` order."""
        x = self.logits(texts, stop, pairs=pairs, target=target).astype(np.float64)
        x -= x.max(axis=1, keepdims=True)
        e = np.exp(x)
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
