"""Exporting and shipping the lite model for scripts/train_lite.py: the soup chosen on
validation, one ONNX graph quantized the batch-invariant way, and the held-out figures
measured through the runtime code and written to the model card."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from engine.sentiment.lite import (
    LITE_FORMAT,
    LITE_VERSION,
    MAX_SEQ_LENGTH,
    META_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    LiteModel,
)
from engine.sentiment.prepare import export_logits_graph
from engine.sentiment.target import TargetStyle
from scripts.lite_data import LABELS as DATASET_LABELS
from scripts.lite_data import Example, encode, locate
from scripts.lite_nn import EXPORT_EXAMPLE, pad, torch_logits
from scripts.lite_select import (
    balanced,
    greedy_soup,
    headlines_alone,
    read_formal,
    scores,
    split_offsets,
    tune_bias,
    val_figures,
)
from scripts.lite_twopath import choose_target_path, export_two_path, merge_paths

ROOT = Path(__file__).resolve().parent.parent
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def export_onnx(model: Any, path: Path) -> None:
    import torch

    example = pad(EXPORT_EXAMPLE)
    export_logits_graph(torch, model, example, path)


def select_and_export(
    args: argparse.Namespace,
    data: Any,
    model: Any,
    tokenizer: Any,
    style: TargetStyle,
    val: list[Example],
    candidates: dict[str, Path],
    targets: dict[int, tuple[list[Example], dict[str, Path]]] | None = None,
) -> dict[str, Any]:
    """Soup and logit offsets chosen on validation; the fp32 graph and the shipped one.
    `targets` (one-event headline count -> validation examples, checkpoints): also choose a
    target path and ship both paths in one graph (format v4, scripts/lite_twopath.py)."""
    import torch

    val_ids = encode(tokenizer, val, MAX_SEQ_LENGTH)
    objective = balanced(val)
    state, members, soup_log = greedy_soup(model, candidates, val_ids, objective)
    model.load_state_dict(state)
    val_logits = torch_logits(model, val_ids)
    head = None
    if args.no_bias:
        bias = np.zeros(3, dtype=np.float32)
    elif args.headline_offsets:
        bias, head = split_offsets(val_logits, val, objective)
    else:
        bias = tune_bias(val_logits, objective)
    with torch.no_grad():
        model.classifier.bias += torch.from_numpy(bias)
    with_bias = val_figures(with_headline(torch_logits(model, val_ids), val, head), val)
    print(f"soup {members}; offsets {rounded(bias)}, headline {rounded(head)}: validation "
          f"{with_bias}")
    paths = None
    fp32_onnx = args.work / "fp32.onnx"
    headline_onnx = args.work / "fp32-headline.onnx" if targets else None
    if headline_onnx is not None:
        export_onnx(model, headline_onnx)
        model, paths = choose_target_path(model, targets, tokenizer, args.target_ranks)
        export_two_path(model, fp32_onnx)
    else:
        export_onnx(model, fp32_onnx)
    torch.save(model.state_dict(), args.work / "fp32.pt")
    tokenizer.save(str(args.work / TOKENIZER_FILE))
    shipped = args.work / "shipped.onnx"
    quant = quantize_for_shipping(fp32_onnx, shipped, headline_onnx)
    quant["val_agreement_int8_vs_fp32"] = agreement(
        fp32_onnx, shipped, args.work / TOKENIZER_FILE, val
    )
    print(f"quantized: {quant['method']}, {quant['bytes']} bytes; label agreement with fp32 on "
          f"validation {quant['val_agreement_int8_vs_fp32']}", flush=True)
    validation = {
        "examples": len(val),
        "objective": "mean of TFNS headline, SEntFiN entity"
        + (
            ", SEntFiN mixed-headline and US validation mixed-headline"
            if any(e.source == "us" for e in val)
            else " and SEntFiN mixed-headline"
        )
        + " accuracy (scripts/lite_select.py balanced)",
        "soup_trials": soup_log,
        "soup": members,
        "logit_offsets": rounded(bias),
        **({"headline_logit_offsets": rounded(head)} if head is not None else {}),
        "fp32_with_offsets": with_bias,
        **({"target_path": paths} if paths else {}),
    }
    return model_card(args, data, style, quant, validation, rounded(head))


def rounded(offsets: np.ndarray | None) -> list[float] | None:
    return None if offsets is None else [round(float(b), 2) for b in offsets]


def with_headline(
    logits: np.ndarray, examples: list[Example], head: np.ndarray | None
) -> np.ndarray:
    """Validation logits as the runtime gives them: headline offsets on the headlines alone."""
    if head is None:
        return logits
    return np.where(headlines_alone(examples)[:, None], logits + head, logits)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_card(
    args: argparse.Namespace,
    data: Any,
    style: TargetStyle,
    quant: dict[str, Any],
    validation: dict[str, Any],
    headline_offsets: list[float] | None = None,
) -> dict[str, Any]:
    """lite.json: what the runtime reads, then how the model was made and chosen."""
    import torch

    return {
        "format": LITE_FORMAT,
        "version": LITE_VERSION if "target_path" in validation else 3,  # v4: two paths
        "labels": list(DATASET_LABELS),
        "max_length": MAX_SEQ_LENGTH,
        "target_input": style,
        "base_model": BASE_MODEL,
        "network": "fine-tuned MiniLM-L6 encoder, mean pooling over tokens, linear head"
        + ("; a second, target path stored as its low-rank difference (graph input `target`)"
           if "target_path" in validation else ""),
        "text_cleaning": "engine.sentiment.clean.clean_text",
        "target_inputs": "engine.sentiment.target.model_input",
        # read by engine.sentiment.lite.headline_factors; absent when not chosen apart
        **({"headline_logit_offsets": headline_offsets} if headline_offsets else {}),
        "quantization": quant,
        "training": {
            "data": [
                "zeroshot/twitter-financial-news-sentiment, train split (MIT)",
                "SEntFiN 1.0 (MIT), entity-level labels",
            ],
            "files": {
                args.data.name: data.digest,
                args.sentfin.name: data.sentfin_digest,
                # US sets joined to the target path's training (`--target-train`)
                **{p.name: sha256_of(p) for p in getattr(args, "target_train", None) or ()},
            },
            "label_map": {"0": "negative", "1": "positive", "2": "neutral"},
            "split": {
                "method": "TFNS: stratified hold-out over distinct cleaned texts, then the same "
                "split of the training part for validation",
                "test_size": args.test_size,
                "val_size": args.val_size,
                "seed": args.seed,
                "fit_rows": len(data.fit),
                "val_rows": len(data.val),
                "held_out_rows": len(data.test),
                "sentfin": "scripts/sentfin.py split_of (title hash): "
                + ", ".join(f"{len(v)} {k}" for k, v in data.parts.items()),
            },
            "recipe": {
                "epochs": args.epochs,
                "learning_rate": args.lr,
                "batch_size": args.batch_size,
                "train_max_tokens": args.train_length,
                "weight_decay": 0.01,
                "warmup": 0.06,
            },
            "validation": validation,
            "command": "python scripts/train_lite.py " + " ".join(sys.argv[1:]),
            "script": "scripts/train_lite.py",
            "torch": torch.__version__,
        },
    }


def quantize_for_shipping(fp32: Path, dst: Path, headline: Path | None = None) -> dict[str, Any]:
    """The graph that ships, quantized the batch-invariant way the runtime expects. With
    `headline` (the headline network alone, fp32), `fp32` has two paths, and the shipped graph
    runs the headline network alone for a batch of headlines (scripts/lite_twopath.py)."""
    from engine.sentiment.quantize import quantize_stable

    if headline is None:
        return quantize_stable(fp32, dst)
    both, alone = dst.with_suffix(".both.onnx"), dst.with_suffix(".headline.onnx")
    quant = quantize_stable(fp32, both)
    quantize_stable(headline, alone)
    quant["paths"] = merge_paths(alone, both, dst)
    quant["bytes"] = dst.stat().st_size
    for path in (both, alone):
        path.unlink()
    return quant


def agreement(fp32: Path, int8: Path, tokenizer: Path, examples: list[Example]) -> float:
    """Share of `examples` given the same label by the two graphs (through the runtime)."""
    labels = []
    alone = headlines_alone(examples)
    for path in (fp32, int8):
        runner = LiteModel(path, tokenizer, labels=DATASET_LABELS, max_length=MAX_SEQ_LENGTH)
        runner.load()
        logits = np.zeros((len(examples), 3), dtype=np.float32)
        for flag in (False, True):  # a headline alone, a company within one: their own paths
            part = [e for e, a in zip(examples, alone, strict=True) if a != flag]
            logits[alone != flag] = runner.logits(
                [e.text for e in part], pairs=[e.pair for e in part], target=flag
            )
        labels.append(logits.argmax(axis=1))
    return round(float((labels[0] == labels[1]).mean()), 4)


def held_out_figures(backend: Any, data: Any) -> dict[str, Any]:
    """What ships, scored through the runtime on data no choice looked at."""
    test = data.test
    head = backend.classify_sync([data.texts[i] for i in test])
    pred = np.asarray([DATASET_LABELS.index(s.label) for s in head])
    out: dict[str, Any] = {"tfns_held_out": scores(data.y[test], pred)}
    headlines = data.parts["test"]
    for name, keep in (("sentfin_test_mixed", True), ("sentfin_test_all", False)):
        chosen = [h for h in headlines if h.mixed or not keep]
        targets = [(h, locate(h.title, e), lab) for h in chosen for e, lab in h.entities]
        got = backend.classify_targets_sync([t for _, t, _ in targets])
        copy = {h.title: s.label for h, s in zip(
            chosen, backend.classify_sync([h.title for h in chosen]), strict=True)}
        truth = [lab for _, _, lab in targets]
        model_right = [g.label == t for g, t in zip(got, truth, strict=True)]
        copy_right = [copy[h.title] == lab for h, _, lab in targets]
        out[name] = {
            "headlines": len(chosen),
            "entities": len(targets),
            "accuracy": round(float(np.mean(model_right)), 4),
            "headline_copy_baseline": round(float(np.mean(copy_right)), 4),
        }
    return out


def ship(args: argparse.Namespace, data: Any, card: dict[str, Any], style: str) -> int:
    from engine.sentiment.lite import LiteBackend

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.work / "shipped.onnx", out / MODEL_FILE)
    shutil.copyfile(args.work / TOKENIZER_FILE, out / TOKENIZER_FILE)
    (out / META_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    backend = LiteBackend(out)
    backend.load()
    figures = held_out_figures(backend, data)
    if args.formal.is_file():
        formal_texts, formal_y = read_formal(args.formal)
        pred = [DATASET_LABELS.index(s.label) for s in backend.classify_sync(formal_texts)]
        figures["formal_sentences"] = {
            "file": str(args.formal.relative_to(ROOT)),
            **scores(formal_y, np.asarray(pred)),
        }
    else:
        print(f"formal sentences not found at {args.formal}: not scored")
    card["held_out"] = figures
    (out / META_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v.get("accuracy") for k, v in figures.items()}), flush=True)
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"wrote {out} ({size:.1f} MB, target input style {style})")
    return 0
