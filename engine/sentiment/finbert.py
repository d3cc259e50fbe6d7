"""The `finbert` backend: a BERT sequence classifier (ProsusAI/finbert) on two runtimes.

- ``torch``: transformers and torch, fp32, under `torch.inference_mode`.
- ``onnx``: the model exported once to ONNX and quantized to int8 (engine.sentiment.prepare,
  per-token int8: scores do not depend on the batch), run by onnxruntime with the `tokenizers`
  package alone: torch is not even imported.
- ``auto`` (the default): onnx when onnxruntime is installed, else torch.

Both sort a batch's texts by length and pad each batch only to its longest text. Class
indices are mapped to labels only through the model's own `config.id2label`, so any
three-class positive/negative/neutral model works whatever its label order.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.errors import BackendUnavailable
from engine.models import Sentiment
from engine.sentiment import check_stop, in_worker
from engine.sentiment.clean import clean_text
from engine.sentiment.lite import file_digest
from engine.sentiment.onnxrt import OnnxClassifier
from engine.sentiment.runtime import (
    FALLBACK_MAX_LENGTH,
    RUNTIMES,
    configure_torch_threads,
    labels_from_config,
    load_pretrained,
    max_length_of,
    missing_package,
    quiet_progress_bars,
)

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

DEFAULT_MODEL = "ProsusAI/finbert"
log = logging.getLogger(__name__)



class FinBertBackend:
    """SentimentBackend on a transformers sequence-classification model.

    Construct, then call `load()` (blocking; at startup) before `classify`.
    """

    name = "finbert"

    def __init__(
        self, model_id: str = DEFAULT_MODEL, *, batch_size: int = 32, runtime: str = "auto"
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {RUNTIMES}, not {runtime!r}")
        self.model_id = model_id
        self.batch_size = batch_size
        self.runtime = runtime  # after load(): the one in use, "torch" or "onnx"
        self.cache_key = ""  # after load(): identifies model + runtime for the score cache
        self._tokenizer: PreTrainedTokenizerBase | None = None
        self._model: PreTrainedModel | None = None
        self._onnx: OnnxClassifier | None = None
        self._labels: tuple[str, ...] = ()
        self._max_length = FALLBACK_MAX_LENGTH
        self._lock = threading.Lock()  # fast tokenizers and torch modules: one caller at a time

    @property
    def loaded(self) -> bool:
        return self._model is not None or self._onnx is not None

    def load(self) -> None:
        """Load the model on the chosen runtime; raises BackendUnavailable in one line.

        The onnx runtime uses the model's export in the local cache, making it first when
        there is none (that one time needs torch and transformers).
        """
        if self.loaded:
            return
        if self.runtime == "onnx" or (self.runtime == "auto" and onnx_installed()):
            from engine.sentiment.prepare import ExportFailed, find_prepared, prepare

            try:
                prepared = find_prepared(self.model_id) or prepare(self.model_id)
            except ExportFailed as err:
                if self.runtime == "onnx":
                    raise
                log.warning("%s; using the torch runtime", err)
            else:
                onnx = OnnxClassifier(
                    prepared.model_path,
                    prepared.tokenizer_path,
                    labels=prepared.labels,
                    max_length=prepared.max_length,
                    batch_size=self.batch_size,
                )
                try:
                    onnx.load()
                except ImportError as err:
                    raise missing_package(self.name, err) from err
                except Exception as err:  # noqa: BLE001 - a damaged cache entry
                    raise BackendUnavailable(
                        f"sentiment backend 'finbert': the ONNX export in "
                        f"{str(prepared.folder)!r} is not usable ({err}); delete that folder "
                        "and run `tradethehype model prepare` again"
                    ) from err
                self._labels, self._max_length = prepared.labels, prepared.max_length
                self._onnx, self.runtime = onnx, "onnx"
                # the exact graph file: a new export (recipe, onnx version) never reads old scores
                self.cache_key = f"finbert:{file_digest(prepared.model_path)[:16]}:onnx-int8"
                return
        self._load_torch()

    def _load_torch(self) -> None:
        quiet_progress_bars()
        try:
            import torch  # noqa: F401 - checked here so a missing torch is reported clearly
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as err:
            raise missing_package(self.name, err) from err

        configure_torch_threads()

        def from_pretrained(source: str, local_only: bool) -> tuple[Any, Any]:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
            model = AutoModelForSequenceClassification.from_pretrained(
                source, local_files_only=local_only
            )
            return tokenizer, model

        tokenizer, model = load_pretrained(self.name, self.model_id, from_pretrained)
        labels = labels_from_config(self.model_id, getattr(model.config, "id2label", None))
        model.eval()
        from engine.sentiment.prepare import local_model_dir, source_key

        folder = local_model_dir(self.model_id)
        self._labels = labels
        self._max_length = max_length_of(tokenizer, model)
        self._tokenizer, self._model = tokenizer, model
        self.runtime = "torch"
        self.cache_key = f"finbert:{source_key(folder) if folder else self.model_id}:torch"

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """Class probabilities for each text, in input order (model work runs in a thread)."""
        if not texts:
            return []
        if not self.loaded:
            raise RuntimeError("FinBertBackend.load() must be called before classify()")
        batch = list(texts)
        return await in_worker(lambda stop: self.classify_sync(batch, stop))

    def classify_sync(
        self, texts: Sequence[str], stop: threading.Event | None = None
    ) -> list[Sentiment]:
        """`classify` without the thread hop, for callers already off the event loop."""
        cleaned = [clean_text(t) for t in texts]
        if self._onnx is not None:
            with self._lock:
                probs = self._onnx.predict_proba(cleaned, stop).tolist()
            return [self._sentiment(row) for row in probs]
        return self._classify_torch(cleaned, stop)

    def _classify_torch(self, cleaned: list[str], stop: threading.Event | None) -> list[Sentiment]:
        import torch

        assert self._tokenizer is not None and self._model is not None
        # Similar lengths in one batch keep padding (wasted compute) small.
        order = sorted(range(len(cleaned)), key=lambda i: len(cleaned[i]))
        results: list[Sentiment | None] = [None] * len(cleaned)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                check_stop(stop)
                chunk = order[start : start + self.batch_size]
                batch = self._tokenizer(
                    [cleaned[i] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self._max_length,
                    return_tensors="pt",
                )
                probs = torch.softmax(self._model(**batch).logits.float(), dim=-1).tolist()
                for i, row in zip(chunk, probs, strict=True):
                    results[i] = self._sentiment(row)
        return [r for r in results if r is not None]

    def _sentiment(self, probs: list[float]) -> Sentiment:
        scores = {label: float(p) for label, p in zip(self._labels, probs, strict=True)}
        best = max(scores, key=scores.__getitem__)
        return Sentiment(label=best, scores=scores)  # type: ignore[arg-type]


def onnx_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))

