"""Choosing and loading a sentiment backend.

`load_backend` is the one entry point: it builds the backend named in the config and loads its
model straight away, so a missing model stops the bot at startup with one line that says what
to do, never on the first headline.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import BackendUnavailable
from engine.sentiment import SentimentBackend
from engine.sentiment.runtime import RUNTIMES, missing_package

BACKENDS = ("finbert", "lite")


def load_backend(
    name: str, model: str | None = None, *, batch_size: int = 32, runtime: str = "auto"
) -> SentimentBackend:
    """Build and load the backend `name` ("finbert" or "lite").

    `model`: for finbert a hub id or a local folder (default "ProsusAI/finbert"); for lite a
    model folder made by scripts/train_lite.py (default: the one shipped in engine/data/lite).
    `runtime` (finbert): "auto", "torch" or "onnx"; lite always runs on onnxruntime. Raises
    BackendUnavailable with a one-line message when the backend cannot load.
    """
    key = name.strip().lower()
    if runtime not in RUNTIMES:
        raise BackendUnavailable(
            f"unknown sentiment runtime {runtime!r}: set [sentiment] runtime to one of "
            + ", ".join(repr(r) for r in RUNTIMES)
        )
    if key == "finbert":
        try:
            from engine.sentiment.finbert import DEFAULT_MODEL, FinBertBackend
        except ImportError as err:
            raise missing_package(key, err) from err

        finbert = FinBertBackend(model or DEFAULT_MODEL, batch_size=batch_size, runtime=runtime)
        finbert.load()
        return finbert
    if key == "lite":
        try:
            from engine.sentiment.lite import LiteBackend
        except ImportError as err:
            raise missing_package(key, err) from err

        lite = LiteBackend(Path(model).expanduser() if model else None, batch_size=batch_size)
        lite.load()
        return lite
    raise BackendUnavailable(
        f"unknown sentiment backend {name!r}: set [sentiment] backend to one of "
        + ", ".join(repr(b) for b in BACKENDS)
    )
