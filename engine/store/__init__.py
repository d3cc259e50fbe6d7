"""The store: one SQLite file (aiosqlite), schema versioned, migrations applied at open.

It remembers the articles seen and every signal issued (`signal_history`), which is what the
cooldown reads (engine/signals.py: a symbol is not signalled again in the same direction within
the cooldown; a flip of direction is allowed and marked as a reversal). Recording takes SQLite's
write lock first (BEGIN IMMEDIATE), so two digests built at once never record the same signal
twice.

`Store` is the engine's view of it, one class per group of tables sharing one connection: db.py
(opening, transactions, migrations), articles.py, signals.py, digests.py (digests and their
cards), outcomes.py (what became of each signal), sentiment_cache.py, runtime_state.py. The chat
tables are chat/state.py's.
"""

from __future__ import annotations

from engine.models import PastSignal
from engine.store.articles import Articles
from engine.store.db import MIGRATIONS
from engine.store.digests import Digests, RecordedSignal, StoredDigest
from engine.store.outcomes import Outcomes, StoredOutcome, TrackedSignal
from engine.store.runtime_state import RuntimeState
from engine.store.sentiment_cache import SentimentCache
from engine.store.signals import NewSignal


class Store(Digests, Outcomes, Articles, SentimentCache, RuntimeState):
    """The store the engine uses: `await Store.open(path)` (or `async with` it), closed after."""


__all__ = [
    "MIGRATIONS",
    "NewSignal",
    "PastSignal",
    "RecordedSignal",
    "Store",
    "StoredDigest",
    "StoredOutcome",
    "TrackedSignal",
]
