"""The backtest's figures: the signals' record, the baselines', the groups, and the verdict.

`Report.to_dict` is the `--json` document; its keys are stable so other tools can read it:
`summary`, `baselines` {`always_long`, `random_direction`}, `by_direction`, `by_confidence`,
`by_year`, `trades`, plus what the run covered (`run`) and the verdict (`verdict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from engine.backtest.baselines import always_long, candidate_trades, random_direction
from engine.backtest.prices import History
from engine.backtest.replay import Replayed
from engine.backtest.trades import BacktestTrade, Entered, enter, reversals, settle
from engine.performance import Summary, confidence_bucket, grouped, summarise


@dataclass(frozen=True)
class Verdict:
    beats: bool | None  # None: nothing to compare
    line: str


@dataclass
class Report:
    first: date
    last: date
    horizon: int
    backend: str
    replayed: Replayed
    trades: list[BacktestTrade]
    summary: Summary
    baselines: dict[str, Summary]
    candidates: int
    by_direction: dict[str, Summary] = field(default_factory=dict)
    by_confidence: dict[str, Summary] = field(default_factory=dict)
    by_year: dict[str, Summary] = field(default_factory=dict)
    no_entry: int = 0  # signals whose entry lies past the price data's end
    no_price_file: dict[str, int] = field(default_factory=dict)  # ticker -> times asked

    @property
    def verdict(self) -> Verdict:
        return judge(self.summary, self.baselines)

    def to_dict(self) -> dict[str, Any]:
        r = self.replayed
        return {
            "verdict": {"beats_baselines": self.verdict.beats, "line": self.verdict.line},
            "run": {
                "from": self.first.isoformat(),
                "to": self.last.isoformat(),
                "horizon": self.horizon,
                "backend": self.backend,
                "trading_days": r.days_total,
                "days_replayed": r.days_done,
                "interrupted": r.interrupted,
                "headlines_seen": r.headlines_seen,
                "candidates": self.candidates,
                "signals_without_entry": self.no_entry,
                "tickers_without_price_file": self.no_price_file,
            },
            "summary": summary_dict(self.summary),
            "baselines": {k: summary_dict(v) for k, v in self.baselines.items()},
            "by_direction": {k: summary_dict(v) for k, v in self.by_direction.items()},
            "by_confidence": {k: summary_dict(v) for k, v in self.by_confidence.items()},
            "by_year": {k: summary_dict(v) for k, v in self.by_year.items()},
            "trades": [t.row() for t in self.trades],
        }


def summary_dict(s: Summary) -> dict[str, Any]:
    """A summary as JSON: intervals as [low, high], figures rounded to 4 decimals."""
    out: dict[str, Any] = {}
    for key, value in asdict(s).items():
        if isinstance(value, tuple):
            value = [round(v, 4) for v in value]
        elif isinstance(value, float):
            value = round(value, 4)
        out[key] = value
    return out


def build_report(
    replayed: Replayed,
    history: History,
    *,
    first: date,
    last: date,
    horizon: int,
    backend: str,
    seed: int = 0,
) -> Report:
    """Enter and follow every signal, trade the baselines, and summarise them all."""
    entered: list[Entered] = []
    for pick in replayed.picks:
        series = history.get(pick.symbol)
        e = enter(pick, series) if series is not None else None
        if e is not None:
            entered.append(e)
    trades = [
        settle(e, history.series[e.pick.symbol], horizon, rev)
        for e, rev in zip(entered, reversals(entered), strict=True)
    ]
    plain = [t.trade for t in trades]
    candidates = candidate_trades(replayed.priced, history, horizon)
    return Report(
        first=first,
        last=last,
        horizon=horizon,
        backend=backend,
        replayed=replayed,
        trades=trades,
        summary=summarise(plain, seed=seed),
        baselines={
            "always_long": always_long(candidates, seed),
            "random_direction": random_direction(candidates, seed),
        },
        candidates=len(candidates),
        by_direction=grouped(plain, lambda t: t.direction, seed=seed),
        by_confidence=grouped(plain, lambda t: confidence_bucket(t.confidence), seed=seed),
        by_year=grouped(plain, lambda t: str(t.signalled_at.year), seed=seed),
        no_entry=len(replayed.picks) - len(entered),
        no_price_file={k: n for k, n in replayed.unpriced.items() if history.get(k) is None},
    )


def judge(summary: Summary, baselines: dict[str, Summary]) -> Verdict:
    """Do the signals' average R beat every baseline's? Said in one line, figures included."""
    if summary.avg_r is None:
        return Verdict(None, "No closed signal with levels: nothing to compare with the baselines.")
    others = {k: v.avg_r for k, v in baselines.items() if v.avg_r is not None}
    if not others:
        return Verdict(None, "The baselines had no closed trade: nothing to compare with.")
    ours = f"average R {summary.avg_r:+.3f}{_ci(summary.avg_r_ci)}"
    theirs = " and ".join(f"{k.replace('_', ' ')} {v:+.3f}" for k, v in others.items())
    best = max(others.values())
    if summary.avg_r <= best:
        return Verdict(False, f"The signals do NOT beat their baselines: {ours} vs {theirs}.")
    line = f"The signals beat their baselines by {summary.avg_r - best:+.3f} R: {ours} vs {theirs}"
    low = summary.avg_r_ci[0] if summary.avg_r_ci else None
    if low is None or low <= best:
        line += " (the interval includes the best baseline: this may be chance)"
    return Verdict(True, line + ".")


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" (95% CI {ci[0]:+.3f} to {ci[1]:+.3f})"
