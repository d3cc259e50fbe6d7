"""Every number in the config is finite and in its stated range, checked when the file is loaded;
a bad one is one line naming the key, the file and the range, and no command is left running."""

from __future__ import annotations

import subprocess
import sys
import typing
from dataclasses import fields
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import LIMITS, Config, load_config
from engine.errors import ConfigError

NUMBERS = sorted(LIMITS)


def numeric_keys() -> list[tuple[str, str]]:
    found = []
    for section in fields(Config):
        if section.name == "source":
            continue
        hints = typing.get_type_hints(typing.get_type_hints(Config)[section.name])
        found += [(section.name, k) for k, tp in hints.items() if tp in (int, float)]
    return sorted(found)


def test_every_number_has_a_range_that_holds_its_default() -> None:
    assert numeric_keys() == NUMBERS
    defaults = Config()
    for section, key in NUMBERS:
        assert LIMITS[(section, key)].allows(getattr(getattr(defaults, section), key)), key


@pytest.mark.parametrize(("section", "key"), NUMBERS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308"])
def test_non_finite_or_huge_numbers_are_refused_by_the_loader(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: [{section}] {key}: expected ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[news]\nmax_age_hours = nan\n",
            "[news] max_age_hours: expected a number above 0 and at most 720, got nan",
        ),
        ("[signals]\ncooldown_days = inf\n", "[signals] cooldown_days: expected 0 to 365, got inf"),
        (
            "[prices]\nmax_quote_age_minutes = -1\n",
            "[prices] max_quote_age_minutes: expected a number above 0 and at most 10080",
        ),
        (
            "[signals]\nsentiment_weight = nan\n",
            "[signals] sentiment_weight: expected 0 to 100, got nan",
        ),
        (
            "[bot]\nrate_limit_per_minute = -1\n",
            "[bot] rate_limit_per_minute: expected a whole number from 0 to 10000, got -1",
        ),
        (
            "[store]\nbusy_timeout_seconds = 1e308\n",
            "[store] busy_timeout_seconds: expected 0 to 600, got 1e+308",
        ),
        ('[store]\npath = ""\n', "[store] path: expected the path of the store's file, got ''"),
        ('[store]\npath = ":memory:"\n', "[store] path: expected the path of the store's file"),
    ],
)
def test_config_check_names_key_file_and_range(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    code = main(["config", "check", "--config", str(cfg)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"tradethehype: error: {cfg}: {message}")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "text",
    [
        "[news]\nmax_age_hours = nan\n",
        "[news]\nmax_age_hours = 1e308\n",
        "[signals]\ncooldown_days = nan\n",
        "[prices]\nmax_quote_age_minutes = inf\n",
    ],
)
def test_digest_with_a_bad_number_exits_2_in_one_line(tmp_path: Path, text: str) -> None:
    """Once, such a value passed the loader and the digest then never exited (a store left open)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(text + '[sentiment]\nbackend = "lite"\n')
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "digest",
            "--config",
            str(cfg),
            "--feeds",
            str(feed),
            "--db",
            str(tmp_path / "s.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"tradethehype: error: {cfg}: ")
    assert not (tmp_path / "s.db").exists()
