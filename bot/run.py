"""`tradethehype run`: the enabled chat adapters on one event loop, sharing one engine and store.

Credentials are checked before anything heavy loads, so a missing or malformed token fails in a
moment with one line. SIGINT/SIGTERM stop the adapters, then the engine, cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from adapters.base import ChatAdapter
from bot.alerts_job import AlertJob
from bot.config import Config
from bot.logsafe import redact_logs
from bot.outcomes_job import OutcomeJob
from bot.scheduler import DigestScheduler
from bot.wiring import open_engine
from chat import BotCore, BotSettings, build_registry
from chat.alerts import AlertRules
from chat.charts import ChartSettings
from chat.schedule import Planner
from engine.clock import Clock
from engine.errors import UserError
from engine.market import MarketCalendar
from engine.news.polling import PolledNews
from engine.sentiment import SentimentBackend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdapterSpec:
    """How `run` finds, checks and builds one platform's adapter."""

    name: str
    enabled: Callable[[Config], bool]
    credentials: Callable[[Config, Mapping[str, str]], str]  # a valid token, or UserError
    build: Callable[[Config, str, BotCore], ChatAdapter]


def _telegram() -> AdapterSpec:
    from bot.setup_telegram import build_telegram, telegram_token

    return AdapterSpec("telegram", lambda c: c.telegram.enabled, telegram_token, build_telegram)


def _discord() -> AdapterSpec:
    from bot.setup_discord import build_discord, discord_token

    return AdapterSpec("discord", lambda c: c.discord.enabled, discord_token, build_discord)


# one entry per platform, imported only when `run` starts
SPECS: tuple[Callable[[], AdapterSpec], ...] = (_telegram, _discord)


def bot_settings(config: Config) -> BotSettings:
    return BotSettings(
        admins={
            "telegram": frozenset(str(a) for a in config.telegram.admins),
            "discord": frozenset(str(a) for a in config.discord.admins),
        },
        rate_limit_per_minute=config.bot.rate_limit_per_minute,
        max_tickers=config.bot.max_tickers_per_signal,
        timezone=config.digest.timezone,
        digest_times=tuple(config.digest.times),
        trading_days_only=config.digest.trading_days_only,
        horizon_sessions=config.outcomes.horizon_sessions,
        charts=ChartSettings(
            config.charts.enabled, config.charts.in_digest, config.charts.palette
        ),
        max_watchlist=config.alerts.max_watchlist,
        alert_min_score=config.signals.min_score,
    )


def planner_for(config: Config, calendar: MarketCalendar) -> Planner:
    return Planner(
        trading_days_only=config.digest.trading_days_only,
        is_trading_day=calendar.is_trading_day,
        grace=timedelta(minutes=config.digest.grace_minutes),
    )


def outcome_job(
    config: Config,
    core: BotCore,
    adapters: Sequence[ChatAdapter],
    clock: Clock,
    calendar: MarketCalendar,
) -> OutcomeJob:
    """Outcomes resolved after each session close, and told to the chats that got the signal."""
    o = config.outcomes
    return OutcomeJob(
        core,
        {a.platform: a for a in adapters},
        clock=clock,
        calendar=calendar,
        prices=core.engine.prices,
        horizon=o.horizon_sessions,
        notify=o.notify,
        delay=timedelta(minutes=o.resolve_after_close_minutes),
        concurrency=config.digest.delivery_concurrency,
        tz=ZoneInfo(config.digest.timezone),
    )


def alert_job(
    config: Config, core: BotCore, adapters: Sequence[ChatAdapter], clock: Clock
) -> AlertJob:
    """Breaking-news alerts to the chats watching a ticker, after each poll."""
    alerts = config.alerts
    return AlertJob(
        core,
        {a.platform: a for a in adapters},
        clock=clock,
        rules=AlertRules(
            cooldown=timedelta(hours=alerts.cooldown_hours),
            max_per_hour=alerts.max_per_hour,
            stale_after=timedelta(hours=config.news.max_age_hours),
        ),
        everything=alerts.everything,
        concurrency=config.digest.delivery_concurrency,
    )


def _install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            pass


async def run_bot(
    config: Config,
    *,
    clock: Clock,
    env: Mapping[str, str],
    stop: asyncio.Event | None = None,
    started: asyncio.Event | None = None,
    sentiment: SentimentBackend | None = None,
) -> int:
    """Serve until `stop` is set (or SIGINT/SIGTERM arrives)."""
    specs = [make() for make in SPECS]
    chosen = [(s, s.credentials(config, env)) for s in specs if s.enabled(config)]
    if not chosen:
        names = ", ".join(f"[{s.name}] enabled" for s in specs)
        raise UserError(f"no chat adapter is enabled: set {names} = true in the config")
    redact_logs(token for _, token in chosen)
    stop = stop or asyncio.Event()
    _install_stop_signals(stop)
    calendar = MarketCalendar()
    async with open_engine(
        config, clock=clock, sentiment=sentiment, calendar=calendar, polled=True
    ) as engine:
        core = BotCore(engine, build_registry(), bot_settings(config))
        running: list[ChatAdapter] = []
        schedule: asyncio.Task[None] | None = None
        try:
            for spec, token in chosen:
                adapter = spec.build(config, token, core)
                running.append(adapter)
                await adapter.start()
                log.info("%s adapter started", spec.name)
            scheduler = DigestScheduler(
                core,
                running,
                planner_for(config, calendar),
                clock=clock,
                concurrency=config.digest.delivery_concurrency,
                poller=engine.headlines if isinstance(engine.headlines, PolledNews) else None,
                jobs=[
                    outcome_job(config, core, running, clock, calendar),
                    alert_job(config, core, running, clock),
                ],
            )
            schedule = asyncio.create_task(scheduler.run(stop), name="digest schedule")
            if started is not None:
                started.set()
            await stop.wait()
            log.info("stopping")
        finally:
            if schedule is not None:
                schedule.cancel()
                await asyncio.gather(schedule, return_exceptions=True)
            for adapter in reversed(running):
                try:
                    await adapter.stop()
                except Exception:
                    log.exception("stopping the %s adapter failed", adapter.platform)
    return 0
