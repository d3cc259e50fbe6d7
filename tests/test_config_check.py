"""`tradethehype config check`: the effective configuration as TOML, tokens never shown."""

from __future__ import annotations

import tomllib
from dataclasses import fields, replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, load_config, parse_config

TELEGRAM_TOKEN = "123456789:AAHfile-token-in-the-config-file-0123456"
DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.environment-token-abcdefghijklmnop"

CONFIG = f"""
[news]
feeds = [
  "https://example.com/rss",
  "C:\\\\feeds\\\\a \\"quoted\\" file.xml",
  "caf\u00e9 \U0001f4c8",
]
max_age_hours = 4

[sentiment]
backend = "lite"

[signals]
min_score = 0.45
max_per_digest = 3

[digest]
times = ["06:30", "12:00"]
timezone = "America/New_York"
trading_days_only = false

[telegram]
token = "{TELEGRAM_TOKEN}"
admins = [111, 222]

[discord]
enabled = true
guild_ids = [123456789012345678]

[tickers]
user_agent = "Ops Team ops@example.com \\u007f"
"""


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["config", "check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def without_tokens(config: Config) -> Config:
    return replace(
        config,
        telegram=replace(config.telegram, token=""),
        discord=replace(config.discord, token=""),
        source="",
    )


def test_prints_every_key_as_toml_that_parses_back_to_the_same_config(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DISCORD_BOT_TOKEN", DISCORD_TOKEN)
    cfg = tmp_path / "bot.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    code, out, err = check(capsys, "--config", str(cfg))
    assert code == 0 and err == ""
    assert out.splitlines()[0] == (
        f"# In effect: {cfg}, and the built-in default for each key it leaves out. "
        "Bot tokens are never shown."
    )
    data = tomllib.loads(out)
    # every section and key, defaults included, in the dataclasses' order
    sections = [f for f in fields(Config) if f.name != "source"]
    assert list(data) == [s.name for s in sections]
    for s in sections:
        assert list(data[s.name]) == [k.name for k in fields(getattr(Config(), s.name))]
    assert data["news"]["ticker_feeds"] == []  # a default the file left out
    assert without_tokens(parse_config(data, "printed")) == without_tokens(load_config(cfg))

    assert TELEGRAM_TOKEN not in out + err and DISCORD_TOKEN not in out + err
    telegram = next(
        line for line in out.splitlines() if line.startswith("token = ") and "file" in line
    )
    assert telegram == 'token = "***"  # set in the file (value hidden)'
    assert 'token = ""  # empty; DISCORD_BOT_TOKEN is set in the environment (value hidden)' in out


def test_defaults_when_there_is_no_config_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    code, out, _ = check(capsys)
    assert code == 0
    assert out.startswith("# In effect: the built-in defaults (no --config given")
    assert without_tokens(parse_config(tomllib.loads(out), "x")) == without_tokens(Config())
    assert (
        'token = ""  # not set (set TELEGRAM_BOT_TOKEN or this key; needed while enabled = true)'
        in out
    )
    assert 'token = ""  # not set (set DISCORD_BOT_TOKEN or this key)' in out


def test_reads_config_toml_in_the_current_folder_and_env_wins_over_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "987654321:env-token-wins-over-the-file-xyzxyz")
    (tmp_path / "config.toml").write_text(f'[telegram]\ntoken = "{TELEGRAM_TOKEN}"\n')
    code, out, err = check(capsys)
    assert code == 0
    assert out.startswith("# In effect: config.toml, and the built-in default")
    assert TELEGRAM_TOKEN not in out + err and "env-token-wins" not in out + err
    assert (
        'token = "***"  # set in the file, but TELEGRAM_BOT_TOKEN is set in the environment '
        "and wins (values hidden)"
    ) in out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[signals]\nmin_scor = 0.4\n", "unknown key 'min_scor' in [signals]"),
        ('[news]\nmax_age_hours = "six"\n', "[news] max_age_hours: expected a number, got 'six'"),
        ("[telegram\n", "not valid TOML"),
    ],
)
def test_bad_file_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, message: str
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[discord]\ntoken = "{DISCORD_TOKEN}"\n' + body)
    code, out, err = check(capsys, "--config", str(cfg))
    assert code == 2 and out == ""
    assert err.startswith(f"tradethehype: error: {cfg}: ") and err.count("\n") == 1
    assert message in err and DISCORD_TOKEN not in err


def test_missing_file_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = check(capsys, "--config", str(tmp_path / "missing.toml"))
    assert code == 2 and out == ""
    assert err == f"tradethehype: error: config file {tmp_path / 'missing.toml'} does not exist\n"
