"""What a signal chart shows, as plain data: who, when, the direction and score, the last price,
the levels and the times of the headlines behind it. The bars come separately (from the engine's
price snapshot), so one spec can be drawn from any bars a test or the CLI has."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from engine.models import Levels, Quote
from engine.pipeline import TickerView
from engine.records import SignalRecord


class ChartUnavailable(Exception):
    """No chart can be drawn; the message is one line a user can read."""


@dataclass(frozen=True)
class ChartSpec:
    symbol: str
    name: str
    at: datetime  # when the signal (or view) was made: the bars end there
    direction: str | None = None  # "bullish" / "bearish"; None: no signal
    score: float | None = None
    quote: Quote | None = None
    levels: Levels | None = None
    headline_times: tuple[datetime, ...] = ()

    @classmethod
    def of_record(cls, record: SignalRecord) -> ChartSpec:
        """A stored signal's chart (a card, a digest's signal)."""
        return cls(
            symbol=record.symbol,
            name=record.name,
            at=record.generated_at,
            direction=record.direction,
            score=record.score,
            quote=record.price,
            levels=record.levels,
            headline_times=_times(a.published for a in record.articles),
        )

    @classmethod
    def of_view(cls, view: TickerView) -> ChartSpec:
        """An on-demand view's chart: its signal's, or the price and news alone."""
        sig = view.signal
        articles = sig.articles if sig else (view.aggregate.articles if view.aggregate else [])
        return cls(
            symbol=view.symbol,
            name=view.name,
            at=view.generated_at,
            direction=sig.direction if sig else None,
            score=sig.score if sig else None,
            quote=view.quote,
            levels=sig.levels if sig else None,
            headline_times=_times(a.article.published for a in articles),
        )


def _times(times: Iterable[datetime]) -> tuple[datetime, ...]:
    return tuple(sorted(times))
