"""How `tradethehype` writes its log on stderr: readable text, or one JSON object per line.

JSON lines carry `time` (ISO 8601, UTC), `level`, `logger`, `message` (formatted) and, when there
is one, `exc` (the traceback text) and `stack`. Secrets are masked before any formatter runs: the
RedactSecrets filter (bot.logsafe) sits on the root logger's handlers, so both formats get the
masked message and the masked traceback.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TextIO

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # RedactSecrets replaces exc_info by the masked exc_text; without it, format it here
        if record.exc_info and record.exc_info[1] is not None:
            doc["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exc"] = record.exc_text.rstrip("\n")
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        return json.dumps(doc, ensure_ascii=False)


def make_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    raise ValueError(f"log format must be one of {FORMATS}, not {log_format!r}")


def configure_logging(level: int, log_format: str = "text", stream: TextIO | None = None) -> None:
    """Send the root logger's records at `level` and above to `stream` (stderr) in `log_format`.

    Like logging.basicConfig, it does nothing when the root logger already has handlers.
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(log_format))
    logging.basicConfig(level=level, handlers=[handler])
