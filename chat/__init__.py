"""The chat layer: commands declared once for every platform (registry.py), the core that runs
them (core.py), the replies they return (replies.py), one module per feature (features/), and the
chat tables in the store: subscriptions, last card shown, deliveries, chat times (state.py)."""

from __future__ import annotations

from chat.core import BotCore, BotSettings, Caller, Context
from chat.features import (
    basics,
    chart,
    digests,
    performance,
    settings,
    signals,
    subscriptions,
    watchlist,
)
from chat.registry import Access, Arg, ChatKind, Command, Registry

FEATURES = (basics, subscriptions, signals, chart, watchlist, digests, performance, settings)


def build_registry() -> Registry:
    """The registry with every built-in command, in the order help and menus list them."""
    registry = Registry()
    for feature in FEATURES:
        feature.register(registry)
    return registry


__all__ = [
    "Access",
    "Arg",
    "BotCore",
    "BotSettings",
    "Caller",
    "ChatKind",
    "Command",
    "Context",
    "Registry",
    "build_registry",
]
