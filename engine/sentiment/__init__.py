"""Sentiment backends: `finbert` (torch or ONNX Runtime) and `lite` (a fine-tuned MiniLM, ONNX).

A backend may also carry `cache_key`: a string naming the exact model and runtime, under which
the engine keeps computed scores in the store (without it, "name:model_id" is used).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from engine.models import Sentiment


class SentimentBackend(Protocol):
    name: str  # "finbert" or "lite"
    model_id: str  # hub id or path shown to users

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """Class probabilities for each text, in input order. Runs model work off the loop."""
        ...
