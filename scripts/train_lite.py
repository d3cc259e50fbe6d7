"""Train the classifier head of the `lite` sentiment backend and write engine/data/lite_head.json.

    .venv/bin/python scripts/train_lite.py [--data PATH] [--out PATH]

Data: twitter-financial-news-sentiment (train split, MIT), a CSV of `text,label` with
label 0 = bearish (negative), 1 = bullish (positive), 2 = neutral; by default read from
../shared/data/sentiment/tfns_train.csv relative to the repository root.

Texts are cleaned exactly as at inference (engine.sentiment.text.clean_text), embedded with
the bundled all-MiniLM-L6-v2 by the runtime embedder, and split with a fixed seed into a
stratified hold-out set (15%). Identical cleaned texts (the feed repeats items such as
"Energy Settlement Prices") always fall on the same side, so the hold-out score is honest.
The head (one hidden ReLU layer) is trained on the rest with scikit-learn, converted to plain
lists and checked again through the runtime code before the file is written.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.sentiment.lite import (  # noqa: E402
    DEFAULT_HEAD,
    EMBEDDING_MODEL,
    MAX_SEQ_LENGTH,
    Layer,
    LiteHead,
    MiniLmEmbedder,
)
from engine.sentiment.text import clean_text  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment" / "tfns_train.csv"
DATASET_LABELS = ("negative", "positive", "neutral")  # index = the CSV's label value


def read_rows(path: Path) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["text"])
            labels.append(int(row["label"]))
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


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, object]:
    from sklearn.metrics import confusion_matrix, f1_score, recall_score

    recall = recall_score(y_true, y_pred, average=None, labels=[0, 1, 2])
    return {
        "accuracy": round(float((y_true == y_pred).mean()), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
        "recall": {DATASET_LABELS[i]: round(float(r), 4) for i, r in enumerate(recall)},
        "confusion_rows_true_cols_pred": confusion_matrix(
            y_true, y_pred, labels=[0, 1, 2]
        ).tolist(),
        "label_order": list(DATASET_LABELS),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="tfns_train.csv")
    parser.add_argument("--out", type=Path, default=DEFAULT_HEAD, help="head file to write")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--test-size", type=float, default=0.15)
    parser.add_argument("--hidden", type=int, default=256, help="hidden units (0: logistic)")
    parser.add_argument("--alpha", type=float, default=0.01, help="L2 penalty")
    args = parser.parse_args(argv)

    if not args.data.is_file():
        print(
            f"training data not found: {args.data} (pass --data PATH to a text,label CSV)",
            file=sys.stderr,
        )
        return 2
    try:
        import sklearn
        from sklearn.linear_model import LogisticRegression
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        print("scikit-learn is needed to train the head: pip install scikit-learn", file=sys.stderr)
        return 2

    texts, y = read_rows(args.data)
    digest = hashlib.sha256(args.data.read_bytes()).hexdigest()
    cleaned = [clean_text(t) for t in texts]
    train, test = grouped_split(cleaned, y, args.test_size, args.seed)
    counts = {DATASET_LABELS[k]: v for k, v in sorted(Counter(y.tolist()).items())}
    print(f"data: {args.data} ({len(texts)} rows, {counts})")
    print(f"split: {len(train)} train / {len(test)} held out (seed {args.seed}, grouped)")

    started = time.perf_counter()
    embedder = MiniLmEmbedder()
    embedder.load()
    x = embedder.embed(cleaned)
    print(f"embedded {len(cleaned)} texts in {time.perf_counter() - started:.1f}s")

    baseline = LogisticRegression(C=4.0, max_iter=3000).fit(x[train], y[train])
    baseline_acc = float((baseline.predict(x[test]) == y[test]).mean())
    print(f"baseline logistic regression: held-out accuracy {baseline_acc:.4f}")

    if args.hidden > 0:
        clf = MLPClassifier(
            hidden_layer_sizes=(args.hidden,),
            alpha=args.alpha,
            early_stopping=True,
            max_iter=500,
            random_state=args.seed,
        ).fit(x[train], y[train])
        layers = (
            Layer(clf.coefs_[0].T, clf.intercepts_[0], "relu"),
            Layer(clf.coefs_[1].T, clf.intercepts_[1], "none"),
        )
        description = f"MLP {x.shape[1]}-{args.hidden}-3, ReLU, L2 alpha {args.alpha}"
        classes = clf.classes_
    else:
        clf = baseline
        layers = (Layer(clf.coef_, clf.intercept_, "none"),)
        description = "multinomial logistic regression, C 4.0"
        classes = clf.classes_
    if list(classes) != [0, 1, 2]:
        print(f"unexpected label values {list(classes)}", file=sys.stderr)
        return 2

    # Round-trip through the file format and score with the runtime code: what ships is tested.
    draft = LiteHead(DATASET_LABELS, tuple(layers), {"embedding_dim": x.shape[1]})
    data = draft.to_dict()
    head = LiteHead.from_dict(data)
    held_out = scores(y[test], head.predict_proba(x[test]).argmax(axis=1))
    print(
        f"held-out accuracy {held_out['accuracy']:.4f}, macro F1 {held_out['macro_f1']:.4f}, "
        f"recall {held_out['recall']}"
    )

    data.update(
        embedding_model=EMBEDDING_MODEL,
        embedding_dim=int(x.shape[1]),
        pooling="mean over tokens, L2-normalised",
        max_seq_length=MAX_SEQ_LENGTH,
        text_cleaning="engine.sentiment.text.clean_text",
        head=description,
        training={
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
            "held_out": held_out,
            "baseline_logistic_regression_accuracy": round(baseline_acc, 4),
            "script": "scripts/train_lite.py",
            "scikit_learn": sklearn.__version__,
        },
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(_dump(data), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


def _dump(data: dict[str, object]) -> str:
    """JSON with readable metadata on top and one line per weight row."""
    import json

    first = ("format", "version", "labels", "embedding_model", "embedding_dim")
    meta = {k: data[k] for k in first} | {
        k: v for k, v in data.items() if k not in first and k != "layers"
    }
    lines = [json.dumps(meta, indent=1)[:-2] + ","]
    lines.append(' "layers": [')
    layer_texts = []
    for layer in data["layers"]:  # type: ignore[union-attr]
        rows = ",\n    ".join(json.dumps(row, separators=(",", ":")) for row in layer["weight"])
        layer_texts.append(
            f'  {{"activation": {json.dumps(layer["activation"])},\n'
            f'   "bias": {json.dumps(layer["bias"], separators=(",", ":"))},\n'
            f'   "weight": [\n    {rows}]}}'
        )
    lines.append(",\n".join(layer_texts))
    lines.append(" ]\n}\n")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
