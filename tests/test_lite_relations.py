"""The lite model's made-up one-event headlines (scripts/lite_relations.py) and the US
validation set as training-time validation examples (scripts/lite_data.py, lite_select.py).

What is checked is what the model is taught: every company is marked where the headline names
it, each keeps the label its role gives it, and the choosing figure counts the US set only
when it is there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # scripts/ is not an installed package

from scripts.lite_data import LABELS, Example, locate, us_headlines  # noqa: E402
from scripts.lite_relations import PATTERNS, relation_headlines, usable_names  # noqa: E402
from scripts.lite_select import balanced, val_figures  # noqa: E402
from scripts.sentfin import Headline  # noqa: E402

NAMES = ["Nvidia", "Advanced Micro Devices", "Tata Motors", "Ford", "Ford Motor Credit", "Intel"]


def test_names_are_companies_not_markets_or_currencies() -> None:
    made = [
        Headline("x", (("Tata Motors", "positive"), ("Sensex", "negative"))),
        Headline("y", (("Gold futures", "neutral"), ("Indian rupee", "negative"))),
        Headline("z", (("IT stocks", "positive"), ("nvidia", "positive"), ("Nvidia", "neutral"))),
    ]
    assert usable_names(made) == ["Nvidia", "Tata Motors"]


def test_made_up_headlines_are_reproducible_and_mark_each_company() -> None:
    made = relation_headlines(NAMES, 300, seed=5)
    assert made == relation_headlines(NAMES, 300, seed=5)
    assert len(made) == 300
    for h in made:
        assert len(h.entities) >= 2
        for name, label in h.entities:
            assert label in LABELS
            target = locate(h.title, name)
            assert target.located, h.title
            before = h.title[target.start - 1] if target.start else " "
            assert not before.isalnum(), (name, h.title)  # "Ford" never inside "Ford Motor..."
        names = [n.lower() for n, _ in h.entities]
        assert not any(a != b and a in b for a in names for b in names), h.title


def test_each_role_keeps_its_own_label() -> None:
    made = relation_headlines(["Nvidia", "Intel", "Tata Motors"], 2000, seed=1)
    seen = {h.title: dict(h.entities) for h in made}
    takes = [(t, e) for t, e in seen.items() if " takes " in t and " market share from " in t]
    assert takes
    for title, labels in takes:
        winner, loser = title.split(" takes ")[0], title.split(" market share from ")[1]
        assert labels[winner] == "positive" and labels[loser] == "negative", title
    buys = [(t, e) for t, e in seen.items() if " to buy " in t and " for $" in t]
    assert buys
    for title, labels in buys:
        acquirer = title.split(" to buy ")[0]
        target = title.split(" to buy ")[1].split(" for $")[0]
        assert labels[acquirer] == "neutral" and labels[target] == "positive", title


def test_patterns_mostly_point_companies_different_ways() -> None:
    def slot_labels(pattern: str, labels: tuple[str, str, str]) -> set[str]:
        pairs = zip("ABC", labels, strict=True)
        return {label for slot, label in pairs if f"{{{slot}}}" in pattern}

    mixed = [p for p, labels in PATTERNS if len(slot_labels(p, labels)) > 1]
    assert len(PATTERNS) >= 40
    assert len(mixed) >= 0.8 * len(PATTERNS)


def test_the_us_validation_set_is_read_by_mention(tmp_path: Path) -> None:
    path = tmp_path / "us.csv"
    path.write_text(
        "headline,targets\n"
        '"Nvidia climbs as AMD slides","[{""symbol"": ""NVDA"", ""mention"": ""Nvidia"", '
        '""label"": ""positive""}, {""symbol"": ""AMD"", ""mention"": ""AMD"", '
        '""label"": ""negative""}]"\n',
        encoding="utf-8",
    )
    (h,) = us_headlines(path)
    assert h.title == "Nvidia climbs as AMD slides"
    assert h.entities == (("Nvidia", "positive"), ("AMD", "negative"))
    assert h.mixed


def _examples(sources: list[tuple[str, bool, int]]) -> list[Example]:
    return [Example(f"t{i}", "", label, source, mixed) for i, (source, mixed, label) in
            enumerate(sources)]


def test_the_choosing_figure_counts_the_us_set_only_when_present() -> None:
    rows = [("tfns", False, 0), ("sentfin", False, 1), ("sentfin", True, 2)]
    right = np.eye(3, dtype=np.float32)[[0, 1, 2]]
    assert balanced(_examples(rows))(right) == 1.0
    assert "us_mixed" not in val_figures(right, _examples(rows))  # the shipped card's figures
    with_us = rows + [("us", True, 0)]
    wrong_on_us = np.vstack([right, np.eye(3, dtype=np.float32)[[1]]])
    assert balanced(_examples(with_us))(wrong_on_us) == 0.75
    figures = val_figures(wrong_on_us, _examples(with_us))
    assert figures["sentfin_mixed"] == 1.0 and figures["us_mixed"] == 0.0
