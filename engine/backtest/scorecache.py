"""Sentiment scores kept between backtests, so a second run with other thresholds is quick.

The replay's store is thrown away with the run, and the engine's own score cache with it. This
file outlives it: `<cache>/backtest-scores/<model>.json` (`<cache>` as for prepared models:
$TRADETHEHYPE_CACHE, else $XDG_CACHE_HOME/tradethehype, else ~/.cache/tradethehype), keyed by
the model's identity (its `cache_key`) and by each text's SHA-256, so no text is stored.
`CachedScores` wraps the backend: known texts come from the file, the others from the model.
A target-aware backend (engine.sentiment.target) gets its company scores kept the same way,
keyed by the SHA-256 of the exact model input (headline and company), so the backtest replays
the live engine's per-company scoring.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from engine.models import Sentiment
from engine.sentiment import SentimentBackend
from engine.sentiment.prepare import cache_root
from engine.sentiment.target import Target, model_input

log = logging.getLogger(__name__)
T = TypeVar("T")
Scorer = Callable[[list[T]], Awaitable[list[Sentiment]]]

FORMAT = "tradethehype-backtest-scores-v1"


def model_key(backend: SentimentBackend) -> str:
    return getattr(backend, "cache_key", "") or f"{backend.name}:{backend.model_id}"


def scores_path(backend: SentimentBackend, root: Path | None = None) -> Path:
    digest = hashlib.sha256(model_key(backend).encode("utf-8")).hexdigest()[:20]
    return (root or cache_root()) / "backtest-scores" / f"{backend.name}-{digest}.json"


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class CachedScores:
    """A sentiment backend answering from the score file first (same name, model and key)."""

    def __init__(self, inner: SentimentBackend, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.model_id = inner.model_id
        self.cache_key = model_key(inner)
        self.batch_size = getattr(inner, "batch_size", 32)
        self.target_style = getattr(inner, "target_style", None)
        self.path = path
        self.scores: dict[str, Sentiment] = {}
        self.loaded = 0
        self.computed = 0
        self._saved = 0

    def load(self) -> None:
        """Read the file; a missing, foreign or damaged file is an empty cache (logged)."""
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("format") != FORMAT or doc.get("model") != self.cache_key:
                raise ValueError("not this model's score file")
            self.scores = {
                k: Sentiment(label, dict(scores)) for k, (label, scores) in doc["scores"].items()
            }
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the score cache %s: %s", self.path, exc)
            self.scores = {}
        self.loaded = len(self.scores)

    def save(self) -> None:
        """Write the file (atomically) if the run scored anything new; never raises."""
        if self.computed == self._saved:
            return
        doc = {
            "format": FORMAT,
            "model": self.cache_key,
            "scores": {k: [s.label, s.scores] for k, s in self.scores.items()},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(doc, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
            self._saved = self.computed
        except OSError as exc:
            log.warning("could not save the score cache %s: %s", self.path, exc)

    @property
    def supports_targets(self) -> bool:
        return bool(getattr(self.inner, "supports_targets", False))

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        return await self._answer(texts, [_text_key(t) for t in texts], self.inner.classify)

    async def classify_targets(self, targets: Sequence[Target]) -> list[Sentiment]:
        """Company scores (only for a target-aware inner backend), kept like headline ones."""
        style = self.target_style
        keys = [_text_key("target\x1f" + "\x1f".join(model_input(t, style))) for t in targets]
        return await self._answer(targets, keys, self.inner.classify_targets)  # type: ignore[attr-defined]

    async def _answer(
        self, items: Sequence[T], keys: list[str], score: Scorer[T]
    ) -> list[Sentiment]:
        missing = [i for i, k in enumerate(keys) if k not in self.scores]
        if missing:
            fresh = await score([items[i] for i in missing])
            for i, sentiment in zip(missing, fresh, strict=True):
                self.scores[keys[i]] = sentiment
            self.computed += len(missing)
        return [self.scores[k] for k in keys]
