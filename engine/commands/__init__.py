"""Chat commands, declared once for every platform (see registry.py and core.py)."""

from __future__ import annotations

from engine.commands import basics, digests, settings, signals, subscriptions
from engine.commands.core import BotCore, BotSettings, Caller, Context
from engine.commands.registry import Access, Arg, ChatKind, Command, Registry

FEATURES = (basics, subscriptions, signals, digests, settings)


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
