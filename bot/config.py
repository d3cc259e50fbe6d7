"""Configuration: one TOML file, validated against typed sections.

Every key has a default (documented in config.example.toml). Unknown sections or keys, and values of
the wrong type, are errors that name the key, the file and what was expected.
"""

from __future__ import annotations

import math
import tomllib
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chat.schedule import parse_time
from engine.errors import ConfigError, UserError
from engine.store.file import DEFAULT_BUSY_TIMEOUT

DEFAULT_CONFIG = Path("config.toml")


@dataclass(frozen=True)
class NewsConfig:
    feeds: list[str] = field(default_factory=list)
    ticker_feeds: list[str] = field(default_factory=list)
    max_age_hours: float = 6.0
    timeout_seconds: float = 10.0
    poll_minutes: float = 10.0


@dataclass(frozen=True)
class SentimentConfig:
    backend: str = "finbert"
    model: str = "ProsusAI/finbert"
    lite_head: str = ""
    batch_size: int = 32
    runtime: str = "auto"


@dataclass(frozen=True)
class PricesConfig:
    provider: str = "yfinance"
    csv_dir: str = ""
    max_quote_age_minutes: float = 30.0
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class SignalsConfig:
    min_score: float = 0.3
    max_per_digest: int = 10
    cooldown_days: float = 7.0
    sentiment_weight: float = 0.7
    technical_weight: float = 0.3


@dataclass(frozen=True)
class StoreConfig:
    path: str = "tradethehype.db"
    busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT  # wait for another process's lock


@dataclass(frozen=True)
class BotConfig:
    rate_limit_per_minute: int = 5
    max_tickers_per_signal: int = 3


@dataclass(frozen=True)
class DigestConfig:
    times: list[str] = field(default_factory=lambda: ["06:30"])
    timezone: str = "America/Phoenix"
    trading_days_only: bool = True
    grace_minutes: float = 120.0
    delivery_concurrency: int = 4


@dataclass(frozen=True)
class OutcomesConfig:
    horizon_sessions: int = 5  # a signal with neither level hit by then expires at that close
    notify: bool = True  # tell the chats that received a signal what became of it
    resolve_after_close_minutes: float = 30.0  # after each session close, once prices settle


@dataclass(frozen=True)
class AlertsConfig:
    cooldown_hours: float = 12.0  # one alert per (chat, ticker, direction) within this
    max_per_hour: int = 6  # messages per chat per hour; the rest summarised later
    max_watchlist: int = 25  # tickers one chat may watch
    everything: bool = False  # every strong signal to every subscribed chat, watched or not


@dataclass(frozen=True)
class TelegramConfig:
    enabled: bool = True
    token: str = field(default="", repr=False)  # env TELEGRAM_BOT_TOKEN wins; never logged
    base_url: str = "https://api.telegram.org/bot"
    admins: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class DiscordConfig:
    enabled: bool = False
    token: str = field(default="", repr=False)  # env DISCORD_BOT_TOKEN wins; never logged
    guild_ids: list[int] = field(default_factory=list)  # empty: publish commands globally
    admins: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class TickersConfig:
    user_agent: str = ""  # SEC asks automated downloads to declare a name and e-mail
    url: str = "https://www.sec.gov/files/company_tickers_exchange.json"
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class ChartsConfig:
    enabled: bool = True
    in_digest: int = 3  # the digest's strongest signals that get their chart; 0: none
    palette: str = "light"


@dataclass(frozen=True)
class Config:
    news: NewsConfig = field(default_factory=NewsConfig)
    sentiment: SentimentConfig = field(default_factory=SentimentConfig)
    prices: PricesConfig = field(default_factory=PricesConfig)
    signals: SignalsConfig = field(default_factory=SignalsConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    bot: BotConfig = field(default_factory=BotConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    outcomes: OutcomesConfig = field(default_factory=OutcomesConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    tickers: TickersConfig = field(default_factory=TickersConfig)
    charts: ChartsConfig = field(default_factory=ChartsConfig)
    source: str = "built-in defaults"  # where the values came from, for messages


CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sentiment", "backend"): ("finbert", "lite"),
    ("sentiment", "runtime"): ("auto", "torch", "onnx"),
    ("prices", "provider"): ("yfinance", "csv"),
    ("charts", "palette"): ("light", "dark"),
}


@dataclass(frozen=True)
class Limit:
    """The allowed range of a number in the config; `low_open` leaves `low` itself out."""

    low: float
    high: float
    low_open: bool = False

    def allows(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return math.isfinite(value) and above and value <= self.high

    def describe(self, whole: bool) -> str:
        if self.low_open:
            return f"a number above {self.low:g} and at most {self.high:g}"
        if whole:
            return f"a whole number from {self.low:g} to {self.high:g}"
        return f"{self.low:g} to {self.high:g}"


# Every number in the config and its range: checked when the file is loaded, so `config check`
# catches a value that is out of range, infinite or not a number (nan).
LIMITS: dict[tuple[str, str], Limit] = {
    ("news", "max_age_hours"): Limit(0, 720, low_open=True),
    ("news", "timeout_seconds"): Limit(0, 600, low_open=True),
    ("news", "poll_minutes"): Limit(0, 1440, low_open=True),
    ("sentiment", "batch_size"): Limit(1, 1024),
    ("prices", "max_quote_age_minutes"): Limit(0, 10080, low_open=True),
    ("prices", "timeout_seconds"): Limit(0, 600, low_open=True),
    ("signals", "min_score"): Limit(0, 1),
    ("signals", "max_per_digest"): Limit(1, 100),
    ("signals", "cooldown_days"): Limit(0, 365),
    ("signals", "sentiment_weight"): Limit(0, 100),
    ("signals", "technical_weight"): Limit(0, 100),
    ("store", "busy_timeout_seconds"): Limit(0, 600),
    ("bot", "rate_limit_per_minute"): Limit(0, 10000),
    ("bot", "max_tickers_per_signal"): Limit(1, 20),
    ("digest", "grace_minutes"): Limit(0, 1440, low_open=True),
    ("digest", "delivery_concurrency"): Limit(1, 100),
    ("outcomes", "horizon_sessions"): Limit(1, 60),
    ("outcomes", "resolve_after_close_minutes"): Limit(0, 480),
    ("tickers", "timeout_seconds"): Limit(0, 600, low_open=True),
    ("charts", "in_digest"): Limit(0, 10),
    ("alerts", "cooldown_hours"): Limit(0, 720),
    ("alerts", "max_per_hour"): Limit(1, 1000),
    ("alerts", "max_watchlist"): Limit(1, 1000),
}


def _type_name(tp: Any) -> str:
    if tp is float:
        return "a number"
    if tp is int:
        return "a whole number"
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if typing.get_origin(tp) is list:
        item = typing.get_args(tp)[0]
        return "a list of whole numbers" if item is int else "a list of strings"
    return str(tp)


def _coerce(value: Any, tp: Any, where: str) -> Any:
    expected = _type_name(tp)
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is str and isinstance(value, str):
        return value
    if tp is bool and isinstance(value, bool):
        return value
    if typing.get_origin(tp) is list and isinstance(value, list):
        item = typing.get_args(tp)[0]
        if all(isinstance(v, item) and not isinstance(v, bool) for v in value):
            return list(value)
    raise ConfigError(f"{where}: expected {expected}, got {value!r}")


def _section_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls)}


def parse_config(data: dict[str, Any], source: str) -> Config:
    """Validate a parsed TOML document into a Config; errors name file, key and expectation."""
    sections = {f.name: f for f in fields(Config) if f.name != "source"}
    values: dict[str, Any] = {}
    for section, body in data.items():
        if section not in sections:
            known = ", ".join(f"[{s}]" for s in sections)
            raise ConfigError(f"{source}: unknown section [{section}] (known: {known})")
        if not isinstance(body, dict):
            raise ConfigError(f"{source}: [{section}] must be a table")
        cls = typing.get_type_hints(Config)[section]
        assert is_dataclass(cls)
        types_ = _section_types(cls)
        kwargs: dict[str, Any] = {}
        for key, value in body.items():
            where = f"{source}: [{section}] {key}"
            if key not in types_:
                raise ConfigError(
                    f"{source}: unknown key '{key}' in [{section}] "
                    f"(known: {', '.join(sorted(types_))})"
                )
            kwargs[key] = _coerce(value, types_[key], where)
            choices = CHOICES.get((section, key))
            if choices and kwargs[key] not in choices:
                raise ConfigError(f"{where}: expected one of {', '.join(choices)}, got {value!r}")
        values[section] = cls(**kwargs)
    config = Config(**values, source=source)
    _check(config)
    return config


def _check_numbers(config: Config) -> None:
    """Every number is finite and in its range (LIMITS); the error names key, file and range."""
    for section in fields(Config):
        if section.name == "source":
            continue
        body = getattr(config, section.name)
        for key in fields(body):
            value = getattr(body, key.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            limit = LIMITS[(section.name, key.name)]  # a new number needs its range there
            if not limit.allows(value):
                raise ConfigError(
                    f"{config.source}: [{section.name}] {key.name}: expected "
                    f"{limit.describe(isinstance(value, int))}, got {value!r}"
                )


def _check(config: Config) -> None:
    src = config.source
    _check_numbers(config)
    s = config.signals
    if s.sentiment_weight + s.technical_weight <= 0:
        raise ConfigError(f"{src}: [signals] sentiment_weight + technical_weight must be above 0")
    if not config.store.path.strip() or config.store.path.strip() == ":memory:":
        raise ConfigError(
            f"{src}: [store] path: expected the path of the store's file, got {config.store.path!r}"
        )
    for template in config.news.ticker_feeds:
        if "{symbol}" not in template:
            raise ConfigError(
                f"{src}: [news] ticker_feeds: {template!r} has no {{symbol}} placeholder"
            )
    try:
        ZoneInfo(config.digest.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{src}: [digest] timezone: {config.digest.timezone!r} is not a time zone "
            "(e.g. America/Phoenix, Europe/London, UTC)"
        ) from None
    if not config.digest.times:
        raise ConfigError(f'{src}: [digest] times: expected at least one time, e.g. ["06:30"]')
    for value in config.digest.times:
        try:
            parse_time(value)
        except UserError:
            raise ConfigError(
                f"{src}: [digest] times: {value!r} is not a time of day (HH:MM, e.g. 06:30)"
            ) from None
    if not config.tickers.url.startswith(("http://", "https://")):
        raise ConfigError(f"{src}: [tickers] url: expected an http(s) URL")
    if not config.telegram.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{src}: [telegram] base_url: expected an http(s) URL")
    for name, ids in (("guild_ids", config.discord.guild_ids), ("admins", config.discord.admins)):
        if any(i <= 0 for i in ids):
            raise ConfigError(f"{src}: [discord] {name}: expected Discord ids (positive numbers)")
    if config.prices.provider == "csv" and not config.prices.csv_dir:
        raise ConfigError(f'{src}: [prices] csv_dir: required when provider = "csv"')


def load_config(path: Path | None) -> Config:
    """Load `path`, or ./config.toml if present, else the built-in defaults."""
    if path is None:
        if not DEFAULT_CONFIG.exists():
            return Config()
        path = DEFAULT_CONFIG
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))


def with_overrides(config: Config, **sections: dict[str, Any]) -> Config:
    """A copy of `config` with some keys replaced, e.g. with_overrides(c, store={"path": "x"})."""
    changed: dict[str, Any] = {}
    for name, updates in sections.items():
        if updates:
            changed[name] = replace(getattr(config, name), **updates)
    updated = replace(config, **changed)
    _check(updated)
    return updated


__all__ = [
    "BotConfig",
    "ChartsConfig",
    "Config",
    "DigestConfig",
    "TelegramConfig",
    "TickersConfig",
    "DiscordConfig",
    "NewsConfig",
    "OutcomesConfig",
    "PricesConfig",
    "SentimentConfig",
    "SignalsConfig",
    "StoreConfig",
    "load_config",
    "parse_config",
    "with_overrides",
]
