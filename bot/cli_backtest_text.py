"""How `tradethehype backtest` shows itself: the progress bar on stderr and the text report."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from engine.backtest.replay import Progress
from engine.backtest.report import Report
from engine.performance import Summary

BAR_WIDTH = 24
REDRAW_SECONDS = 0.2  # a terminal's bar is redrawn at most this often
LINE_STEPS = 10  # without a terminal: a line after the first day, then every tenth of the range


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressBar:
    """Days done, signals so far and time left; redrawn in place on a terminal, else a line
    after the first day and at every tenth of the days."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.tty = stream.isatty()
        self._drawn_at: float | None = None
        self._step = 0

    def text(self, p: Progress) -> str:
        filled = BAR_WIDTH * p.days_done // max(p.days_total, 1)
        left = p.seconds_left
        eta = "" if left is None else f", about {_duration(left)} left"
        return (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {p.days_done}/{p.days_total} days, "
            f"{p.signals} signals{eta}"
        )

    def update(self, p: Progress) -> None:
        last = p.days_done == p.days_total
        if self.tty:
            now = self.clock()
            if last or self._drawn_at is None or now - self._drawn_at >= REDRAW_SECONDS:
                self.stream.write(f"\r{self.text(p)}\x1b[K")
                self._drawn_at = now
        else:
            step = LINE_STEPS * p.days_done // max(p.days_total, 1)
            if p.days_done == 1 or last or step > self._step:
                self.stream.write(f"backtest: {self.text(p)}\n")
            self._step = step
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._drawn_at is not None:
            self.stream.write("\n")
            self.stream.flush()


# -- the report -----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _num(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "-"
    value = round(value, 2) + 0.0  # never "-0.00"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _rate(value: float | None, ci: tuple[float, float] | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0%}" + ("" if ci is None else f" ({ci[0]:.0%}-{ci[1]:.0%})")


def _avg_r(s: Summary) -> str:
    if s.avg_r is None:
        return "-"
    ci = s.avg_r_ci
    return f"{s.avg_r:+.2f}" + ("" if ci is None else f" ({ci[0]:+.2f} to {ci[1]:+.2f})")


COLUMNS = (
    ("", 18),
    ("signals", 8),
    ("target", 7),
    ("stop", 6),
    ("expired", 8),
    ("rev.", 5),
    ("avg R (95% CI)", 23),
    ("expect.", 8),
    ("PF", 6),
    ("hit 1d (95% CI)", 17),
    ("hit 5d (95% CI)", 15),
)


def _row(cells: list[str]) -> str:
    return "".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip() + "\n"


def _summary_row(name: str, s: Summary) -> str:
    return _row(
        [
            name,
            str(s.signals),
            _pct(s.target_first),
            _pct(s.stop_first),
            _pct(s.expired),
            _pct(s.reversed),
            _avg_r(s),
            _num(s.expectancy_r),
            _num(s.profit_factor, signed=False),
            _rate(s.hit_rate_1d, s.hit_rate_1d_ci),
            _rate(s.hit_rate_5d, s.hit_rate_5d_ci),
        ]
    )


def _table(title: str, rows: dict[str, Summary]) -> str:
    if not rows:
        return ""
    return f"\n{title}\n" + "".join(_summary_row(k, v) for k, v in rows.items())


def render_report(report: Report, *, digest_times: str) -> str:
    """The text report; its first line says whether the signals beat the baselines."""
    r = report.replayed
    lines = [report.verdict.line + "\n"]
    lines.append(
        f"Backtest {report.first} to {report.last}: {r.days_total} trading days, digests at "
        f"{digest_times}, {report.backend}, outcomes over {report.horizon} sessions.\n"
    )
    if r.interrupted:
        lines.append(
            f"Interrupted after {r.days_done} of {r.days_total} trading days: "
            "the figures cover those days only.\n"
        )
    lines.append(
        f"{r.headlines_seen} headlines read by the digests, {report.candidates} candidates "
        "(ticker-days whose news could make a signal), "
        f"{len(r.picks)} signals.\n\n"
    )
    lines.append(_row([name for name, _ in COLUMNS]))
    lines.append(_summary_row("signals", report.summary))
    for name, s in report.baselines.items():
        lines.append(_summary_row(name.replace("_", " "), s))
    lines.append(_table("By direction", report.by_direction))
    lines.append(_table("By confidence", report.by_confidence))
    lines.append(_table("By year", report.by_year))
    lines.append(_footnotes(report))
    return "".join(lines)


def _footnotes(report: Report) -> str:
    notes = [
        "\nShares of closed trades (rev.: closed by an opposite signal). "
        "R = (exit - entry) / (entry - stop).\n"
        "expect. = expectancy in R; PF = profit factor; hit = the close 1 or 5 sessions after "
        "the entry\nmoved the signal's way. Random direction: averaged over 50 seeded draws.\n"
    ]
    if report.summary.open:
        notes.append(f"{report.summary.open} signals still open at the data's end (not counted).\n")
    if report.no_entry:
        notes.append(f"{report.no_entry} signals had no price after them (not counted).\n")
    unpriced = report.no_price_file
    if unpriced:
        shown = ", ".join(f"{k} ({v})" for k, v in list(unpriced.items())[:12])
        more = f" and {len(unpriced) - 12} more" if len(unpriced) > 12 else ""
        one = len(unpriced) == 1
        tickers = "1 ticker" if one else f"{len(unpriced)} tickers"
        notes.append(
            f"{tickers} named by the news had no price file and {'was' if one else 'were'} skipped "
            f"(times asked): {shown}{more}.\n"
        )
    return "".join(notes)
