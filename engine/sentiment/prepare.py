"""FinBERT-style models exported to ONNX (int8) once, into a local cache keyed by model identity.

The int8 graph is written by engine.sentiment.quantize (per-token dynamic int8): a headline's
scores do not depend on the other headlines in its batch. Exports made by an older recipe
(EXPORT_VERSION) are not used: `tradethehype model prepare` makes them again.

Layout: ``<cache>/onnx/<key>/`` holds ``model.int8.onnx``, ``tokenizer.json`` and
``card.json`` (labels in the graph's output order, length limit, where the model came from).
``<cache>`` is $TRADETHEHYPE_CACHE, else $XDG_CACHE_HOME/tradethehype, else
~/.cache/tradethehype. The key hashes the model folder's path and its files' names, sizes and
modification times (a hub snapshot folder is named after its commit), so a changed model gets
a new export and an unchanged one is never exported twice.

Finding a prepared export needs neither torch nor transformers; exporting needs both (and the
`onnx` package for quantization), and happens in `tradethehype model prepare` or on first use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import BackendUnavailable
from engine.sentiment.quantize import METHOD, RECIPE_VERSION, quantize_stable
from engine.sentiment.runtime import (
    configure_torch_threads,
    labels_from_config,
    load_pretrained,
    looks_like_hub_id,
    max_length_of,
    missing_package,
    one_line,
)

log = logging.getLogger(__name__)

# 1: onnxruntime dynamic int8 (scores depended on the batch); 2: engine.sentiment.quantize
EXPORT_VERSION = 2  # bump when the export or quantization recipe changes
MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "card.json"
_MODEL_FILES = (".json", ".txt", ".safetensors", ".bin", ".model")
QUANTIZATION = {"method": METHOD, "recipe_version": RECIPE_VERSION}
_PREFIX = "sentiment backend 'finbert'"


class ExportFailed(BackendUnavailable):
    """The model loads, but this machine cannot export it (a package missing, an exporter error)."""


def cache_root() -> Path:
    explicit = os.environ.get("TRADETHEHYPE_CACHE", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tradethehype"


@dataclass(frozen=True)
class Prepared:
    """A ready ONNX export: everything the onnx runtime needs, no torch."""

    folder: Path
    key: str
    labels: tuple[str, ...]
    max_length: int
    card: dict[str, Any]

    @property
    def model_path(self) -> Path:
        return self.folder / MODEL_FILE

    @property
    def tokenizer_path(self) -> Path:
        return self.folder / TOKENIZER_FILE

    @property
    def size_mb(self) -> float:
        return sum(p.stat().st_size for p in self.folder.iterdir()) / 1e6


def local_model_dir(model: str) -> Path | None:
    """The folder holding `model` on this machine (a local path or a cached hub snapshot)."""
    path = Path(model).expanduser()
    if path.exists() or not looks_like_hub_id(model):
        return path.resolve() if path.is_dir() else None
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    try:
        return Path(snapshot_download(model, local_files_only=True)).resolve()
    except Exception:  # noqa: BLE001 - not in the hub cache (or a partial copy)
        return None


def source_key(folder: Path) -> str:
    """Identity of the model in `folder`: path plus each model file's name, size and mtime (s)."""
    files = []
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.name.endswith(_MODEL_FILES):
            st = p.stat()
            # whole seconds: image layers keep no finer times, and the key must survive a pull
            files.append([p.name, st.st_size, int(st.st_mtime)])
    blob = json.dumps({"path": str(folder), "files": files}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def model_key(folder: Path) -> str:
    """Name of the export of the model in `folder` by this export and quantization recipe."""
    blob = {"source": source_key(folder), "export": EXPORT_VERSION, **QUANTIZATION}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:20]


def find_prepared(model: str) -> Prepared | None:
    """The export of `model` in the cache, or None (nothing is imported beyond json)."""
    folder = local_model_dir(model)
    if folder is None:
        return None
    return _read_prepared(cache_root() / "onnx" / model_key(folder))


def older_export(model: str) -> Path | None:
    """An export of `model` in the cache made by an earlier export recipe, if any."""
    folder = local_model_dir(model)
    if folder is None:
        return None
    for card_path in sorted((cache_root() / "onnx").glob(f"*/{CARD_FILE}")):
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if card.get("source") == str(folder) and card.get("export_version") != EXPORT_VERSION:
            return card_path.parent
    return None


def _read_prepared(folder: Path) -> Prepared | None:
    try:
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (folder / MODEL_FILE).is_file() or not (folder / TOKENIZER_FILE).is_file():
        return None
    return Prepared(
        folder=folder,
        key=folder.name,
        labels=tuple(card["labels"]),
        max_length=int(card["max_length"]),
        card=card,
    )


def prepare(
    model: str,
    *,
    progress: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> Prepared:
    """Download `model` if needed, export it to ONNX and quantize it to int8, once.

    `progress`: show download progress bars (a command line); `say`: one-line status updates.
    Raises BackendUnavailable with a one-line reason on any failure.
    """
    found = find_prepared(model)
    if found is not None:
        say(f"already prepared: {found.folder}")
        return found
    try:
        torch = _export_packages()
    except ExportFailed as err:
        older = older_export(model)
        if older is None:
            raise
        raise ExportFailed(
            f"{_PREFIX}: the ONNX export in {str(older)!r} was made by an older version of "
            "tradethehype (its scores depend on the batch) and cannot be used: run "
            f"`tradethehype model prepare` again ({err})"
        ) from err
    tokenizer, network, labels = _load_for_export(model, progress, say)
    folder = local_model_dir(model)
    if folder is None:
        raise BackendUnavailable(f"{_PREFIX}: could not find the files of {model!r} after loading")
    final = cache_root() / "onnx" / model_key(folder)
    max_length = max_length_of(tokenizer, network)
    network.eval()
    card = {"model": model, "source": str(folder), "labels": list(labels), "max_length": max_length}
    _export_into(final, torch, tokenizer, network, card, say)
    done = _read_prepared(final)
    if done is None:
        raise BackendUnavailable(f"{_PREFIX}: the export in {str(final)!r} is unreadable")
    say(f"prepared {model} in {done.folder} ({done.size_mb:.0f} MB)")
    return done


def _export_packages() -> Any:
    """torch, once every package the export needs is known to be there."""
    try:
        import onnx  # noqa: F401 - needed by the quantizer; checked before the long work
        import onnxruntime  # noqa: F401
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: F401
    except ImportError as err:
        raise ExportFailed(str(missing_package("finbert", err))) from err
    return torch


def _load_for_export(
    model: str, progress: bool, say: Callable[[str], None]
) -> tuple[Any, Any, tuple[str, ...]]:
    """The tokenizer, the network and its labels, downloaded if need be."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not progress:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    configure_torch_threads()

    def from_pretrained(source: str, local_only: bool) -> tuple[Any, Any]:
        if not local_only:
            say(f"downloading {source} ...")
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
        network = AutoModelForSequenceClassification.from_pretrained(
            source, local_files_only=local_only, attn_implementation="eager"
        )
        return tokenizer, network

    tokenizer, network = load_pretrained("finbert", model, from_pretrained)
    labels = labels_from_config(model, getattr(network.config, "id2label", None))
    if not getattr(tokenizer, "is_fast", False):
        raise ExportFailed(f"{_PREFIX}: model {model!r} has no fast tokenizer to export")
    return tokenizer, network, labels


def _export_into(
    final: Path,
    torch: Any,
    tokenizer: Any,
    network: Any,
    card: dict[str, Any],
    say: Callable[[str], None],
) -> None:
    """Export, quantize and describe the model in a scratch folder, then move it to `final`."""
    model = card["model"]
    final.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(
        prefix=".export-", dir=final.parent, ignore_cleanup_errors=True
    ) as tmp:
        work = Path(tmp)
        say(f"exporting {model} to ONNX ...")
        try:
            export_classifier(torch, network, work / "model.fp32.onnx")
            say("quantizing to int8 ...")
            quantization = quantize_stable(work / "model.fp32.onnx", work / MODEL_FILE)
            (work / "model.fp32.onnx").unlink()
            tokenizer.backend_tokenizer.save(str(work / TOKENIZER_FILE))
        except Exception as err:  # noqa: BLE001 - reported in one line
            raise ExportFailed(
                f"{_PREFIX}: could not export {model!r} to ONNX: {one_line(err)} "
                '(use runtime = "torch")'
            ) from err
        card = {
            **card,
            "quantization": quantization,
            "export_version": EXPORT_VERSION,
            "torch": torch.__version__,
            "seconds": round(time.perf_counter() - started, 1),
        }
        (work / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        work.chmod(0o755)
        try:
            work.rename(final)
        except OSError:  # another process finished the same export first: use theirs
            shutil.rmtree(work, ignore_errors=True)


def export_classifier(torch: Any, network: Any, path: Path) -> None:
    """Export a transformers sequence classifier to an fp32 ONNX graph of its logits."""

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.network(input_ids=input_ids, attention_mask=attention_mask).logits

    ids = torch.tensor([[2, 5, 6, 7, 3], [2, 5, 3, 0, 0]], dtype=torch.long)
    export_logits_graph(torch, Logits(), (ids, (ids != 0).long()), path)


def export_logits_graph(torch: Any, module: Any, example: tuple[Any, ...], path: Path) -> None:
    """Export `module(input_ids, attention_mask[, target]) -> logits` to ONNX with dynamic batch
    and length (the graph both FinBERT's export and scripts/train_lite.py write; `target`, one
    0/1 per row, only for the lite model's two paths)."""
    names = ["input_ids", "attention_mask", "target"][: len(example)]
    axes: dict[str, dict[int, str]] = {n: {0: "batch", 1: "sequence"} for n in names[:2]}
    axes.update({n: {0: "batch"} for n in [*names[2:], "logits"]})
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            example,
            str(path),
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
