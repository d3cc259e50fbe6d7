"""Tiny stand-ins for real models, built in a test's temporary folder (no network, ~1 s)."""

from __future__ import annotations

import atexit
import os
import shutil
import string
import tempfile
from pathlib import Path

# FinBERT's onnx runtime exports each model once into a cache: tests keep theirs out of $HOME.
if not os.environ.get("TRADETHEHYPE_CACHE"):
    os.environ["TRADETHEHYPE_CACHE"] = tempfile.mkdtemp(prefix="tradethehype-test-cache-")
    atexit.register(shutil.rmtree, os.environ["TRADETHEHYPE_CACHE"], ignore_errors=True)

FINBERT_ORDER = {0: "positive", 1: "negative", 2: "neutral"}  # ProsusAI/finbert's id2label
MAX_POSITIONS = 64  # tiny position table: an untruncated long text would crash the model

_WORDS = (
    "the a an of to in on and for with after as at by from is are was were be has have "
    "shares stock stocks company profit loss revenue guidance estimates beats misses raises "
    "cuts plunge soar rise fall record warning upgrade downgrade buy sell hold market "
    "quarter results earnings bank price target analyst rating news"
).split()


def _vocab() -> list[str]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    pieces = [f"##{c}" for c in string.ascii_lowercase + string.digits]
    return list(dict.fromkeys(specials + chars + pieces + _WORDS))


def build_tiny_bert(
    path: Path, id2label: dict[int, str], favour: str, *, margin: float = 20.0
) -> Path:
    """Save a tiny BertForSequenceClassification + tokenizer under `path` (FinBERT's layout).

    The classifier bias (`margin`) makes `favour` the most probable label for every input, by
    a wide margin; the classifier weights still depend on the input, so different texts get
    different (but always `favour`-led) scores, which lets tests check result order.
    `favour` is a label value of `id2label`. With a small `margin` the labels vary by text and
    no probability is near 0 or 1, so small changes in the logits show.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    if favour not in id2label.values():
        raise ValueError(f"favour {favour!r} is not one of the labels {list(id2label.values())}")
    path.mkdir(parents=True, exist_ok=True)
    vocab = _vocab()
    vocab_file = path / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # transformers 5: the tokenizer takes the vocabulary itself (it also reads vocab.txt).
    tokenizer = BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=True)
    tokenizer.save_pretrained(str(path))

    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_POSITIONS,
        id2label={int(k): v for k, v in id2label.items()},
        label2id={v: int(k) for k, v in id2label.items()},
        initializer_range=0.3,  # large random weights: different texts, clearly different logits
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    favoured = next(k for k, v in id2label.items() if v == favour)
    with torch.no_grad():
        generator = torch.Generator().manual_seed(1)
        weight = torch.randn(model.classifier.weight.shape, generator=generator) * 0.5
        model.classifier.weight.copy_(weight)
        model.classifier.bias.zero_()
        model.classifier.bias[favoured] = margin
    model.save_pretrained(str(path))
    return path
