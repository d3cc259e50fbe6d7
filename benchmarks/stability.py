"""Do a headline's scores depend on its batch? Batch size 1 against 32, with speed and memory.

    .venv/bin/python benchmarks/stability.py [--n 1000] [--lite DIR] [--old] [--data CSV]

For the lite model (the shipped one, or any folder made by scripts/train_lite.py; headlines
alone, and each headline with its first word marked as the company) and for
FinBERT's ONNX export (a BERT-base with random weights in FinBERT's layout, built and prepared
with `tradethehype model prepare` as benchmarks/sentiment.py does), each batch size is run in
its own process on the same N headlines, and the script reports the largest absolute
probability difference between the two runs, the label flips, headlines/s at each batch size
(scoring only, after a warm-up batch), the peak RSS of each process and the graph's size.
`--old` adds FinBERT's graph quantized the old way (onnxruntime dynamic int8, per channel, as
exports before v2 were) for comparison. Target: at most 1e-4 and no flip.

Headlines: ../shared/data/sentiment/tfns_train.csv (TFNS), cleaned, distinct, fixed shuffle.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sentiment as bench  # noqa: E402 - benchmarks/sentiment.py: headlines, the stand-in

TOLERANCE = 1e-4
CLI = [sys.executable, "-m", "bot.cli"]


def child(spec: dict[str, Any]) -> int:
    """Score the texts with one model at one batch size; print timings, save probabilities."""
    import numpy as np

    texts = Path(spec["texts"]).read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    score = _scorer(spec)
    score(texts[:32])  # warm-up: first-run allocations are not the steady speed
    loaded = time.perf_counter()
    probs = score(texts)
    done = time.perf_counter()
    np.save(spec["out"], probs)
    print(json.dumps({"load_s": loaded - started, "per_s": len(texts) / (done - loaded)}))
    return 0


def _scorer(spec: dict[str, Any]) -> Any:
    import numpy as np

    batch = int(spec["batch"])
    if spec["kind"] == "graph":  # a bare graph with a tokenizer (the old recipe)
        from engine.sentiment.onnxrt import OnnxClassifier

        graph = OnnxClassifier(
            Path(spec["model"]),
            Path(spec["tokenizer"]),
            labels=("positive", "negative", "neutral"),
            max_length=512,
        )
        graph.batch_size = batch
        graph.load()
        return graph.predict_proba
    if spec["kind"] in ("lite", "lite-targets"):
        from engine.sentiment.lite import LiteBackend

        backend: Any = LiteBackend(Path(spec["model"]), batch_size=batch)
        if spec["kind"] == "lite-targets":
            return lambda texts: targets_scores(backend, texts)
    else:
        from engine.sentiment.finbert import FinBertBackend

        backend = FinBertBackend(spec["model"], batch_size=batch, runtime="onnx")
    backend.load()
    order = sorted(backend.classify_sync(["x"])[0].scores)
    return lambda texts: np.asarray(
        [[s.scores[k] for k in order] for s in backend.classify_sync(texts)]
    )


def targets_scores(backend: Any, texts: list[str]) -> Any:
    """The lite model's target path: each headline with its first word marked as the company
    (the path a headline naming two or more companies takes)."""
    import numpy as np

    from engine.sentiment.target import Target

    backend.load()
    marked = [Target(t, t.split()[0], 0, len(t.split()[0])) for t in texts]
    got = backend.classify_targets_sync(marked)
    return np.asarray([[s.scores[k] for k in sorted(s.scores)] for s in got])


def run_child(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """One child process; its peak RSS from wait4 (this parent stays small, see sentiment.py)."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", json.dumps(spec)],
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            reason = err.read().decode(errors="replace")[-500:]
            raise SystemExit(f"{spec['kind']} at batch {spec['batch']} failed: {reason}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["rss_mb"] = round(usage.ru_maxrss / 1024)
    return result


def measure(name: str, spec: dict[str, Any], size_mb: float, env: dict[str, str]) -> dict:
    import numpy as np

    runs = {}
    for batch in (32, 1):
        out = Path(spec["work"]) / f"{name}-b{batch}.npy"
        runs[batch] = run_child({**spec, "batch": batch, "out": str(out)}, env)
        runs[batch]["probs"] = np.load(out)
    a, b = runs[1]["probs"], runs[32]["probs"]
    return {
        "name": name,
        "max_abs_diff": float(np.abs(a - b).max()),
        "label_flips": int((a.argmax(axis=1) != b.argmax(axis=1)).sum()),
        "per_s_batch32": round(runs[32]["per_s"], 1),
        "per_s_batch1": round(runs[1]["per_s"], 1),
        "peak_rss_mb_batch32": runs[32]["rss_mb"],
        "peak_rss_mb_batch1": runs[1]["rss_mb"],
        "size_mb": round(size_mb, 1),
    }


def old_graph(model: Path, out: Path) -> None:
    """FinBERT's graph the way exports before v2 were quantized (onnxruntime dynamic int8)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification

    from engine.sentiment.prepare import export_classifier

    network = AutoModelForSequenceClassification.from_pretrained(
        str(model), local_files_only=True, attn_implementation="eager"
    )
    fp32 = out.with_suffix(".fp32.onnx")
    export_classifier(torch, network.eval(), fp32)
    quantize_dynamic(
        str(fp32),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
    )
    fp32.unlink()


def prepare_standin(work: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """The FinBERT-size stand-in and its prepared export folder (made once per work folder)."""
    model = work / "finbert-random"
    subprocess.run([sys.executable, bench.__file__, "--standin-only", str(model)], check=True)
    prep = subprocess.run(
        CLI + ["model", "prepare", "--model", str(model)], env=env, capture_output=True, text=True
    )
    if prep.returncode != 0:
        raise SystemExit(f"model prepare failed: {prep.stderr.strip()}")
    from engine.sentiment.prepare import MODEL_FILE, find_prepared

    os.environ["TRADETHEHYPE_CACHE"] = env["TRADETHEHYPE_CACHE"]
    found = find_prepared(str(model))
    if found is None:
        raise SystemExit("model prepare left no export to measure")
    assert found.model_path.name == MODEL_FILE
    return model, found.folder


# A benchmark driver (76 lines): the steps run and print in order; nothing here is reused.
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="headlines")
    parser.add_argument("--lite", type=Path, help="lite model folder (default: the shipped one)")
    parser.add_argument("--old", action="store_true", help="also FinBERT's old dynamic int8")
    parser.add_argument("--no-finbert", action="store_true", help="measure the lite model only")
    parser.add_argument("--data", type=Path, default=bench.DATA, help="TFNS csv")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-stability")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--old-graph", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(json.loads(args.child))
    if args.old_graph:
        old_graph(*args.old_graph)
        return 0
    if not args.data.is_file():
        print(
            f"benchmark data not found: {args.data} (the ../shared/data folder is absent)",
            file=sys.stderr,
        )
        return 2
    from engine.sentiment.lite import DEFAULT_DIR, MODEL_FILE, TOKENIZER_FILE

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    texts = work / "headlines.txt"
    texts.write_text("\n".join(bench.headlines(args.n, args.data)) + "\n", encoding="utf-8")
    env = dict(os.environ, TRADETHEHYPE_CACHE=str(work / "cache"), HF_HUB_OFFLINE="1")
    print(
        f"{args.n} headlines from {args.data.name}; {len(os.sched_getaffinity(0))} CPUs; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    base = {"texts": str(texts), "work": str(work)}
    lite = (args.lite or DEFAULT_DIR).resolve()
    rows = [
        measure(
            "lite",
            {**base, "kind": "lite", "model": str(lite)},
            (lite / MODEL_FILE).stat().st_size / 1e6,
            env,
        ),
        measure(
            "lite-targets",
            {**base, "kind": "lite-targets", "model": str(lite)},
            (lite / MODEL_FILE).stat().st_size / 1e6,
            env,
        ),
    ]
    if not args.no_finbert:
        model, folder = prepare_standin(work, env)
        graph = folder / "model.int8.onnx"
        rows.append(
            measure(
                "finbert-onnx",
                {**base, "kind": "finbert", "model": str(model)},
                graph.stat().st_size / 1e6,
                env,
            )
        )
        if args.old:
            old = work / "finbert-old-dynamic.onnx"
            if not old.is_file():
                subprocess.run(
                    [sys.executable, __file__, "--old-graph", str(model), str(old)],
                    check=True,
                    env=env,
                )
            spec = {
                **base,
                "kind": "graph",
                "model": str(old),
                "tokenizer": str(folder / TOKENIZER_FILE),
            }
            rows.append(
                measure("finbert-onnx, old dynamic int8", spec, old.stat().st_size / 1e6, env)
            )
    report(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


def report(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'model':<32}{'max |diff|':>12}{'flips':>7}{'b32 /s':>9}{'b1 /s':>8}"
        f"{'RSS b32':>9}{'RSS b1':>8}{'MB':>7}  target"
    )
    for r in rows:
        met = r["max_abs_diff"] <= TOLERANCE and r["label_flips"] == 0
        print(
            f"{r['name']:<32}{r['max_abs_diff']:>12.2e}{r['label_flips']:>7}"
            f"{r['per_s_batch32']:>9}{r['per_s_batch1']:>8}{r['peak_rss_mb_batch32']:>9}"
            f"{r['peak_rss_mb_batch1']:>8}{r['size_mb']:>7}  {'met' if met else 'NOT met'}"
        )


if __name__ == "__main__":
    sys.exit(main())
