"""`tradethehype sentiment / model` subcommands (scoring text, preparing models).

`tradethehype sentiment` prints one JSON object per input line, in input order, as soon as
each chunk of lines (one model batch) is scored: a reader thread feeds a small bounded queue,
so input of any length never sits in memory and output begins before input ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from bot.cli_common import add_model, config_for, out
from bot.config import Config
from engine.errors import BackendUnavailable, UserError
from engine.models import LABELS, Sentiment
from engine.sentiment import SentimentBackend, chunk_size

MAX_LINE_BYTES = 1 << 20  # longer lines are cut here (the model reads far less anyway)
_END = object()


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number above 0")
    return number


def add_parsers(sub: Any) -> None:
    """Add this module's subcommands to the `tradethehype` parser's subparsers."""
    p = sub.add_parser(
        "sentiment",
        help="score text: one JSON line per input line",
        description=(
            "Score each TEXT, or each line of standard input when no TEXT is given, and print "
            'one JSON object per line, in input order: {"text", "label", "scores", "backend", '
            '"model"}. Blank lines are skipped; undecodable bytes become U+FFFD; long texts '
            "are cut to the model's length limit. With --per-ticker each object also has "
            '"tickers": [{"symbol", "label", "scores", "decided_by"}], one per company the text '
            "is about, scored as the signal engine scores it (decided_by: headline, company "
            "or analyst)."
        ),
    )
    p.add_argument("text", nargs="*", metavar="TEXT", help="texts to score (default: stdin)")
    p.add_argument(
        "--per-ticker",
        action="store_true",
        help="also score each company the text names, as the signal engine does",
    )
    _add_model_options(p)
    p.add_argument("--backend", choices=("finbert", "lite"), help="sentiment backend")
    p.add_argument(
        "--runtime",
        choices=("torch", "onnx"),
        help="finbert runtime (default: [sentiment] runtime, auto = the fastest available)",
    )
    p.add_argument(
        "--batch-size", type=_positive_int, help="texts per model batch ([sentiment] batch_size)"
    )

    m = sub.add_parser("model", help="prepare sentiment models ahead of time")
    actions = m.add_subparsers(dest="model_action", required=True, metavar="ACTION")
    prep = actions.add_parser(
        "prepare",
        help="download the FinBERT model and export it to ONNX (int8) for the onnx runtime",
        description=(
            "Download the FinBERT model (with progress) unless it is a local folder or already "
            "cached, export it to ONNX and quantize it to int8 into the local cache "
            "($TRADETHEHYPE_CACHE or ~/.cache/tradethehype), once per model."
        ),
    )
    _add_model_options(prep)


def _add_model_options(p: argparse.ArgumentParser) -> None:
    add_model(p)
    p.add_argument("--config", type=Path, help="TOML config (default: ./config.toml if present)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")


async def dispatch(args: argparse.Namespace) -> int | None:
    """Run the subcommand if it is one of ours and return its exit code; None otherwise."""
    if args.command == "sentiment":
        return await run_sentiment(args)
    if args.command == "model" and args.model_action == "prepare":
        return await run_prepare(args)
    return None


# --- tradethehype sentiment ----------------------------------------------------------------


async def run_sentiment(args: argparse.Namespace, stdin: BinaryIO | None = None) -> int:
    from engine.sentiment.backends import load_backend

    config = config_for(args)
    s = config.sentiment
    runtime = args.runtime or s.runtime
    if s.backend == "lite" and args.runtime == "torch":
        raise UserError("the lite backend runs on onnxruntime only: leave out --runtime torch")
    batch_size = args.batch_size or s.batch_size
    model = s.model if s.backend == "finbert" else (s.lite_head or None)
    try:
        backend = await asyncio.to_thread(
            load_backend, s.backend, model, batch_size=batch_size, runtime=runtime
        )
    except BackendUnavailable as err:
        raise UserError(str(err)) from err

    score = await _per_ticker(config, backend) if args.per_ticker else _headlines(backend)
    size = chunk_size(backend)  # lines scored together: a few model batches
    if args.text:
        lines: AsyncIterator[list[str]] = _chunks_of(_from_args(args.text), size)
    else:
        lines = read_chunks(stdin or _own_stdin(), size)
    sink = sys.stdout.buffer
    async for chunk in lines:
        docs = await score(chunk)
        sink.write(
            b"".join(
                _json_line(dict(doc, backend=backend.name, model=backend.model_id))
                for doc in docs
            )
        )
        sink.flush()
    return 0


Scoring = Callable[[list[str]], Awaitable[list[dict[str, Any]]]]


def _headlines(backend: SentimentBackend) -> Scoring:
    async def score(chunk: list[str]) -> list[dict[str, Any]]:
        results = await backend.classify(chunk)
        return [{"text": t, **_scored(r)} for t, r in zip(chunk, results, strict=True)]

    return score


async def _per_ticker(config: Config, backend: SentimentBackend) -> Scoring:
    """Each text's score and, for each company the project's extractor finds in it, the score
    the signal engine would use for that company (engine.sentiment.companies)."""
    from bot.wiring import make_targets
    from engine.sentiment.companies import CompanyScorer, headline_subjects
    from engine.symbols import SymbolIndex

    try:
        targets = await make_targets(config, backend)
    except BackendUnavailable as err:
        raise UserError(str(err)) from err
    symbols = await asyncio.to_thread(SymbolIndex.load)
    scorer = CompanyScorer(backend, targets)

    async def score(chunk: list[str]) -> list[dict[str, Any]]:
        subjects = [(text, headline_subjects(symbols, text)) for text in chunk]
        results = await scorer.score(subjects)
        docs = []
        for (text, found), (headline, by_symbol) in zip(subjects, results, strict=True):
            tickers = [
                {
                    "symbol": s.symbol,
                    **_scored(by_symbol[s.symbol].sentiment),
                    "decided_by": by_symbol[s.symbol].basis.decided_by,
                }
                for s in found
            ]
            docs.append({"text": text, **_scored(headline), "tickers": tickers})
        return docs

    return score


def _own_stdin() -> BinaryIO:
    """Standard input for the reader thread, as a file object of its own.

    The thread may still be blocked in a read when the command ends (Ctrl-C, a closed pipe).
    Holding sys.stdin's lock then would abort the interpreter at exit ("could not acquire lock
    for <_io.BufferedReader name='<stdin>'>"); a duplicate descriptor's object is the thread's
    alone, and nothing touches it at exit.
    """
    try:
        return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's in-memory stdin)
        return sys.stdin.buffer


def _scored(result: Sentiment) -> dict[str, Any]:
    return {
        "label": result.label,
        "scores": {label: round(float(result.scores[label]), 4) for label in LABELS},
    }


def _json_line(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")


def _from_args(texts: Sequence[str]) -> Iterable[str]:
    for text in texts:
        # argv holds undecodable bytes as lone surrogates: make them U+FFFD like stdin's
        clean = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if clean.strip():
            yield clean


async def _chunks_of(texts: Iterable[str], size: int) -> AsyncIterator[list[str]]:
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def iter_lines(stream: BinaryIO) -> Iterable[str]:
    """Non-blank lines of `stream` as text: bad UTF-8 replaced, over-long lines cut."""
    while True:
        raw = stream.readline(MAX_LINE_BYTES)
        if not raw:
            return
        if len(raw) >= MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:  # drop the rest of an enormous line
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if text.strip():
            yield text


async def read_chunks(stream: BinaryIO, size: int) -> AsyncIterator[list[str]]:
    """Chunks of at most `size` lines, each as soon as lines are there (never waits to fill).

    A daemon thread reads `stream` and hands each line to the loop; it holds at most 2 x `size`
    lines not yet taken, so memory stays bounded however long the input, and a scored chunk is
    printed while later lines arrive. The thread never creates a coroutine or task on the loop,
    so a run cut short (`| head -1`, Ctrl-C) leaves nothing behind to complain at exit.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()  # bounded by `room`
    room = threading.Semaphore(2 * size)
    gone = threading.Event()  # the consumer has left: the reader stops
    failure: list[BaseException] = []

    def hand_over(item: object) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is reading any more
            return False
        return True

    def reader() -> None:
        try:
            for text in iter_lines(stream):
                room.acquire()
                if gone.is_set() or not hand_over(text):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            failure.append(exc)
        hand_over(_END)

    threading.Thread(target=reader, name="stdin-reader", daemon=True).start()
    try:
        while (chunk := await _next_chunk(queue, room, size)) is not None:
            yield chunk
    finally:
        gone.set()
        room.release()  # wakes the reader if it waits for room; it then sees `gone`
    if failure:
        raise failure[0]


async def _next_chunk(
    queue: asyncio.Queue[object], room: threading.Semaphore, size: int
) -> list[str] | None:
    """Up to `size` lines: waits for the first, takes the rest only if already there."""
    chunk: list[str] = []
    while len(chunk) < size and (chunk == [] or not queue.empty()):
        item = await queue.get() if not chunk else queue.get_nowait()
        if item is _END:
            queue.put_nowait(_END)  # seen again by the next call, which returns None
            return chunk or None
        room.release()
        chunk.append(item)  # type: ignore[arg-type]
    return chunk


# --- tradethehype model prepare ------------------------------------------------------------


async def run_prepare(args: argparse.Namespace) -> int:
    from engine.sentiment.prepare import prepare

    config = config_for(argparse.Namespace(config=args.config))
    model = args.model or config.sentiment.model

    def say(line: str) -> None:
        out(line + "\n")

    try:
        await asyncio.to_thread(prepare, model, progress=True, say=say)
    except BackendUnavailable as err:
        raise UserError(str(err)) from err
    return 0
