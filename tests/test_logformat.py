"""`--log-format json`: one JSON object per line on stderr, secrets masked as in text logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import DEMO_AT, build_parser, demo_data, main
from bot.logformat import configure_logging
from bot.logsafe import redact_logs

TOKEN = "123456789:AAHsecret-token-that-must-never-be-logged"


@contextmanager
def bare_root_logger() -> Iterator[logging.Logger]:
    """The root logger without handlers (as in a fresh process), restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield root
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def json_lines(text: str) -> list[dict[str, str]]:
    lines = text.splitlines()
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]


def test_digest_logs_json_lines_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = demo_data()
    argv = ["digest", "--dry-run", "-v", "--log-format", "json", "--backend", "lite"]
    argv += ["--feeds", str(data.news), "--prices-csv", str(data.prices)]
    argv += ["--at", DEMO_AT.isoformat(), "--db", str(tmp_path / "store.db")]
    before = datetime.now(UTC).replace(microsecond=0)  # log lines carry the real time, in
    with bare_root_logger():  # whole seconds or finer; never the replayed --at time
        code = main(argv)
    after = datetime.now(UTC)
    out, err = capsys.readouterr()
    assert code == 0 and "SIGNALS" in out.upper()
    records = json_lines(err)
    for r in records:
        assert {"time", "level", "logger", "message"} <= set(r)
        at = datetime.fromisoformat(r["time"].replace("Z", "+00:00"))
        assert at.utcoffset() == timedelta(0)
        assert before <= at <= after
    assert any(
        r["logger"] == "engine.pipeline"
        and r["level"] == "INFO"
        and r["message"].startswith("Found ")
        and "recent articles" in r["message"]
        for r in records
    )


def test_the_option_text_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["run"]).log_format == "text"
    assert build_parser().parse_args(["run", "--log-format", "json"]).log_format == "json"
    assert build_parser().parse_args(["health", "--log-format", "json"]).log_format == "json"
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["run", "--log-format", "xml"])
    assert exit_.value.code == 2
    capsys.readouterr()


def test_message_and_traceback_are_formatted_and_secrets_masked() -> None:
    """As under `run`: main()'s handler, then redact_logs(tokens) on the root's handlers."""
    stream = io.StringIO()
    with bare_root_logger():
        configure_logging(logging.INFO, "json", stream)
        redact_logs([TOKEN])
        log = logging.getLogger("adapters.telegram")
        log.info("connecting with %s to %s", TOKEN, "https://api.telegram.org")
        try:
            raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
        except ConnectionError:
            log.exception("polling failed for chat %d", 42)
        log.warning("stack of %s", TOKEN, stack_info=True)
        logging.getLogger("engine").debug("below the level: not written")
    text = stream.getvalue()
    assert TOKEN not in text
    first, second, third = json_lines(text)
    assert first["message"] == "connecting with *** to https://api.telegram.org"
    assert (first["level"], first["logger"]) == ("INFO", "adapters.telegram")
    assert "exc" not in first
    assert second["message"] == "polling failed for chat 42" and second["level"] == "ERROR"
    assert second["exc"].startswith("Traceback (most recent call last):")
    assert second["exc"].endswith(
        "ConnectionError: POST https://api.telegram.org/bot***/getMe failed"
    )
    assert third["message"] == "stack of ***" and "test_logformat.py" in third["stack"]


def test_text_format_is_unchanged() -> None:
    stream = io.StringIO()
    with bare_root_logger():
        configure_logging(logging.INFO, "text", stream)
        logging.getLogger("engine.pipeline").info("Generated %d signals", 5)
    assert stream.getvalue().endswith(" INFO engine.pipeline: Generated 5 signals\n")
    assert not stream.getvalue().startswith("{")


def test_traceback_without_redaction() -> None:
    stream = io.StringIO()
    with bare_root_logger():
        configure_logging(logging.INFO, "json", stream)
        try:
            {}["missing"]
        except KeyError:
            logging.getLogger("x").exception("lookup failed")
    (record,) = json_lines(stream.getvalue())
    assert record["message"] == "lookup failed"
    assert record["exc"].splitlines()[-1] == "KeyError: 'missing'"
