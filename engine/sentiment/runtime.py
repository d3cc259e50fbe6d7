"""What the sentiment backends share: threads, one-line errors, hub ids and loading from the hub,
and reading a classifier's labels and input limit.

Hub ids are resolved offline first. Only when no local copy exists and offline mode is not
requested do we probe the hub with a short timeout before letting transformers download:
transformers' own retries take about 45 s to give up on a machine without network.
"""

from __future__ import annotations

import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from engine.errors import BackendUnavailable
from engine.models import LABELS

T = TypeVar("T")

HUB_PROBE_TIMEOUT = 3.0  # seconds
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")
_TRUE = {"1", "true", "yes", "on"}
_USE_LITE = 'or use backend = "lite"'
FALLBACK_MAX_LENGTH = 512  # tokens, for a model that states no limit
RUNTIMES = ("auto", "torch", "onnx")  # finbert's; lite always runs on onnxruntime


def quiet_progress_bars() -> None:
    """transformers draws a progress bar for every model load; a bot's log has no use for it."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    hf_logging.disable_progress_bar()


def cpu_threads() -> int:
    """CPUs this process may run on (respects taskset / container CPU sets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def configure_torch_threads() -> None:
    """Give torch one intra-op thread per usable CPU (its default ignores CPU affinity)."""
    import torch

    wanted = cpu_threads()
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


def one_line(text: object, limit: int = 200) -> str:
    """An error message as one line for a user: its lines joined, cut at a word if too long.

    (Only the first line cut messages mid-sentence: "... from one of:" and the list gone.)
    """
    line = " ".join(str(text).split())
    if not line:
        return type(text).__name__ if isinstance(text, BaseException) else ""
    if len(line) <= limit:
        return line
    cut = line[: limit - 3]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "..."


def missing_package(backend: str, err: ImportError) -> BackendUnavailable:
    package = getattr(err, "name", None) or one_line(err)
    return BackendUnavailable(
        f"sentiment backend {backend!r} needs the Python package {package!r}, which is not "
        f"installed: install it (pip install {package}) or choose the other backend"
    )


def hub_offline() -> bool:
    """True when the user asked huggingface_hub / transformers to stay offline."""
    return any(
        os.environ.get(var, "").strip().lower() in _TRUE
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def hub_reachable(timeout: float = HUB_PROBE_TIMEOUT) -> bool:
    """Whether the model hub answers within `timeout` seconds (any HTTP status counts).

    Runs in a daemon thread so a hanging DNS lookup cannot block startup.
    """
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    answered: list[bool] = []

    def probe() -> None:
        try:
            urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=timeout)
            answered.append(True)
        except urllib.error.HTTPError:
            answered.append(True)
        except (OSError, ValueError):
            answered.append(False)

    thread = threading.Thread(target=probe, name="hub-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(answered and answered[0])


def looks_like_hub_id(model: str) -> bool:
    """True for "ProsusAI/finbert" or "bert-base-uncased"; not "./x", "/abs/path" or "~/x"."""
    return bool(_HUB_ID.match(model))


def load_pretrained(backend: str, model: str, load: Callable[[str, bool], T]) -> T:
    """Load `model` (local folder or hub id) with `load(source, local_files_only)`.

    A local folder loads with local_files_only=True. A hub id is tried from the local cache
    first; it is downloaded only when the hub is not switched off (HF_HUB_OFFLINE) and answers
    a quick probe. Every failure becomes a one-line BackendUnavailable.
    """
    prefix = f"sentiment backend {backend!r}"
    path = Path(model).expanduser()
    if path.exists() or not looks_like_hub_id(model):
        if not path.is_dir():
            problem = "is not a folder" if path.exists() else "does not exist"
        elif not (path / "config.json").is_file():
            problem = "holds no model (no config.json)"
        else:
            problem = ""
        if problem:
            raise BackendUnavailable(
                f"{prefix}: model path {str(path)!r} {problem}: set [sentiment] model to a folder "
                f"saved with save_pretrained or to a hub id, {_USE_LITE}"
            )
        try:
            return load(str(path), True)
        except BackendUnavailable:
            raise
        except Exception as err:  # noqa: BLE001 - any loader error is reported the same way
            raise BackendUnavailable(
                f"{prefix} could not load model from {str(path)!r}: {one_line(err)} "
                f"(set [sentiment] model to a working model folder, {_USE_LITE})"
            ) from err

    try:
        return load(model, True)
    except BackendUnavailable:
        raise
    except Exception:  # noqa: BLE001 - not cached (or cached partly): try the hub below
        pass

    advice = (
        "download it once with network access, set [sentiment] model to a local path, " + _USE_LITE
    )
    if hub_offline():
        raise BackendUnavailable(
            f"{prefix} could not load model {model!r} (no local copy and HF_HUB_OFFLINE is set): "
            + advice
        )
    if not hub_reachable():
        raise BackendUnavailable(
            f"{prefix} could not load model {model!r} (no local copy and the hub is "
            f"unreachable): {advice}"
        )
    try:
        return load(model, False)
    except BackendUnavailable:
        raise
    except Exception as err:  # noqa: BLE001
        raise BackendUnavailable(
            f"{prefix} could not download model {model!r}: {one_line(err)} (check the id, "
            f"set [sentiment] model to a local path, {_USE_LITE})"
        ) from err


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


def max_length_of(tokenizer: Any, model: Any) -> int:
    """Longest input the model accepts: tokenizer limit capped by its position embeddings."""
    limits = [
        value
        for value in (
            getattr(tokenizer, "model_max_length", None),
            getattr(model.config, "max_position_embeddings", None),
        )
        if isinstance(value, int) and 0 < value < 1_000_000
    ]
    return min(limits) if limits else FALLBACK_MAX_LENGTH
