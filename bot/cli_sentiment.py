"""`tradethehype sentiment / model` subcommands (scoring text, preparing models)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parsers(sub: Any) -> None:
    """Add this module's subcommands to the `tradethehype` parser's subparsers."""


async def dispatch(args: argparse.Namespace) -> int | None:
    """Run the subcommand if it is one of ours and return its exit code; None otherwise."""
    return None
