"""The `lite` backend: a fine-tuned MiniLM sentiment classifier that ships with the project.

engine/data/lite/ holds everything it needs, with no pickle and no torch at run time:

- ``model.onnx``: the all-MiniLM-L6-v2 encoder fine-tuned on financial tweets and headlines,
  mean pooling and a linear head, as one int8-quantized ONNX graph (about 33 MB); from v4 it
  has two paths, chosen by its `target` input: a headline alone, a company marked within a
  headline (a second network stored as a low-rank difference, scripts/lite_twopath.py);
- ``tokenizer.json``: its WordPiece tokenizer for the `tokenizers` package;
- ``lite.json``: the label order, the length limit, and how the files were made and scored.

`scripts/train_lite.py` reproduces the folder from the training data.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from engine.errors import BackendUnavailable
from engine.models import LABELS, Sentiment
from engine.sentiment import in_worker
from engine.sentiment.clean import clean_text
from engine.sentiment.onnxrt import OnnxClassifier
from engine.sentiment.runtime import missing_package, one_line
from engine.sentiment.target import TARGET_STYLES, Target, TargetStyle, model_input

T = TypeVar("T")
LITE_FORMAT = "tradethehype-lite"
LITE_VERSION = 4  # v4: two paths (headline alone, company within it); v2, v3 folders still load
READABLE_VERSIONS = (2, 3, 4)
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "lite"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "lite.json"
MAX_SEQ_LENGTH = 128  # tokens; headlines are far shorter, longer texts are cut
DEFAULT_MODEL_ID = "tradethehype-lite (MiniLM-L6, fine-tuned, int8)"
_RETRAIN = "re-create it with scripts/train_lite.py"


class LiteModel(OnnxClassifier):
    """The ONNX classifier of a lite folder."""

    @classmethod
    def from_dir(cls, folder: Path, *, batch_size: int = 32) -> LiteModel:
        """Read `folder`/lite.json; raises ValueError / OSError / KeyError when unusable."""
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != LITE_FORMAT or meta.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"not a {LITE_FORMAT} v{LITE_VERSION} model card")
        labels = tuple(str(label) for label in meta["labels"])
        if sorted(labels) != sorted(LABELS):
            raise ValueError(f"labels must be positive, negative, neutral, got {list(labels)}")
        return cls(
            folder / MODEL_FILE,
            folder / TOKENIZER_FILE,
            labels=labels,
            max_length=int(meta.get("max_length", MAX_SEQ_LENGTH)),
            batch_size=batch_size,
        )


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LiteBackend:
    """SentimentBackend: cleaned text -> fine-tuned MiniLM (ONNX, int8) -> probabilities.

    `model_dir`: a folder made by scripts/train_lite.py (or its lite.json); None for the
    shipped one. Construct, then call `load()` (blocking; at startup) before `classify`.
    """

    name = "lite"
    runtime = "onnx"

    def __init__(self, model_dir: Path | None = None, *, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        folder = model_dir or DEFAULT_DIR
        if folder.name == META_FILE:
            folder = folder.parent
        self.model_dir = folder
        self.batch_size = batch_size
        self.model_id = DEFAULT_MODEL_ID if model_dir is None else str(model_dir)
        self.cache_key = ""  # set by load(): identifies the exact model for the score cache
        self.card: dict[str, Any] = {}
        self.target_style: TargetStyle | None = None  # set by load() from the model card
        self._headline_factors: np.ndarray | None = None  # set by load() from the model card
        self._model: LiteModel | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the model folder; raises BackendUnavailable with a one-line reason."""
        if self._model is not None:
            return
        where = repr(str(self.model_dir))
        if not (self.model_dir / META_FILE).is_file():
            raise BackendUnavailable(
                f"sentiment backend 'lite': {where} is not a lite model folder (no {META_FILE}); "
                "leave [sentiment] lite_head empty to use the shipped model, or "
                "make one with scripts/train_lite.py"
            )
        try:
            model = LiteModel.from_dir(self.model_dir, batch_size=self.batch_size)
            model.load()
            card = json.loads((self.model_dir / META_FILE).read_text(encoding="utf-8"))
            factors = headline_factors(card)
            key = file_digest(model.model_path)[:16]
        except ImportError as err:
            raise missing_package(self.name, err) from err
        except Exception as err:  # noqa: BLE001 - a broken or foreign file, reported in one line
            raise BackendUnavailable(
                f"sentiment backend 'lite': model folder {where} is not usable: "
                f"{one_line(err)}; {_RETRAIN}"
            ) from err
        style = card.get("target_input")
        self.card = card
        offsets = card.get("headline_logit_offsets")  # they change the scores too
        self.cache_key = f"lite:{key}" + (f":h{offsets}" if offsets is not None else "")
        self._headline_factors = factors
        self.target_style = style if style in TARGET_STYLES else None
        self._model = model

    @property
    def supports_targets(self) -> bool:
        """Whether this model was trained to score a company within a headline (v3, v4)."""
        return self.target_style is not None

    async def classify_targets(self, targets: Sequence[Target]) -> list[Sentiment]:
        """Class probabilities for each (headline, company), in input order (in a thread)."""
        return await self._in_thread(self.classify_targets_sync, list(targets))

    def classify_targets_sync(
        self, targets: Sequence[Target], stop: threading.Event | None = None
    ) -> list[Sentiment]:
        """`classify_targets` without the thread hop. A model without target training (v2)
        is not asked: that raises RuntimeError, check `supports_targets` first."""
        assert self._model is not None
        if self.target_style is None:
            raise RuntimeError(f"lite model {self.model_id!r} was not trained on targets")
        inputs = [model_input(t, self.target_style) for t in targets]
        with self._lock:
            probs = self._model.predict_proba(
                [a for a, _ in inputs], stop, pairs=[b for _, b in inputs], target=True
            )
        return [to_sentiment(self._model.labels, row) for row in probs.tolist()]

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """Class probabilities for each text, in input order (model work runs in a thread)."""
        return await self._in_thread(self.classify_sync, list(texts))

    async def _in_thread(
        self, score: Callable[[list[T], threading.Event], list[Sentiment]], items: list[T]
    ) -> list[Sentiment]:
        if not items:
            return []
        if self._model is None:
            raise RuntimeError("LiteBackend.load() must be called before scoring")
        return await in_worker(lambda stop: score(items, stop))

    def classify_sync(
        self, texts: Sequence[str], stop: threading.Event | None = None
    ) -> list[Sentiment]:
        """`classify` without the thread hop, for callers already off the event loop."""
        assert self._model is not None
        cleaned = [clean_text(t) for t in texts]
        with self._lock:
            probs = self._model.predict_proba(cleaned, stop)
        if self._headline_factors is not None:  # per row, so still the same in any batch
            probs = probs * self._headline_factors
            probs = probs / probs.sum(axis=1, keepdims=True)
        return [to_sentiment(self._model.labels, row) for row in probs.tolist()]


def headline_factors(card: dict[str, Any]) -> np.ndarray | None:
    """The card's `headline_logit_offsets` (label order, added to the logits of a headline
    scored alone, not of a company within it) as factors on the probabilities, or None.

    The graph's own bias carries the offsets chosen for companies within headlines; these
    were chosen on headlines alone (TFNS validation), on top of it. Raises ValueError if set
    but not one finite number per label."""
    offsets = card.get("headline_logit_offsets")
    if offsets is None:
        return None
    if (
        not isinstance(offsets, list)
        or len(offsets) != len(card.get("labels", ()))
        or not all(isinstance(o, int | float) and math.isfinite(o) for o in offsets)
    ):
        raise ValueError("headline_logit_offsets must be one finite number per label")
    return np.exp(np.asarray(offsets, dtype=np.float32))


def to_sentiment(labels: Sequence[str], probs: Sequence[float]) -> Sentiment:
    scores = {label: float(p) for label, p in zip(labels, probs, strict=True)}
    best = max(scores, key=scores.__getitem__)
    return Sentiment(label=best, scores=scores)  # type: ignore[arg-type]
