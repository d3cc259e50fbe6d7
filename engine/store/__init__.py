"""The store: one SQLite file (aiosqlite), schema versioned, migrations applied at open.

It remembers the articles seen and every signal issued (`signal_history`), which is what the
cooldown reads: a symbol is not signalled again in the same direction within the cooldown; a flip
of direction is allowed and marked as a reversal. Recording takes SQLite's write lock first
(BEGIN IMMEDIATE), so two digests built at once never record the same signal twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from engine.errors import StoreError
from engine.models import Article, Direction, Sentiment
from engine.store.file import DEFAULT_BUSY_TIMEOUT, check_file, failure, not_ours, read_only_uri

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
]


@dataclass(frozen=True)
class PastSignal:
    id: int
    symbol: str
    direction: Direction
    created_at: datetime
    reversal: bool
    payload: dict[str, Any]


@dataclass(frozen=True)
class CooldownVerdict:
    allowed: bool
    reversal: bool
    note: str  # why the cooldown let it through, or why not
    last: PastSignal | None


@dataclass(frozen=True)
class NewSignal:
    """What the store needs to record one signal."""

    symbol: str
    direction: Direction
    score: float
    confidence: float
    price: float | None
    price_as_of: datetime | None
    entry: float | None
    stop: float | None
    target: float | None
    backend: str
    payload: dict[str, Any]


def _iso(dt: datetime) -> str:
    """Times are stored in UTC, so that comparing the strings compares the instants."""
    return dt.astimezone(UTC).isoformat() if dt.tzinfo else dt.isoformat()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Store:
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
    ) -> Store:
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
        store = cls(db, target, busy_timeout=busy_timeout, read_only=read_only)
        try:
            with store._translated():
                await store._prepare()
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Store:
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
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
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
            async with self._transaction() as db:
                for statement in filter(str.strip, script.split(";")):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {number}")

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- articles ---------------------------------------------------------------------------

    async def remember_articles(
        self, articles: Sequence[tuple[Article, str | None, str]], now: datetime
    ) -> int:
        """Record (article, url_key, title_key) rows not seen before; returns how many were new."""
        async with self._transaction() as db:
            before = db.total_changes
            await db.executemany(
                "INSERT OR IGNORE INTO articles (url_key, title_key, title, url, source,"
                " published, first_seen, summary, feed_tickers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        uk,
                        tk,
                        a.title,
                        a.url,
                        a.source,
                        _iso(a.published),
                        _iso(now),
                        a.summary,
                        " ".join(a.feed_tickers),
                    )
                    for a, uk, tk in articles
                ],
            )
            return db.total_changes - before

    async def recent_articles(self, since: datetime) -> list[Article]:
        """Stories kept by the poller that were published at or after `since`, newest first."""
        async with self._db.execute(
            "SELECT title, url, source, published, summary, feed_tickers FROM articles"
            " WHERE published >= ? ORDER BY published DESC, id",
            (_iso(since),),
        ) as cur:
            rows = await cur.fetchall()
        return [
            Article(
                title=r["title"],
                url=r["url"],
                source=r["source"],
                published=datetime.fromisoformat(r["published"]),
                summary=r["summary"],
                feed_tickers=tuple(r["feed_tickers"].split()),
            )
            for r in rows
        ]

    async def forget_articles(self, published_before: datetime) -> int:
        """Drop stories published before a time (they can never be fresh again)."""
        return await self._write(
            "DELETE FROM articles WHERE published < ?", (_iso(published_before),)
        )

    async def article_count(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM articles") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- signals ----------------------------------------------------------------------------

    async def _last_signal(self, symbol: str) -> PastSignal | None:
        async with self._db.execute(
            "SELECT id, symbol, direction, created_at, reversal, payload FROM signal_history"
            " WHERE symbol = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (symbol,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return PastSignal(
            id=row["id"],
            symbol=row["symbol"],
            direction=row["direction"],
            created_at=datetime.fromisoformat(row["created_at"]),
            reversal=bool(row["reversal"]),
            payload=json.loads(row["payload"]),
        )

    async def latest_signal(self, symbol: str) -> PastSignal | None:
        return await self._last_signal(symbol)

    async def cooldown(
        self, symbol: str, direction: Direction, now: datetime, days: float
    ) -> CooldownVerdict:
        """May `symbol` be signalled `direction` at `now`? Reads only; see publish_digest."""
        last = await self._last_signal(symbol)
        return _verdict(last, symbol, direction, now, days)

    async def _record(
        self,
        db: aiosqlite.Connection,
        signals: Sequence[NewSignal],
        now: datetime,
        days: float,
    ) -> list[tuple[NewSignal, CooldownVerdict, dict[str, Any]]]:
        """Inside a write transaction: insert the signals the cooldown allows, checked again under
        the write lock (a signal another digest recorded first is left out), each with its
        payload (the verdict's note is kept in it for `why`)."""
        recorded: list[tuple[NewSignal, CooldownVerdict, dict[str, Any]]] = []
        for sig in signals:
            verdict = _verdict(
                await self._last_signal(sig.symbol), sig.symbol, sig.direction, now, days
            )
            if not verdict.allowed:
                continue
            payload = dict(sig.payload, reversal=verdict.reversal, cooldown=verdict.note)
            await db.execute(
                "INSERT INTO signal_history (symbol, direction, score, confidence, price,"
                " price_as_of, entry, stop, target, reversal, backend, created_at, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sig.symbol,
                    sig.direction,
                    sig.score,
                    sig.confidence,
                    sig.price,
                    _iso(sig.price_as_of) if sig.price_as_of else None,
                    sig.entry,
                    sig.stop,
                    sig.target,
                    int(verdict.reversal),
                    sig.backend,
                    _iso(now),
                    json.dumps(payload, sort_keys=True),
                ),
            )
            recorded.append((sig, verdict, payload))
        return recorded

    # -- chats ------------------------------------------------------------------------------

    async def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        """One statement in its own write transaction; returns the rows it changed."""
        async with self._transaction() as db:
            cur = await db.execute(sql, args)
            return cur.rowcount

    async def _insert(self, sql: str, args: tuple[Any, ...]) -> int:
        """One INSERT in its own write transaction; returns the new row's id."""
        async with self._transaction() as db:
            cur = await db.execute(sql, args)
            return int(cur.lastrowid or 0)

    async def subscribe(
        self, platform: str, chat_id: str, now: datetime, *, title: str = "", by: str | None = None
    ) -> bool:
        """Subscribe a chat to the digest; False when it already was."""
        return (
            await self._write(
                "INSERT OR IGNORE INTO subscriptions"
                " (platform, chat_id, title, subscribed_by, subscribed_at) VALUES (?, ?, ?, ?, ?)",
                (platform, chat_id, title, by, _iso(now)),
            )
            > 0
        )

    async def unsubscribe(self, platform: str, chat_id: str) -> bool:
        """Unsubscribe a chat; False when it was not subscribed."""
        return (
            await self._write(
                "DELETE FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, chat_id)
            )
            > 0
        )

    async def subscriptions(self, platform: str | None = None) -> list[Subscription]:
        query = "SELECT * FROM subscriptions"
        args: tuple[Any, ...] = ()
        if platform is not None:
            query += " WHERE platform = ?"
            args = (platform,)
        async with self._db.execute(query + " ORDER BY subscribed_at, chat_id", args) as cur:
            rows = await cur.fetchall()
        return [
            Subscription(
                platform=r["platform"],
                chat_id=r["chat_id"],
                title=r["title"],
                subscribed_by=r["subscribed_by"],
                subscribed_at=datetime.fromisoformat(r["subscribed_at"]),
            )
            for r in rows
        ]

    async def is_subscribed(self, platform: str, chat_id: str) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        ) as cur:
            return await cur.fetchone() is not None

    async def save_card(self, payload: dict[str, Any], now: datetime) -> int:
        """Keep a signal card's explanation payload; its id is what a Why? button carries."""
        async with self._transaction() as db:
            return await self._insert_card(db, payload, now)

    @staticmethod
    async def _insert_card(db: aiosqlite.Connection, payload: dict[str, Any], now: datetime) -> int:
        cur = await db.execute(
            "INSERT INTO cards (symbol, created_at, payload) VALUES (?, ?, ?)",
            (payload["symbol"], _iso(now), json.dumps(payload, sort_keys=True)),
        )
        return int(cur.lastrowid or 0)

    async def card(self, card_id: int) -> dict[str, Any] | None:
        async with self._db.execute("SELECT payload FROM cards WHERE id = ?", (card_id,)) as cur:
            row = await cur.fetchone()
        return json.loads(row["payload"]) if row else None

    async def latest_card(self, symbol: str) -> dict[str, Any] | None:
        """The payload of the newest signal card shown anywhere for `symbol`, or None."""
        async with self._db.execute(
            "SELECT payload FROM cards WHERE symbol = ? ORDER BY id DESC LIMIT 1", (symbol,)
        ) as cur:
            row = await cur.fetchone()
        return json.loads(row["payload"]) if row else None

    async def remember_shown(
        self, platform: str, chat_id: str, card_id: int, now: datetime
    ) -> None:
        """Note the last signal card a chat was shown, which `/why` with no ticker explains."""
        await self._write(
            "INSERT INTO chat_last_card (platform, chat_id, card_id, shown_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, chat_id) DO UPDATE SET card_id = excluded.card_id,"
            " shown_at = excluded.shown_at",
            (platform, chat_id, card_id, _iso(now)),
        )

    async def last_shown(self, platform: str, chat_id: str) -> dict[str, Any] | None:
        """The payload of the last signal card this chat was shown, or None."""
        async with self._db.execute(
            "SELECT c.payload FROM chat_last_card l JOIN cards c ON c.id = l.card_id"
            " WHERE l.platform = ? AND l.chat_id = ?",
            (platform, chat_id),
        ) as cur:
            row = await cur.fetchone()
        return json.loads(row["payload"]) if row else None

    # -- sentiment cache --------------------------------------------------------------------

    async def cached_sentiments(self, model_key: str, texts: Sequence[str]) -> dict[str, Sentiment]:
        """Scores stored for `texts` by the model `model_key`, by text (unscored ones absent)."""
        by_hash = {_text_hash(t): t for t in texts}
        found: dict[str, Sentiment] = {}
        hashes = list(by_hash)
        for start in range(0, len(hashes), 500):  # SQLite's limit on bound parameters
            part = hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            async with self._db.execute(
                "SELECT text_hash, label, scores FROM sentiment_cache"
                f" WHERE model_key = ? AND text_hash IN ({marks})",
                (model_key, *part),
            ) as cur:
                for row in await cur.fetchall():
                    found[by_hash[row["text_hash"]]] = Sentiment(
                        label=row["label"], scores=json.loads(row["scores"])
                    )
        return found

    async def cache_sentiments(
        self, model_key: str, results: Sequence[tuple[str, Sentiment]], now: datetime
    ) -> None:
        """Remember each (text, scores) computed by the model `model_key`."""
        if not results:
            return
        async with self._transaction() as db:
            await db.executemany(
                "INSERT OR REPLACE INTO sentiment_cache"
                " (model_key, text_hash, label, scores, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    (model_key, _text_hash(t), r.label, json.dumps(r.scores), _iso(now))
                    for t, r in results
                ],
            )

    # -- digests ----------------------------------------------------------------------------

    async def latest_digest(
        self, since: datetime | None = None, *, schedule: str | None = None
    ) -> StoredDigest | None:
        """The newest digest (built at or after `since`; of `schedule` if given), or None."""
        found = await self._digests(since, schedule=schedule, newest_only=True)
        return found[0] if found else None

    async def digests_since(self, since: datetime) -> list[StoredDigest]:
        """Scheduled digests built after `since`, oldest first."""
        return await self._digests(since, scheduled=True, strictly_after=True)

    async def slot_digest(self, slot: str) -> StoredDigest | None:
        """The digest built for a schedule slot, if it was built."""
        async with self._db.execute(_DIGEST_SELECT + " WHERE slot = ?", (slot,)) as cur:
            row = await cur.fetchone()
        return None if row is None else _stored_digest(row)

    async def _digests(
        self,
        since: datetime | None,
        *,
        schedule: str | None = None,
        scheduled: bool = False,
        strictly_after: bool = False,
        newest_only: bool = False,
    ) -> list[StoredDigest]:
        where: list[str] = []
        args: list[Any] = []
        if since is not None:
            where.append("created_at > ?" if strictly_after else "created_at >= ?")
            args.append(_iso(since))
        if schedule is not None:
            where.append("schedule = ?")
            args.append(schedule)
        if scheduled:
            where.append("slot IS NOT NULL")
        query = _DIGEST_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        if newest_only:
            query += " ORDER BY created_at DESC, id DESC LIMIT 1"
        else:
            query += " ORDER BY created_at, id"
        async with self._db.execute(query, args) as cur:
            return [_stored_digest(r) for r in await cur.fetchall()]

    async def publish_digest(
        self,
        *,
        slot: str,
        schedule: str,
        signals: Sequence[NewSignal],
        now: datetime,
        cooldown_days: float,
        compose: Callable[[list[RecordedSignal]], dict[str, Any]],
    ) -> StoredDigest:
        """Record a slot's digest exactly once, in ONE transaction with its signals and cards.

        The cooldown is checked again under the write lock; `compose` turns the signals that
        made it (with their card ids) into the digest's payload. When the slot's digest already
        exists (another process, or a restart), nothing is written and that digest is returned.
        """
        async with self._transaction() as db:
            async with db.execute(_DIGEST_SELECT + " WHERE slot = ?", (slot,)) as cur:
                row = await cur.fetchone()
            if row is not None:
                return _stored_digest(row)
            recorded = [
                RecordedSignal(sig, verdict, await self._insert_card(db, payload, now))
                for sig, verdict, payload in await self._record(db, signals, now, cooldown_days)
            ]
            payload = compose(recorded)
            cur = await db.execute(
                "INSERT INTO digests (created_at, payload, slot, schedule) VALUES (?, ?, ?, ?)",
                (_iso(now), json.dumps(payload, sort_keys=True), slot, schedule),
            )
            return StoredDigest(int(cur.lastrowid or 0), now, payload, slot, schedule)

    # -- deliveries -------------------------------------------------------------------------

    async def deliveries(self, digest_id: int) -> dict[tuple[str, str], Delivery]:
        """How far each chat's delivery of a digest got, by (platform, chat id)."""
        async with self._db.execute(
            "SELECT * FROM deliveries WHERE digest_id = ?", (digest_id,)
        ) as cur:
            rows = await cur.fetchall()
        return {
            (r["platform"], r["chat_id"]): Delivery(
                r["parts_sent"], r["status"], r["error"], datetime.fromisoformat(r["updated_at"])
            )
            for r in rows
        }

    async def record_delivery(
        self,
        digest_id: int,
        platform: str,
        chat_id: str,
        *,
        parts_sent: int,
        status: str,
        now: datetime,
        error: str = "",
    ) -> None:
        """Note how far a chat's delivery got; called the moment the platform confirms a part."""
        await self._write(
            "INSERT INTO deliveries (digest_id, platform, chat_id, parts_sent, status, error,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest_id, platform, chat_id)"
            " DO UPDATE SET parts_sent = excluded.parts_sent, status = excluded.status,"
            " error = excluded.error, updated_at = excluded.updated_at",
            (digest_id, platform, chat_id, parts_sent, status, error, _iso(now)),
        )

    async def served_since(self, since: datetime, other_than: str) -> set[tuple[str, str]]:
        """Chats that got (some of) a scheduled digest of another schedule after `since`."""
        async with self._db.execute(
            "SELECT DISTINCT d.platform, d.chat_id FROM deliveries d"
            " JOIN digests g ON g.id = d.digest_id"
            " WHERE g.created_at > ? AND g.schedule != ? AND d.status IN ('delivered', 'sending')",
            (_iso(since), other_than),
        ) as cur:
            return {(r["platform"], r["chat_id"]) for r in await cur.fetchall()}

    async def delivery_counts(self, digest_id: int) -> dict[str, int]:
        async with self._db.execute(
            "SELECT status, COUNT(*) AS n FROM deliveries WHERE digest_id = ? GROUP BY status",
            (digest_id,),
        ) as cur:
            return {r["status"]: int(r["n"]) for r in await cur.fetchall()}

    # -- chat settings ----------------------------------------------------------------------

    async def set_chat_time(
        self, platform: str, chat_id: str, at: str, timezone: str, now: datetime
    ) -> None:
        await self._write(
            "INSERT INTO chat_settings (platform, chat_id, digest_time, timezone, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET"
            " digest_time = excluded.digest_time, timezone = excluded.timezone,"
            " updated_at = excluded.updated_at",
            (platform, chat_id, at, timezone, _iso(now)),
        )

    async def clear_chat_time(self, platform: str, chat_id: str) -> bool:
        return (
            await self._write(
                "DELETE FROM chat_settings WHERE platform = ? AND chat_id = ?", (platform, chat_id)
            )
            > 0
        )

    async def chat_time(self, platform: str, chat_id: str) -> tuple[str, str] | None:
        """A chat's own digest time ("HH:MM", time zone), or None for the configured one."""
        async with self._db.execute(
            "SELECT digest_time, timezone FROM chat_settings WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else (row["digest_time"], row["timezone"])

    async def chat_times(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Every chat's own digest time: (platform, chat id) -> ("HH:MM", time zone)."""
        async with self._db.execute(
            "SELECT platform, chat_id, digest_time, timezone FROM chat_settings"
        ) as cur:
            return {
                (r["platform"], r["chat_id"]): (r["digest_time"], r["timezone"])
                for r in await cur.fetchall()
            }

    # -- the running bot's state ------------------------------------------------------------

    async def set_state(self, key: str, value: dict[str, Any], now: datetime) -> None:
        await self._write(
            "INSERT INTO runtime_state (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at",
            (key, json.dumps(value, sort_keys=True), _iso(now)),
        )

    async def state(self, key: str) -> tuple[dict[str, Any], datetime] | None:
        async with self._db.execute(
            "SELECT value, updated_at FROM runtime_state WHERE key = ?", (key,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return json.loads(row["value"]), datetime.fromisoformat(row["updated_at"])

    async def signal_rows(self, symbol: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM signal_history"
        args: tuple[Any, ...] = ()
        if symbol:
            query += " WHERE symbol = ?"
            args = (symbol,)
        async with self._db.execute(query + " ORDER BY id", args) as cur:
            rows = await cur.fetchall()
        return [dict(r) for r in rows]


@dataclass(frozen=True)
class Subscription:
    platform: str
    chat_id: str
    title: str
    subscribed_by: str | None
    subscribed_at: datetime


@dataclass(frozen=True)
class StoredDigest:
    id: int
    created_at: datetime
    payload: dict[str, Any]
    slot: str | None = None  # the schedule slot it was built for; None for older digests
    schedule: str | None = None


_DIGEST_SELECT = "SELECT id, created_at, payload, slot, schedule FROM digests"


def _stored_digest(row: Any) -> StoredDigest:
    return StoredDigest(
        id=row["id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        payload=json.loads(row["payload"]),
        slot=row["slot"],
        schedule=row["schedule"],
    )


@dataclass(frozen=True)
class RecordedSignal:
    """A signal a digest recorded, with the id of its card (what Why? buttons carry)."""

    signal: NewSignal
    verdict: CooldownVerdict
    card_id: int


@dataclass(frozen=True)
class Delivery:
    parts_sent: int
    status: str  # sending, delivered, gone (unsubscribed), failed (tried again later)
    error: str
    updated_at: datetime


def _verdict(
    last: PastSignal | None, symbol: str, direction: Direction, now: datetime, days: float
) -> CooldownVerdict:
    window = timedelta(days=days)
    if last is None:
        return CooldownVerdict(True, False, f"no earlier signal on {symbol}", None)
    age = now - last.created_at
    when = last.created_at.strftime("%Y-%m-%d %H:%M UTC")
    if age >= window:
        return CooldownVerdict(
            True,
            False,
            f"last {last.direction} signal on {symbol} was {when}, "
            f"outside the {days:g}-day cooldown",
            last,
        )
    if last.direction == direction:
        return CooldownVerdict(
            False, False, f"already signalled {direction} on {when} (cooldown {days:g} days)", last
        )
    return CooldownVerdict(
        True, True, f"reversal: last signal was {last.direction} on {when}", last
    )
