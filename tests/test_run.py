"""`tradethehype run`: credentials checked first, adapters served on one loop, clean shutdown."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from conftest import KeywordSentiment
from support.botworld import NOW, write_bot_config
from support.fake_telegram import TOKEN, serve, start_run

from bot.cli import main
from bot.config import load_config
from bot.run import run_bot
from engine.clock import FixedClock

ROOT = Path(__file__).resolve().parents[1]


def write_config(tmp: Path, base_url: str = "http://127.0.0.1:9/bot", **telegram: str) -> Path:
    extra = "".join(f'{k} = "{v}"\n' for k, v in telegram.items())
    return write_bot_config(tmp, f'[telegram]\nbase_url = "{base_url}"\n{extra}')


def test_missing_token_is_one_line_and_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run", "--config", str(write_config(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no Telegram bot token: set TELEGRAM_BOT_TOKEN" in err


def test_malformed_token_is_refused_without_echoing_it(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token-but-a-secret-anyway")
    assert main(["run", "--config", str(write_config(tmp_path, token=TOKEN))]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN is malformed" in err  # the environment wins over the file
    assert "secret" not in err and err.count("\n") == 1


def test_unreachable_bot_api_is_one_line_and_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    config = write_config(tmp_path, base_url="http://127.0.0.1:9/bot")  # nothing listens there
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradethehype: error: cannot start the Telegram bot: ")
    assert err.count("\n") == 1 and TOKEN not in err and TOKEN.split(":")[1] not in err


@pytest.mark.asyncio
async def test_run_serves_telegram_until_stopped(tmp_path: Path, caplog) -> None:
    caplog.set_level("INFO")
    async with serve() as tg:
        config = load_config(write_config(tmp_path, base_url=tg.base_url))
        stop, started = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(
            run_bot(
                config,
                clock=FixedClock(NOW),
                env={"TELEGRAM_BOT_TOKEN": TOKEN},
                stop=stop,
                started=started,
                sentiment=KeywordSentiment(),
            )
        )
        await asyncio.wait_for(started.wait(), 20)
        await tg.say("/signal TSLA")
        [card] = await tg.wait_sent(1001)
        assert card.visible.startswith("🟢 TSLA BULLISH · Tesla")
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0
    assert TOKEN not in caplog.text  # never logged


@pytest.mark.asyncio
async def test_the_command_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real `tradethehype run` process, as a user starts it, against the fake API."""
    async with serve() as tg:
        config = write_config(tmp_path, base_url=tg.base_url)
        proc = await start_run(config, stderr=asyncio.subprocess.PIPE)
        assert proc.stderr is not None
        log = ""

        async def until(line: str) -> None:
            nonlocal log
            while line not in log:
                chunk = await proc.stderr.readline()
                assert chunk, f"tradethehype run exited early:\n{log}"
                log += chunk.decode()

        try:
            await asyncio.wait_for(until("telegram adapter started"), 60)
            await tg.say("/signal TSLA")
            [reply] = await tg.wait_sent(1001, within=30)
            # the sample feed is months old for the system clock: nothing fresh, said plainly
            assert "No fresh news on TSLA in the last 6 h." in reply.visible
            # the container health check sees it running
            await until("Digest scheduled at 06:30 America/Phoenix")
            health = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "health",
                "--config",
                str(config),
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
            )
            said = (await asyncio.wait_for(health.communicate(), 60))[0].decode()
            assert health.returncode == 0, said
            assert "ok   bot: running: heartbeat" in said
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(until("stopping"), 30)
            log += (await asyncio.wait_for(proc.stderr.read(), 30)).decode()
            assert await proc.wait() == 0, log
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert TOKEN not in log and "Traceback" not in log
