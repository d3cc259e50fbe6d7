"""The store's database: one SQLite file (aiosqlite), schema versioned, migrations applied at open.

`Database` opens it (after the file checks in store/file.py), holds its one connection and runs
write transactions on it: this connection's lock first, then SQLite's (BEGIN IMMEDIATE), so two
digests built at once never record the same signal twice. The queries of each group of tables
build on it: engine/store/{articles,signals,digests,sentiment_cache,runtime_state,outcomes}.py
for the engine, chat/state.py for the chat tables.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import aiosqlite

from engine.errors import StoreError
from engine.store.file import DEFAULT_BUSY_TIMEOUT, check_file, failure, not_ours, read_only_uri

# The schema is one ordered list of migrations, applied in order at open. The chat tables
# (subscriptions, chat_last_card, deliveries, chat_settings) are created here with the others,
# but read and written only by chat/state.py.
MIGRATIONS: list[str] = [
    # 1: articles seen and signals issued
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url_key TEXT,
        title_key TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT NOT NULL,
        source TEXT NOT NULL,
        published TEXT NOT NULL,
        first_seen TEXT NOT NULL
    );
    CREATE UNIQUE INDEX articles_title ON articles(title_key);
    CREATE INDEX articles_url ON articles(url_key);
    CREATE TABLE signal_history (
        id INTEGER PRIMARY KEY,
        symbol TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('bullish', 'bearish')),
        score REAL NOT NULL,
        confidence REAL NOT NULL,
        price REAL,
        price_as_of TEXT,
        entry REAL,
        stop REAL,
        target REAL,
        reversal INTEGER NOT NULL DEFAULT 0,
        backend TEXT NOT NULL,
        created_at TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX signal_history_symbol ON signal_history(symbol, created_at);
    """,
    # 2: chats subscribed to the digest, signal cards shown (for Why?), digests built
    """
    CREATE TABLE subscriptions (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        subscribed_by TEXT,
        subscribed_at TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        symbol TEXT NOT NULL,
        created_at TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE TABLE chat_last_card (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        card_id INTEGER NOT NULL REFERENCES cards(id),
        shown_at TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX digests_created ON digests(created_at);
    """,
    # 3: sentiment scores by model identity and text hash, reused instead of recomputed
    """
    CREATE TABLE sentiment_cache (
        model_key TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        label TEXT NOT NULL,
        scores TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (model_key, text_hash)
    ) WITHOUT ROWID;
    """,
    # 4: scheduled digests (one per slot) and each chat's delivery of them, chat settings,
    # stories kept whole by the news poller, and the running bot's state (for `health`)
    """
    ALTER TABLE digests ADD COLUMN slot TEXT;
    ALTER TABLE digests ADD COLUMN schedule TEXT;
    CREATE UNIQUE INDEX digests_slot ON digests(slot);
    CREATE TABLE deliveries (
        digest_id INTEGER NOT NULL REFERENCES digests(id),
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        parts_sent INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('sending', 'delivered', 'gone', 'failed')),
        error TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (digest_id, platform, chat_id)
    );
    CREATE TABLE chat_settings (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        digest_time TEXT NOT NULL,
        timezone TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    ALTER TABLE articles ADD COLUMN summary TEXT NOT NULL DEFAULT '';
    ALTER TABLE articles ADD COLUMN feed_tickers TEXT NOT NULL DEFAULT '';
    CREATE INDEX articles_published ON articles(published);
    CREATE TABLE runtime_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 5: what became of each recorded signal (written once, when it closes: outcomes.py), and
    # each receiving chat's notification of it (read and written by chat/state.py)
    """
    CREATE TABLE outcomes (
        signal_id INTEGER PRIMARY KEY REFERENCES signal_history(id),
        status TEXT NOT NULL CHECK (status IN ('target', 'stop', 'expired', 'reversed')),
        exit_price REAL NOT NULL,
        exit_at TEXT NOT NULL,
        r REAL,
        best_r REAL,
        worst_r REAL,
        sessions INTEGER NOT NULL,
        both_in_one_bar INTEGER NOT NULL DEFAULT 0,
        went_right INTEGER NOT NULL,
        bars TEXT NOT NULL CHECK (bars IN ('daily', 'intraday')),
        resolved_at TEXT NOT NULL
    );
    CREATE INDEX outcomes_resolved ON outcomes(resolved_at);
    CREATE TABLE outcome_notices (
        signal_id INTEGER NOT NULL REFERENCES outcomes(signal_id),
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        parts_sent INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('sending', 'delivered', 'gone', 'failed')),
        error TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (signal_id, platform, chat_id)
    );
    """,
    # 6: watchlists, each chat's alert settings, the alerts decided for each chat (a card, or a
    # summary of held ones) and each alert's delivery (read and written by chat/alerts_state.py)
    """
    CREATE TABLE watchlists (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id, symbol)
    );
    CREATE INDEX watchlists_symbol ON watchlists(symbol);
    CREATE TABLE alert_settings (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        min_score REAL,
        quiet TEXT NOT NULL DEFAULT '',
        timezone TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        direction TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('card', 'summary')),
        status TEXT NOT NULL CHECK (status IN ('send', 'held', 'summarised', 'dropped')),
        card_id INTEGER,
        heading TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX alerts_chat ON alerts(platform, chat_id, created_at);
    CREATE TABLE alert_deliveries (
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        parts_sent INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('sending', 'delivered', 'gone', 'failed')),
        error TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (alert_id, platform, chat_id)
    );
    """,
]


def stored_time(dt: datetime) -> str:
    """Times are stored in UTC, so that comparing the strings compares the instants."""
    return dt.astimezone(UTC).isoformat() if dt.tzinfo else dt.isoformat()


class Database:
    """One open store file: its connection, its write lock, its schema."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        path: str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        read_only: bool = False,
    ) -> None:
        self._db = db
        self.path = path
        self.busy_timeout = busy_timeout
        self.read_only = read_only
        self._lock = asyncio.Lock()  # one transaction at a time on this connection

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        read_only: bool = False,
    ) -> Self:
        """Open the store at `path`, waiting up to `busy_timeout` s for another process's lock.

        A writer creates it if missing and applies the migrations. With `read_only` nothing is
        created, migrated or written: the file must be a TradeTheHype store of this schema.
        Anything else is refused before a byte is written (StoreError, one line).
        """
        target = str(path)
        database, uri = target, False
        if target != ":memory:":
            file = Path(target).expanduser()
            target = database = str(file)
            await asyncio.to_thread(check_file, file, read_only=read_only)
            if read_only:
                database, uri = await asyncio.to_thread(read_only_uri, file), True
        try:
            db = await aiosqlite.connect(
                database, uri=uri, timeout=busy_timeout, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {target}: {exc}") from None
        db.row_factory = aiosqlite.Row
        opened = cls(db, target, busy_timeout=busy_timeout, read_only=read_only)
        try:
            with opened._translated():
                await opened._prepare()
        except BaseException:
            await db.close()
            raise
        return opened

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """SQLite errors the operator can fix (held by another process, read-only, not a
        database) become one line; anything else stays what it is (a bug of ours)."""
        try:
            yield
        except sqlite3.Error as exc:
            meaning = failure(exc, self.path, self.busy_timeout)
            if meaning is None:
                raise
            raise meaning from None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: this connection's lock, then SQLite's (BEGIN IMMEDIATE)."""
        async with self._lock:
            with self._translated():
                try:
                    await self._settle("BEGIN IMMEDIATE")
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:
                        await self._settle("ROLLBACK")
                    raise
                await self._settle("COMMIT")

    async def _settle(self, sql: str) -> None:
        """Run a transaction statement to its end even if the caller is cancelled meanwhile (a
        task stopped mid-write must not leave the connection inside a transaction)."""
        done = asyncio.ensure_future(self._db.execute(sql))
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            await done
            raise

    async def _prepare(self) -> None:
        """Refuse a file that is not a TradeTheHype store of a schema this code knows; then, for
        a writer, migrate it to this schema (a reader needs it there already)."""
        version = await self.schema_version()
        async with self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        ) as cur:
            tables = {row[0] for row in await cur.fetchall()}
        problem = not_ours(self.path, version, tables, MIGRATIONS)
        if problem:
            raise StoreError(problem)
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer TradeTheHype (schema {version}); upgrade first"
            )
        if self.read_only:
            if version == 0:
                raise StoreError(f"{self.path} is not a TradeTheHype store: it is empty")
            if version < len(MIGRATIONS):
                raise StoreError(
                    f"the store {self.path} has an older schema ({version}): run `tradethehype "
                    "run` (or `digest`) once with this version to upgrade it"
                )
            return
        await self._db.execute("PRAGMA journal_mode=WAL")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self.transaction() as db:
                for statement in filter(str.strip, script.split(";")):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {number}")

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @property
    def connection(self) -> aiosqlite.Connection:
        """The one connection, for reads; writes go through `transaction` or `write`."""
        return self._db

    async def write(self, sql: str, args: tuple[Any, ...]) -> int:
        """One statement in its own write transaction; returns the rows it changed."""
        async with self.transaction() as db:
            cur = await db.execute(sql, args)
            return cur.rowcount

