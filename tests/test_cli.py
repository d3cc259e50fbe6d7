"""The command line as a user meets it: the demo, digest --json twice, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import DEMO_AT, demo_data, main


def sample_args(db: Path) -> list[str]:
    """The bundled sample news and prices at the demo's replay clock, in store `db`."""
    data = demo_data()
    return [
        "--feeds",
        str(data.news),
        "--prices-csv",
        str(data.prices),
        "--at",
        DEMO_AT.isoformat(),
        "--db",
        str(db),
    ]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("ticker", "message"),
    [
        ("XYZ123", "unknown ticker or company 'XYZ123'"),
        ("", "no ticker given"),
        ("A" * 500, "is too long for a ticker or company name"),
        ("../../etc", "'../../etc' is not a ticker or company name"),
        ("<b>x</b>", "is not a ticker or company name"),
    ],
)
def test_signal_bad_ticker_one_line_exit_2_nothing_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ticker: str, message: str
) -> None:
    db = tmp_path / "store.db"
    code, out, err = run(capsys, "signal", ticker, "--db", str(db), "--backend", "lite")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not db.exists()


def test_bad_config_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[signals]\nmin_scor = 0.4\n")
    code, _, err = run(capsys, "digest", "--config", str(cfg))
    assert code == 2
    assert err.strip() == (
        f"tradethehype: error: {cfg}: unknown key 'min_scor' in [signals] "
        "(known: cooldown_days, max_per_digest, min_score, sentiment_weight, "
        "technical_weight)"
    )


def test_missing_finbert_model_says_what_to_do(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "digest",
        "--backend",
        "finbert",
        "--model",
        str(tmp_path / "no-such-model"),
        *sample_args(tmp_path / "s.db"),
    )
    assert code == 2
    assert err.count("\n") == 1 and "finbert" in err and "lite" in err
    assert not (tmp_path / "s.db").exists()


def test_demo_prints_signals_with_prices_levels_and_headlines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "sentiment: lite" in out
    head, _, rest = out.partition("$ tradethehype signal ")
    assert "$ tradethehype why " in rest
    cards = [c for c in head.split("\n\n") if c[:2].rstrip(".").isdigit()]
    with_levels = [c for c in cards if "entry " in c and "stop " in c and "target " in c]
    assert len(with_levels) >= 3
    for card in cards:
        assert "price " in card and "https://example" in card  # price and the headlines
        assert ("STALE" in card) != (card in with_levels)


def test_digest_json_twice_on_sample_data_repeats_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["digest", "--json", "--backend", "lite", *sample_args(tmp_path / "s.db")]
    code, out, _ = run(capsys, *args)
    assert code == 0
    first = json.loads(out)
    assert len(first["signals"]) >= 3 and first["backend"].startswith("lite")
    for s in first["signals"]:
        assert s["price"]["last"] > 0 and s["articles"]
        assert (s["levels"] is None) == s["price"]["stale"]  # never levels from a stale price
    assert sum(1 for s in first["signals"] if s["levels"]) >= 3
    code, out, _ = run(capsys, *args)
    second = json.loads(out)
    assert code == 0 and second["signals"] == []

    code, out, _ = run(capsys, "why", first["signals"][0]["symbol"], "--db", str(tmp_path / "s.db"))
    assert code == 0
    assert "Score = 0.70 x" in out and "Cooldown: no earlier signal" in out
    assert "Level formula:" in out


def test_digest_through_the_real_finbert_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A tiny BERT saved in FinBERT's layout, biased to 'negative': every headline reads bearish.
    A headline naming two companies is scored per company by the shipped lite model."""
    from support.tinymodels import FINBERT_ORDER, build_tiny_bert

    model = build_tiny_bert(tmp_path / "tiny-finbert", FINBERT_ORDER, favour="negative")
    code, out, err = run(
        capsys,
        "digest",
        "--json",
        "--dry-run",
        "--backend",
        "finbert",
        "--model",
        str(model),
        *sample_args(tmp_path / "s.db"),
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["backend"] == f"finbert ({model})"
    assert doc["signals"]
    for s in doc["signals"]:
        assert s["backend"] == doc["backend"]
        assert {a["label"] for a in s["articles"]} == {"negative"}  # FinBERT's, per headline
        by = {a["for_ticker"]["decided_by"] for a in s["articles"]}
        if by == {"headline"}:
            assert s["direction"] == "bearish"
    amd = next(s for s in doc["signals"] if s["symbol"] == "AMD")  # "AMD gains ... as Intel slips"
    (article,) = amd["articles"]
    assert article["for_ticker"]["decided_by"] == "company"
    assert (article["for_ticker"]["label"], amd["direction"]) == ("positive", "bullish")


def test_no_news_sources_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml here: built-in defaults, no feeds
    code, out, err = run(capsys, "digest", "--backend", "lite")
    assert code == 2 and out == ""
    assert err.strip() == (
        "tradethehype: error: no news sources: set [news] feeds in config.toml "
        "(see config.example.toml) or pass --feeds URL|FILE|DIR"
    )
    assert list(tmp_path.iterdir()) == []  # nothing written
