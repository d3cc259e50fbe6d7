"""The lite model's network and its fine-tuning loop (used by scripts/train_lite.py).

MiniLM encoder -> mean over real tokens -> dropout -> linear head (3 logits). The graph takes
input_ids and attention_mask only: a (headline, company) pair is told apart by its [SEP]
token, never by token type ids, exactly as the runtime feeds it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np


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


# Token ids to trace an export with (any vocabulary has them; the graph's shapes are dynamic).
EXPORT_EXAMPLE = [[2, 10, 11, 12, 13, 3], [2, 14, 3]]


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


# One training loop, kept whole (76 lines): optimizer groups, schedule and the step read in order.
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
