"""`tradethehype sentiment --per-ticker` on the shipped lite model, and FinBERT's target scorer.

The shipped lite model may or may not be target-aware (a v3 folder names its `target_input`
style; v2 does not): rule c ("company") is expected exactly when it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.botworld import NOW
from support.tinymodels import FINBERT_ORDER, build_tiny_bert
from test_sentiment_cli import json_lines, run_cli

from bot.config import Config, with_overrides
from bot.wiring import open_engine
from engine.clock import FixedClock
from engine.sentiment.lite import DEFAULT_DIR, META_FILE, LiteBackend
from engine.sentiment.target import TARGET_STYLES

SHIPPED_TARGETS = (
    json.loads((DEFAULT_DIR / META_FILE).read_text()).get("target_input") in TARGET_STYLES
)
TWO = "Nvidia shares jump as AMD slumps on weak guidance"
TEN = "Apple, Microsoft, Nvidia, Amazon, Tesla, Intel, Boeing, Pfizer, Netflix and Oracle rise"
MULTI = "company" if SHIPPED_TARGETS else "headline"


def test_per_ticker_prints_one_object_per_line_with_each_company() -> None:
    long_title = "x" * 20_000 + " Nvidia beats as AMD misses"
    lines = [TWO, "", "Markets are calm today", TEN, "$TSLA to the moon", long_title, "\udcff"]
    stdin = "\n".join(lines).encode("utf-8", "surrogateescape")
    done = run_cli(["sentiment", "--per-ticker", "--backend", "lite"], stdin=stdin)
    assert done.returncode == 0, done.stderr.decode()
    docs = json_lines(done.stdout)
    assert [d["text"][:30] for d in docs] == [
        TWO[:30],
        "Markets are calm today",
        TEN[:30],
        "$TSLA to the moon",
        "x" * 30,
        "\ufffd",
    ]
    for d in docs:
        assert list(d) == ["text", "label", "scores", "tickers", "backend", "model"]
        assert d["backend"] == "lite" and d["label"] in ("positive", "negative", "neutral")
        for t in d["tickers"]:
            assert list(t) == ["symbol", "label", "scores", "decided_by"]
            assert t["label"] == max(t["scores"], key=t["scores"].get)
    symbols = [[(t["symbol"], t["decided_by"]) for t in d["tickers"]] for d in docs]
    assert symbols[0] == [("NVDA", MULTI), ("AMD", MULTI)]
    assert symbols[1] == [] and symbols[5] == []
    assert [s for s, _ in symbols[2]] == [
        "AAPL", "MSFT", "NVDA", "AMZN", "TSLA", "INTC", "BA", "PFE", "NFLX", "ORCL",
    ]  # fmt: skip
    assert {by for _, by in symbols[2]} == {MULTI}
    assert symbols[3] == [("TSLA", "headline")]  # one company: the headline's own score
    assert symbols[4] == [("NVDA", MULTI), ("AMD", MULTI)]
    if not SHIPPED_TARGETS:  # every company gets the headline's score
        assert all(t["scores"] == d["scores"] for d in docs for t in d["tickers"])


def test_per_ticker_is_in_the_help() -> None:
    done = run_cli(["sentiment", "--help"])
    assert done.returncode == 0 and b"--per-ticker" in done.stdout


@pytest.mark.asyncio
async def test_finbert_scores_headlines_and_the_shipped_lite_model_scores_companies(
    tmp_path: Path,
) -> None:
    tiny = build_tiny_bert(tmp_path / "finbert", FINBERT_ORDER, "negative")
    config = with_overrides(
        Config(),
        sentiment={"backend": "finbert", "model": str(tiny), "runtime": "torch"},
        store={"path": str(tmp_path / "store.db")},
    )
    async with open_engine(config, clock=FixedClock(NOW)) as engine:
        assert engine.sentiment.name == "finbert"
        assert isinstance(engine.targets, LiteBackend) and engine.targets.loaded
        assert engine.targets.model_dir == DEFAULT_DIR
        assert engine.targets.supports_targets == SHIPPED_TARGETS
    lite = with_overrides(config, sentiment={"backend": "lite"})
    async with open_engine(lite, clock=FixedClock(NOW)) as engine:
        assert engine.targets is engine.sentiment  # one model for both
