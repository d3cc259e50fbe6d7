"""Errors a user can cause or fix; the CLI prints their message as one line."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix (bad input, bad config, missing model). Message is one line."""


class ConfigError(UserError):
    pass


class UnknownTicker(UserError):
    pass


class BackendUnavailable(UserError):
    """The configured sentiment backend cannot load; the message says what to do."""


class StoreError(UserError):
    """The store cannot be used as asked: held by another process, read-only, not a TradeTheHype
    store. The operator's to fix: the command line shows it; chat commands apologise instead."""
