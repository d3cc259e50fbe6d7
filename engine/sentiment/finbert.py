"""The `finbert` backend: a BERT sequence classifier from transformers (ProsusAI/finbert).

Class indices are mapped to labels only through the model's own `config.id2label`, so any
three-class positive/negative/neutral model works whatever its label order.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.errors import BackendUnavailable
from engine.models import LABELS, Sentiment
from engine.sentiment.loader import (
    configure_torch_threads,
    load_pretrained,
    missing_package,
)
from engine.sentiment.text import clean_text

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

DEFAULT_MODEL = "ProsusAI/finbert"
_FALLBACK_MAX_LENGTH = 512


def labels_from_config(model_id: str, id2label: dict[Any, str] | None) -> tuple[str, ...]:
    """Label for each class index, lower-cased; exactly positive, negative and neutral.

    Raises BackendUnavailable when the model's classes are anything else.
    """
    mapping = {int(k): str(v).strip().lower() for k, v in (id2label or {}).items()}
    labels = tuple(mapping.get(i, "") for i in range(len(mapping)))
    if sorted(labels) != sorted(LABELS):
        shown = ", ".join(repr(label) for label in labels) or "none"
        raise BackendUnavailable(
            f"sentiment backend 'finbert': model {model_id!r} has labels [{shown}], "
            "but needs exactly 'positive', 'negative' and 'neutral'; use a FinBERT-style "
            'sentiment model or backend = "lite"'
        )
    return labels


class FinBertBackend:
    """SentimentBackend on a transformers sequence-classification model.

    Construct, then call `load()` (blocking; at startup) before `classify`.
    """

    name = "finbert"

    def __init__(self, model_id: str = DEFAULT_MODEL, *, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model_id = model_id
        self.batch_size = batch_size
        self._tokenizer: PreTrainedTokenizerBase | None = None
        self._model: PreTrainedModel | None = None
        self._labels: tuple[str, ...] = ()
        self._max_length = _FALLBACK_MAX_LENGTH
        self._lock = threading.Lock()  # fast tokenizers and torch modules: one caller at a time

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load tokenizer and model; raises BackendUnavailable with a one-line reason."""
        if self._model is not None:
            return
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
        self._labels = labels
        self._max_length = _max_length(tokenizer, model)
        self._tokenizer, self._model = tokenizer, model

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """Class probabilities for each text, in input order (model work runs in a thread)."""
        if not texts:
            return []
        if self._model is None:
            raise RuntimeError("FinBertBackend.load() must be called before classify()")
        return await asyncio.to_thread(self._classify_sync, list(texts))

    def _classify_sync(self, texts: list[str]) -> list[Sentiment]:
        import torch

        assert self._tokenizer is not None and self._model is not None
        cleaned = [clean_text(t) for t in texts]
        # Similar lengths in one batch keep padding (wasted compute) small.
        order = sorted(range(len(cleaned)), key=lambda i: len(cleaned[i]))
        results: list[Sentiment | None] = [None] * len(cleaned)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
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


def _max_length(tokenizer: Any, model: Any) -> int:
    """Longest input the model accepts: tokenizer limit capped by its position embeddings."""
    limits = [
        value
        for value in (
            getattr(tokenizer, "model_max_length", None),
            getattr(model.config, "max_position_embeddings", None),
        )
        if isinstance(value, int) and 0 < value < 1_000_000
    ]
    return min(limits) if limits else _FALLBACK_MAX_LENGTH
