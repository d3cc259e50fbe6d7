"""Prices from Yahoo Finance through `yfinance`, and what its errors mean for a symbol.

`yahoo_failure` sorts what `yfinance` raised into a network failure, a rate limit, a ticker
without history, or anything else.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from engine.market import MarketCalendar, require_aware
from engine.models import Bar
from engine.prices import MAX_BARS, PriceSnapshot, make_quote
from engine.prices.failures import PriceUnavailable
from engine.ticker import normalise_ticker, safe_ticker

YAHOO = "Yahoo Finance"
INTRADAY_DAYS = 55  # Yahoo keeps 5-minute bars for the last 60 days
_CURL_NOISE = re.compile(
    r"^Failed to perform, |\s*See https://curl\.se/\S+ first for more details\.?"
)


def yahoo_failure(symbol: str, exc: BaseException) -> PriceUnavailable:
    """What a `yfinance` error means for `symbol` (yfinance set to raise, see `raising`)."""
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    text = _CURL_NOISE.sub("", " ".join(str(exc).split())) or type(exc).__name__
    if "YFRateLimitError" in kinds:
        return PriceUnavailable(
            symbol, f"{YAHOO} rate limit", unreachable=True, detail="too many requests, try later"
        )
    if "YFTickerMissingError" in kinds:  # no timezone / no prices: delisted or not on Yahoo
        return PriceUnavailable(symbol, f"{YAHOO} has no price history for it", detail=text)
    if isinstance(exc, OSError):  # socket, requests and curl_cffi errors are all OSErrors
        return PriceUnavailable(symbol, f"{YAHOO} unreachable", unreachable=True, detail=text)
    return PriceUnavailable(symbol, f"{YAHOO} error: {text}")


def raising(yfinance: object) -> object:
    """`yfinance` set to raise its errors: by default it logs them and returns no data, so a DNS
    failure would read as a ticker without history."""
    debug = getattr(getattr(yfinance, "config", None), "debug", None)
    if debug is not None:
        debug.hide_exceptions = False
    return yfinance


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _frame_rows(frame: Any) -> list[tuple[Any, float, float, float, float, float]]:
    """(index, open, high, low, close, volume) of each yfinance row with a positive close."""
    rows = []
    for stamp, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        close = _number(rec.get("Close"))
        if close is None or close <= 0:
            continue
        open_, high, low = (_number(rec.get(k)) for k in ("Open", "High", "Low"))
        rows.append(
            (
                stamp,
                close if open_ is None else open_,
                close if high is None else high,
                close if low is None else low,
                close,
                _number(rec.get("Volume")) or 0.0,
            )
        )
    return rows


def _aware(stamp: Any) -> datetime | None:
    moment = stamp.to_pydatetime() if hasattr(stamp, "to_pydatetime") else stamp
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return None
    return moment


class YFinancePriceProvider:
    """Prices from Yahoo Finance via `yfinance` (network; blocking calls run in a thread).

    Bars: daily history (`period="6mo", interval="1d"`), each bar stamped with its session
    close. Quote: with the market open, the latest 1-minute bar (`period="1d", interval="1m"`,
    pre/post market included), valid at that bar's timestamp; with the market closed, the last
    completed daily bar, valid at its session close. Empty data, errors and timeouts raise
    `PriceUnavailable`.
    """

    name = "yfinance"

    def __init__(
        self,
        calendar: MarketCalendar,
        max_quote_age_minutes: float = 30,
        timeout: float = 10,
        ticker_factory: Callable[[str], Any] | None = None,
    ) -> None:
        self.calendar = calendar
        self.max_age = timedelta(minutes=max_quote_age_minutes)
        self.timeout = timeout
        self._ticker_factory = ticker_factory

    def _ticker(self, symbol: str) -> Any:
        if self._ticker_factory is not None:
            return self._ticker_factory(symbol)
        import yfinance

        return raising(yfinance).Ticker(symbol)

    def _fetch(self, symbol: str, want_intraday: bool) -> tuple[Any, Any]:
        ticker = self._ticker(normalise_ticker(symbol))
        daily = ticker.history(period="6mo", interval="1d", auto_adjust=False)
        intraday = None
        if want_intraday:
            intraday = ticker.history(period="1d", interval="1m", prepost=True, auto_adjust=False)
        return daily, intraday

    async def snapshot(self, symbol: str, now: datetime) -> PriceSnapshot:
        require_aware(now)
        cleaned = safe_ticker(symbol)
        if cleaned is None:
            raise PriceUnavailable(symbol, "not a valid ticker symbol")
        market_open = self.calendar.is_open(now)
        try:
            daily, intraday = await asyncio.wait_for(
                asyncio.to_thread(self._fetch, cleaned, market_open), self.timeout
            )
        except TimeoutError:
            raise PriceUnavailable(
                cleaned, f"{YAHOO} timed out after {self.timeout:g} s", unreachable=True
            ) from None
        except Exception as exc:
            raise yahoo_failure(cleaned, exc) from None

        bars = self._daily_bars(cleaned, daily, now)
        if market_open:
            as_of, last = self._latest_minute(cleaned, intraday, now)
        else:
            if not bars:
                raise PriceUnavailable(cleaned, "Yahoo Finance has no completed daily bar")
            as_of, last = bars[-1].ts, bars[-1].close
        quote = make_quote(cleaned, last, as_of, now, self.calendar, self.max_age, self.name)
        return PriceSnapshot(quote=quote, bars=bars)

    async def intraday_bars(self, symbol: str, start: datetime, end: datetime) -> list[Bar]:
        """5-minute bars from `start` to `end` (regular hours), each stamped with its start;
        [] when `start` is older than Yahoo keeps them (INTRADAY_DAYS). Errors raise
        PriceUnavailable."""
        require_aware(start)
        cleaned = safe_ticker(symbol)
        if cleaned is None or end - start > timedelta(days=INTRADAY_DAYS) or end <= start:
            return []

        def fetch() -> Any:
            ticker = self._ticker(normalise_ticker(cleaned))
            return ticker.history(
                start=start, end=end, interval="5m", prepost=False, auto_adjust=False
            )

        try:
            frame = await asyncio.wait_for(asyncio.to_thread(fetch), self.timeout)
        except TimeoutError:
            raise PriceUnavailable(cleaned, f"{YAHOO} timed out", unreachable=True) from None
        except Exception as exc:
            raise yahoo_failure(cleaned, exc) from None
        if frame is None or len(frame) == 0:
            return []
        bars = []
        for stamp, open_, high, low, close, volume in _frame_rows(frame):
            moment = _aware(stamp)
            if moment is not None and start <= moment <= end:
                bars.append(Bar(moment, open_, high, low, close, volume))
        return sorted(bars, key=lambda b: b.ts)

    def _daily_bars(self, symbol: str, frame: Any, now: datetime) -> list[Bar]:
        if frame is None or len(frame) == 0:
            raise PriceUnavailable(symbol, f"{YAHOO} has no daily history for it")
        bars = []
        for stamp, open_, high, low, close, volume in _frame_rows(frame):
            close_at = self.calendar.session_close(stamp.date())
            if close_at is None or close_at > now:
                continue  # not a session, or not finished at `now`
            bars.append(Bar(close_at, open_, high, low, close, volume, daily=True))
        bars.sort(key=lambda b: b.ts)
        return bars[-MAX_BARS:]

    def _latest_minute(self, symbol: str, frame: Any, now: datetime) -> tuple[datetime, float]:
        if frame is None or len(frame) == 0:
            raise PriceUnavailable(symbol, "Yahoo Finance returned no intraday prices")
        latest: tuple[datetime, float] | None = None
        for stamp, *_, close, _volume in _frame_rows(frame):
            moment = _aware(stamp)
            if moment is None:
                raise PriceUnavailable(symbol, "Yahoo Finance intraday prices have no time zone")
            if moment <= now and (latest is None or moment > latest[0]):
                latest = (moment, close)
        if latest is None:
            raise PriceUnavailable(symbol, f"no intraday price at or before {now.isoformat()}")
        return latest
