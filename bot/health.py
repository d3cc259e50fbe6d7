"""`tradethehype health`: is the store readable, the model loadable, the running bot alive?

Each check gives one line. The store, the model and the bot decide the verdict (a container's
HEALTHCHECK reads the exit code); the last digest and the last news poll are shown for the
operator and never make it unhealthy. The store is only read (opened read-only): a missing store
file is reported as missing, not made empty, and nothing is migrated or written. The model check
is cheap by default (its files are where loading would look for them); `deep` loads it and scores
one headline.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Config, SentimentConfig
from bot.scheduler import HEARTBEAT
from bot.wiring import make_sentiment, open_store
from chat.state import ChatState
from chat.text import span, utc_time
from engine.clock import Clock
from engine.errors import UserError
from engine.news.polling import POLL_STATE
from engine.publish import COMMAND_LINE
from engine.sentiment.runtime import looks_like_hub_id, one_line
from engine.store import Store

HEARTBEAT_MAX_AGE = timedelta(minutes=5)  # `run` writes one at least once a minute
# how delivery states read in the last-digest line, in this order (others follow as they are)
DELIVERY_STATES = (
    ("delivered", "delivered"),
    ("sending", "sending"),
    ("failed", "failed (retrying)"),
    ("gone", "gone"),
)
SHOWN_FEED_FAILURES = 3


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    informational: bool = False  # shown, never makes the whole unhealthy

    @property
    def status(self) -> str:
        if self.informational:
            return "info"
        return "ok" if self.ok else "FAIL"

    def line(self) -> str:
        return f"{self.status:<4} {self.name}: {self.detail}"


def report(checks: Sequence[Check]) -> str:
    """What `tradethehype health` prints: a line per check, then the verdict."""
    return "".join(c.line() + "\n" for c in checks) + verdict(checks) + "\n"


def healthy(checks: Sequence[Check]) -> bool:
    return all(c.ok for c in checks if not c.informational)


def verdict(checks: Sequence[Check]) -> str:
    failed = [c.name for c in checks if not c.informational and not c.ok]
    return f"unhealthy: {', '.join(failed)}" if failed else "healthy"


async def check_health(config: Config, *, clock: Clock, deep: bool = False) -> list[Check]:
    """Every check, in the order they are shown."""
    store_check, store = await read_store(config)
    if store is None:  # the bot's state lives in the store: nothing more to read
        return [store_check, await check_model(config, deep=deep)]
    try:
        checks = [store_check, await check_model(config, deep=deep)]
        now = clock.now()
        checks.append(await check_bot(store, now))
        checks.append(await last_digest(store))
        checks.append(
            await last_poll(store, now, every=timedelta(minutes=config.news.poll_minutes))
        )
    finally:
        await store.close()
    return checks


# -- store ----------------------------------------------------------------------------------


async def read_store(config: Config) -> tuple[Check, Store | None]:
    """The configured store, opened read-only if it exists: never created, migrated or written."""
    path = Path(config.store.path).expanduser()
    if not await asyncio.to_thread(path.exists):
        return Check("store", False, f"{path} does not exist (`tradethehype run` creates it)"), None
    try:
        store = await open_store(config, read_only=True)
    except (UserError, sqlite3.Error, OSError) as err:
        return Check("store", False, one_line(err)), None
    try:
        version = await store.schema_version()
    except sqlite3.Error as err:
        await store.close()
        return Check("store", False, f"cannot read {path}: {one_line(err)}"), None
    return Check("store", True, f"{path} (schema {version})"), store


# -- model ----------------------------------------------------------------------------------


async def check_model(config: Config, *, deep: bool) -> Check:
    if not deep:
        ok, detail = await asyncio.to_thread(model_files, config.sentiment)
        return Check("model", ok, detail)
    t0 = time.perf_counter()
    try:
        backend = await make_sentiment(config)
        await backend.classify(["Shares climb after the company raises its outlook"])
    except Exception as err:  # BackendUnavailable says what to do; anything else is shown too
        detail = str(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
        return Check("model", False, one_line(detail, 300))
    runtime = getattr(backend, "runtime", "")
    on = f" on {runtime}" if runtime else ""
    return Check(
        "model",
        True,
        f"{backend.name} ({backend.model_id}){on} loaded and scored a headline in "
        f"{time.perf_counter() - t0:.1f} s",
    )


def model_files(s: SentimentConfig) -> tuple[bool, str]:
    """Whether the backend's files are where loading looks for them (no model is loaded)."""
    if s.backend == "lite":
        return _lite_files(s.lite_head)
    return _finbert_files(s.model, s.runtime)


def _lite_files(lite_head: str) -> tuple[bool, str]:
    from engine.sentiment.lite import META_FILE, MODEL_FILE, TOKENIZER_FILE, LiteBackend, LiteModel

    folder = LiteBackend(Path(lite_head).expanduser() if lite_head else None).model_dir
    if not folder.is_dir():
        return False, f"lite model folder {folder} does not exist ([sentiment] lite_head)"
    missing = [n for n in (MODEL_FILE, TOKENIZER_FILE, META_FILE) if not (folder / n).is_file()]
    if missing:
        return False, f"lite model folder {folder} lacks {', '.join(missing)}"
    try:
        LiteModel.from_dir(folder)  # reads and checks lite.json; loads nothing
    except (OSError, ValueError, KeyError) as err:
        return False, f"lite model folder {folder} is not usable: {one_line(err)}"
    return True, f"lite, files in {folder}"


def _finbert_files(model: str, runtime: str) -> tuple[bool, str]:
    from engine.sentiment.finbert import onnx_installed
    from engine.sentiment.prepare import cache_root, find_prepared, local_model_dir

    folder = local_model_dir(model)
    if folder is None:
        if looks_like_hub_id(model) and not Path(model).expanduser().exists():
            return False, (
                f"finbert model {model!r} is not in the Hugging Face cache: run "
                "`tradethehype model prepare` once with network access"
            )
        return False, f"finbert model {model} is not a folder on this machine ([sentiment] model)"
    if runtime == "onnx" or (runtime == "auto" and onnx_installed()):
        prepared = find_prepared(model)
        if prepared is None:
            return False, (
                f"finbert model {model!r} has no ONNX export in {cache_root() / 'onnx'} "
                f"(runtime {runtime}): run `tradethehype model prepare`"
            )
        return True, f"finbert {model}, ONNX export in {prepared.folder}"
    missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
    if missing:
        return False, f"finbert on torch needs the Python package {missing[0]!r}: install it"
    return True, f"finbert {model} in {folder} (torch runtime)"


# -- the running bot --------------------------------------------------------------------------


async def check_bot(store: Store, now: datetime) -> Check:
    beat = await store.state(HEARTBEAT)
    if beat is None:
        return Check("bot", False, "not running: no heartbeat in the store yet")
    value, at = beat
    age = now - at
    who = f"pid {value.get('pid', '?')}, {', '.join(value.get('adapters') or []) or 'no chats'}"
    if age > HEARTBEAT_MAX_AGE:
        return Check(
            "bot",
            False,
            f"not running: last heartbeat {span(age, seconds=True)} ago at {utc_time(at)} ({who})",
        )
    started = _parse(value.get("started"))
    since = f"; up since {utc_time(started)}" if started else ""
    return Check("bot", True, f"running: heartbeat {span(age, seconds=True)} ago ({who}{since})")


async def last_digest(store: Store) -> Check:
    """The newest digest, scheduled or built with `tradethehype digest`."""
    last = await store.latest_digest()
    if last is None:
        return Check("last digest", True, "none built yet", informational=True)
    built = utc_time(last.created_at)
    if last.schedule == COMMAND_LINE:
        detail = f"#{last.id} from the command line, built {built}"
    else:
        counts = await ChatState(store).delivery_counts(last.id)
        detail = f"#{last.id} for {last.slot or '?'}, built {built}: {delivery_summary(counts)}"
    return Check("last digest", True, detail, informational=True)


def delivery_summary(counts: dict[str, int]) -> str:
    known = dict(DELIVERY_STATES)
    parts = [f"{counts[s]} {label}" for s, label in DELIVERY_STATES if counts.get(s)]
    parts += [f"{n} {s}" for s, n in sorted(counts.items()) if s not in known and n]
    return ", ".join(parts) or "no deliveries yet"


async def last_poll(store: Store, now: datetime, *, every: timedelta) -> Check:
    poll = await store.state(POLL_STATE)
    if poll is None:
        return Check("news", True, "not polled yet", informational=True)
    value, at = poll
    age = now - at
    late = f" (overdue: polled every {span(every)})" if age > 2 * every else ""
    detail = (
        f"polled {span(age, seconds=True)} ago at {utc_time(at)}{late}: "
        f"{value.get('stories', '?')} fresh stories, "
        f"{value.get('new', '?')} new, from {value.get('feeds', '?')} feeds "
        f"in {float(value.get('seconds', 0)):.1f} s"
    )
    failed: list[dict[str, Any]] = value.get("failed") or []
    if failed:
        shown = "; ".join(
            f"{f.get('source', '?')} ({one_line(f.get('error', ''), 80)})"
            for f in failed[:SHOWN_FEED_FAILURES]
        )
        more = len(failed) - SHOWN_FEED_FAILURES
        detail += f"; {len(failed)} failed: {shown}{f' and {more} more' if more > 0 else ''}"
    return Check("news", True, detail, informational=True)


# -- wording ----------------------------------------------------------------------------------




def _parse(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
