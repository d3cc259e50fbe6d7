"""`tradethehype extract / tickers` subcommands (symbol extraction, ticker list updates).

tradethehype extract [TEXT ...] [--json]   the tickers in each TEXT, or in each line of stdin
tradethehype tickers update                download SEC's current list and use it
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from bot.config import Config, load_config
from engine.models import SymbolMatch
from engine.symbols import SymbolIndex

_SHOWN_CHARS = 300  # the readable form echoes at most this much of a long line


def add_parsers(sub: Any) -> None:
    """Add this module's subcommands to the `tradethehype` parser's subparsers."""
    p = sub.add_parser(
        "extract",
        help="the tickers a headline is about (each TEXT, or each line of stdin)",
        description="Print the tickers found in each TEXT, or in each line read from stdin "
        "when no TEXT is given (one answer per line, as each line arrives).",
    )
    p.add_argument("text", nargs="*", metavar="TEXT", help="headline(s); none: read stdin")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")

    p = sub.add_parser("tickers", help="the list of listed companies symbols are matched against")
    actions = p.add_subparsers(dest="tickers_command", required=True, metavar="ACTION")
    u = actions.add_parser(
        "update",
        help="download SEC's current ticker list and use it from now on",
        description="Download SEC's company_tickers_exchange.json ([tickers] url, with the "
        "[tickers] user_agent SEC asks for), check it, and replace the local copy atomically. "
        "The list shipped with TradeTheHype stays the fallback.",
    )
    u.add_argument("--config", type=Path, help="TOML config (default: ./config.toml if present)")
    u.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")


async def dispatch(args: argparse.Namespace) -> int | None:
    """Run the subcommand if it is one of ours and return its exit code; None otherwise."""
    if args.command == "extract":
        return await run_extract(args.text, as_json=args.json)
    if args.command == "tickers" and args.tickers_command == "update":
        return await run_tickers_update(load_config(args.config))
    return None


# -- extract ------------------------------------------------------------------------------


async def run_extract(
    texts: list[str],
    *,
    as_json: bool,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    index = await asyncio.to_thread(SymbolIndex.load)
    source = stdin if stdin is not None else sys.stdin
    target = stdout if stdout is not None else sys.stdout
    lines: Iterable[str] = texts if texts else _stdin_lines(source)
    await asyncio.to_thread(_extract_lines, index, lines, as_json, target)
    return 0


def _stdin_lines(stream: TextIO) -> Iterable[str]:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="replace")  # bytes that are not UTF-8 become U+FFFD
        except (ValueError, OSError):
            pass
    for line in stream:
        yield line.rstrip("\r\n")


def _extract_lines(index: SymbolIndex, lines: Iterable[str], as_json: bool, out: TextIO) -> None:
    for line in lines:
        text = line.encode("utf-8", "replace").decode("utf-8")  # lone surrogates from argv
        found = index.extract(text)
        out.write(_as_json(text, found) if as_json else _readable(text, found))
        out.flush()  # stream: each answer as soon as its line is read


def match_to_dict(m: SymbolMatch) -> dict[str, Any]:
    return {
        "symbol": m.symbol,
        "name": m.name,
        "match": m.match,
        "start": m.start,
        "end": m.end,
        "how": m.how,
        "role": m.role,
    }


def _as_json(text: str, found: list[SymbolMatch]) -> str:
    doc = {"text": text, "symbols": [match_to_dict(m) for m in found]}
    return json.dumps(doc, ensure_ascii=False) + "\n"


def _printable(text: str) -> str:
    """Control characters shown as escapes, a long line cut short."""
    shown = "".join(
        repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cs") and c != "\t" else c
        for c in text[:_SHOWN_CHARS]
    )
    return shown + (f"… ({len(text):,} characters)" if len(text) > _SHOWN_CHARS else "")


def _readable(text: str, found: list[SymbolMatch]) -> str:
    lines = [_printable(text)]
    if not found:
        lines.append("  (no symbols)")
    width = max((len(m.symbol) for m in found), default=0)
    name_width = max((len(m.name) for m in found), default=0)
    for m in found:
        where = "feed tag" if m.start < 0 else f"{_printable(m.match)!r} at {m.start}-{m.end}"
        lines.append(
            f"  {m.symbol:<{width}}  {m.name:<{name_width}}  {m.role:<7}  {m.how:<8}  {where}"
        )
    return "\n".join(lines) + "\n"


# -- tickers update -----------------------------------------------------------------------


async def run_tickers_update(config: Config) -> int:
    from engine.symbols.update import update_ticker_list

    t = config.tickers
    result = await update_ticker_list(t.url, t.user_agent, timeout_seconds=t.timeout_seconds)
    exchanges = ", ".join(f"{k} {v:,}" for k, v in sorted(result.by_exchange.items()))
    changes = f"{len(result.added)} added, {len(result.removed)} removed"
    sys.stdout.write(
        f"Updated the ticker list: {result.tickers:,} tickers ({exchanges}); {changes}.\n"
        f"Saved to {result.path}; the list shipped with TradeTheHype stays the fallback.\n"
    )
    for label, symbols in (("added", result.added), ("removed", result.removed)):
        if 0 < len(symbols) <= 40:
            sys.stdout.write(f"  {label}: {' '.join(symbols)}\n")
    sys.stdout.flush()
    return 0
