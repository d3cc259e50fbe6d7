"""Configuration: defaults, the shipped example, and errors that name file, key and expectation."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from bot.config import Config, load_config, parse_config
from engine.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_is_valid_and_matches_the_defaults() -> None:
    example = load_config(ROOT / "config.example.toml")
    defaults = Config()
    # except the two keys set so that a copy works at once (tests/test_example_config.py)
    first_run = {"news": {"feeds": example.news.feeds}, "sentiment": {"backend": "lite"}}
    for section in (f.name for f in fields(Config) if f.name != "source"):
        expected = replace(getattr(defaults, section), **first_run.get(section, {}))
        assert getattr(example, section) == expected, section


def test_missing_file_means_defaults_unless_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == Config()
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[news]\nmax_age_hour = 6\n", "unknown key 'max_age_hour' in [news]"),
        ("[newz]\n", "unknown section [newz]"),
        ("[news]\nmax_age_hours = 'six'\n", "[news] max_age_hours: expected a number, got 'six'"),
        ("[news]\nfeeds = 'http://x'\n", "[news] feeds: expected a list of strings"),
        ("[sentiment]\nbackend = 'gpt'\n", "[sentiment] backend: expected one of finbert, lite"),
        ("[signals]\nmin_score = 3\n", "[signals] min_score: expected 0 to 1"),
        ("[news]\nticker_feeds = ['http://x/rss']\n", "has no {symbol} placeholder"),
        ("[prices]\nprovider = 'csv'\n", "[prices] csv_dir: required"),
        ("[news\nfeeds = []\n", "not valid TOML"),
        ("[digest]\ntimes = ['24:00']\n", "[digest] times: '24:00' is not a time of day (HH:MM"),
        ("[digest]\ntimes = ['1²:00']\n", "[digest] times: '1²:00' is not a time of day (HH:MM"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_values_are_read() -> None:
    config = parse_config(
        {"news": {"feeds": ["a.xml"], "max_age_hours": 3}, "signals": {"cooldown_days": 2}}, "t"
    )
    assert config.news.feeds == ["a.xml"] and config.news.max_age_hours == 3.0
    assert config.signals.cooldown_days == 2.0
