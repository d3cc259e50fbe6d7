"""One spelling of a ticker everywhere: the SEC's, which is also Yahoo's ("BRK-B").

Text, feeds, price files and Yahoo all reach the engine through `normalise_ticker`; whether the
result is a listed company is the symbol index's business, not this module's.
"""

from __future__ import annotations

import re

_SAFE = re.compile(r"^[A-Z0-9][A-Z0-9.\-=^]{0,19}$")  # a file name or a Yahoo ticker, no paths


def normalise_ticker(raw: str) -> str:
    """'$brk.b' -> 'BRK-B', ' tsla ' -> 'TSLA'; does not check the list."""
    return raw.strip().lstrip("$").upper().replace(".", "-").replace("/", "-")


def safe_ticker(raw: str) -> str | None:
    """The normalised ticker if it can name a price file or a Yahoo ticker, else None: what was
    typed is checked before it is normalised, so "ACME/../ACME" is refused, not made harmless."""
    typed = raw.strip().lstrip("$").upper()
    return normalise_ticker(typed) if _SAFE.match(typed) else None
