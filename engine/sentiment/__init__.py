"""Sentiment backends: `finbert` (transformers) and `lite` (MiniLM embeddings + a small head)."""

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
