"""The store's file as its operator sees it: is it a TradeTheHype store, can this command use it,
and what an SQLite failure on it means, each said in one line (a StoreError)."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Collection, Sequence
from pathlib import Path

from engine.errors import StoreError

DEFAULT_BUSY_TIMEOUT = 30.0  # seconds to wait for another process's write lock


def check_file(path: Path, *, read_only: bool) -> None:
    """Before SQLite opens `path` (blocking; run it off the loop): refuse what is not a regular
    file, a missing store when only reading, and a file this process may not write when writing.
    For a new store, make its folder."""
    if path.exists():
        if not path.is_file():
            raise StoreError(f"the store {path} is not a file")
        if not read_only and not os.access(path, os.W_OK):
            raise read_only_error(str(path))
        return
    if read_only:
        raise StoreError(f"there is no store at {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the store's folder {path.parent}: {exc.strerror}"
        ) from None


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens `path` for reading only: nothing is created, nothing written
    (blocking). To read a WAL store SQLite needs its -shm file, made by whoever opens it first;
    in a folder this process may not write, with no -shm there (no process has the store open),
    it is read as immutable instead, which needs none."""
    uri = path.absolute().as_uri() + "?mode=ro"
    if not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-shm").exists():
        uri += "&immutable=1"
    return uri


def read_only_error(path: str) -> StoreError:
    return StoreError(
        f"the store {path} is read-only and this command writes to it "
        "(make the file and its folder writable; why and health only read it)"
    )


def tables_of(migrations: Sequence[str], version: int) -> set[str]:
    """The tables a store of schema `version` has."""
    found: set[str] = set()
    for script in migrations[:version]:
        found.update(re.findall(r"CREATE TABLE (\w+)", script))
    return found


def not_ours(path: str, version: int, tables: Collection[str], migrations: Sequence[str]) -> str:
    """Why the database at `path` is not a TradeTheHype store, or "" when it is one (or empty)."""
    if version == 0:
        if not tables:
            return ""
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        return f"{path} is not a TradeTheHype store: it holds other tables ({shown})"
    if version > len(migrations):
        return ""  # a newer TradeTheHype's: the caller says so
    missing = tables_of(migrations, version) - set(tables)
    if missing:
        return (
            f"{path} is not a TradeTheHype store: it lacks the tables {', '.join(sorted(missing))}"
        )
    return ""


def failure(exc: sqlite3.Error, path: str, busy_timeout: float) -> StoreError | None:
    """What an SQLite error on the store means to its operator; None for what is a bug of ours."""
    code = "_".join(str(getattr(exc, "sqlite_errorname", "")).split("_")[:2])
    if code in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return StoreError(
            f"the store {path} is held by another process: gave up after waiting "
            f"{busy_timeout:g} s for it ([store] busy_timeout_seconds)"
        )
    if code == "SQLITE_READONLY":
        return read_only_error(path)
    if code == "SQLITE_NOTADB":
        return StoreError(f"{path} is not a TradeTheHype store: {exc}")
    if code == "SQLITE_CORRUPT":
        return StoreError(f"the store {path} is damaged: {exc}")
    if code in ("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_PERM", "SQLITE_AUTH"):
        return StoreError(f"cannot use the store {path}: {exc}")
    return None
