"""`scripts/train_lite.py --target-train`: a spent US test set joins the target path's training.

A US per-company set that has been scored too often to be a test any more can still teach the
target path (format v4). What is checked is what each path is taught: the set's companies are
training examples of the target recipe only (each with its own label, mixed ones repeated like
every mixed example), never of the headline path nor of validation, and the run folder's name
says so, so an earlier run without them is not reused.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # scripts/ is not an installed package

from scripts.train_lite import Data, data_tag, for_recipe, headline_args, parse_args  # noqa: E402

US_ROW = (
    '"Oracle soars on cloud backlog while Workday sinks","[{""symbol"": ""ORCL"", '
    '""mention"": ""Oracle"", ""label"": ""positive""}, {""symbol"": ""WDAY"", '
    '""mention"": ""Workday"", ""label"": ""negative""}]"\n'
)


def _write_data(tmp: Path) -> list[str]:
    with (tmp / "tfns.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["text", "label"])
        for i in range(60):
            out.writerow([f"stock number {i} moves {'up down flat'.split()[i % 3]}", i % 3])
    with (tmp / "sentfin.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["S No.", "Title", "Decisions", "Words"])
        for i in range(30):
            out.writerow([i, f"Acme{i} gains on order", f"{{\"Acme{i}\": 'positive'}}", 4])
    (tmp / "spent.csv").write_text("headline,targets\n" + US_ROW, encoding="utf-8")
    return ["--data", str(tmp / "tfns.csv"), "--sentfin", str(tmp / "sentfin.csv"),
            "--work", str(tmp / "work"), "--joined", "0", "--joined-tfns", "0"]


def _spent(examples: list) -> list[tuple[str, int]]:
    return [(e.text, e.label) for e in examples if e.source == "us-train"]


def test_a_spent_set_teaches_the_target_path_only(tmp_path: Path) -> None:
    base = _write_data(tmp_path)
    args = parse_args([*base, "--target-relations", "10",
                       "--target-train", str(tmp_path / "spent.csv")])
    headline = Data(headline_args(args))
    target = for_recipe(headline, args, 0)  # no made-up headlines: too few names here
    taught = _spent(target.examples("fit", "marked"))
    # each company marked where the headline names it, with its own label (positive = 1,
    # negative = 0); both are mixed, so each comes 1 + --mixed-copies (2) times
    assert sorted(set(taught)) == [
        ("<< Oracle >> soars on cloud backlog while Workday sinks", 1),
        ("Oracle soars on cloud backlog while << Workday >> sinks", 0),
    ]
    assert len(taught) == 6
    assert _spent(headline.examples("fit", "marked")) == []
    assert _spent(target.examples("val", "marked")) == []
    assert data_tag(target.args).endswith("-c1-utspent") and "-ut" not in data_tag(headline.args)


def test_a_missing_spent_set_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts.train_lite import main

    base = _write_data(tmp_path)
    code = main([*base, "--target-relations", "10", "--target-train", str(tmp_path / "no.csv")])
    assert code == 2
    missing = tmp_path / "no.csv"
    assert capsys.readouterr().err.strip() == f"training data not found: {missing} (see --help)"
