"""Sentiment backends: `finbert` (torch or ONNX Runtime) and `lite` (a fine-tuned MiniLM, ONNX).

A backend may also carry `cache_key`: a string naming the exact model and runtime, under which
the engine keeps computed scores in the store (without it, "name:model_id" is used).

Model work runs in a worker thread, batch by batch. A thread cannot be cancelled, so when the
task awaiting it is (Ctrl-C), `in_worker` sets a stop flag that the batch loop reads between
batches: the process then waits for one batch, not for all of them.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from engine.models import Sentiment

T = TypeVar("T")

# Texts per `classify` call when scoring many: a few model batches. The backend sorts them by
# length and cuts batches from them, so a window of several batches wastes less on padding
# (about +30% headlines/s over one batch); each chunk's scores are kept as soon as it is done.
BATCHES_PER_CHUNK = 4


class SentimentBackend(Protocol):
    name: str  # "finbert" or "lite"
    model_id: str  # hub id or path shown to users

    async def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """Class probabilities for each text, in input order. Runs model work off the loop."""
        ...


class ScoringStopped(Exception):
    """Raised in the worker thread when its stop flag is set; nobody is waiting for the result."""


def backend_label(name: str, model_id: str) -> str:
    """ "finbert (ProsusAI/finbert)"; a model named after its backend is not named twice:
    "lite (MiniLM-L6, fine-tuned, int8)", not "lite (tradethehype-lite (MiniLM-L6, ...))"."""
    first, _, rest = model_id.partition(" ")
    if "/" in first or not re.fullmatch(rf"(.*[-_])?{re.escape(name)}", first, re.I):
        return f"{name} ({model_id})"
    rest = rest.strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    return f"{name} ({rest})" if rest else name



def chunk_size(backend: object) -> int:
    """How many texts to hand `backend.classify` at a time when scoring many."""
    return max(1, int(getattr(backend, "batch_size", 32))) * BATCHES_PER_CHUNK


def check_stop(stop: threading.Event | None) -> None:
    """Call between model batches: ends the work if the caller has gone (see `in_worker`)."""
    if stop is not None and stop.is_set():
        raise ScoringStopped


async def in_worker(work: Callable[[threading.Event], T]) -> T:
    """`work(stop)` in a worker thread; if the awaiting task is cancelled, `stop` is set."""
    stop = threading.Event()
    try:
        return await asyncio.to_thread(work, stop)
    except asyncio.CancelledError:
        stop.set()
        raise
