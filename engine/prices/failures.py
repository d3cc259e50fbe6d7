"""Why a symbol has no price, told apart: the source was out of reach, or it has no data for it.

`PriceUnavailable` carries a short per-symbol reason and, apart from it, the underlying error
(`detail`), so a digest lists one short reason per symbol and each distinct error once
(`summarise`). What a source's own errors mean is the provider's to say (yahoo.py).
"""

from __future__ import annotations

from collections.abc import Sequence


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class PriceUnavailable(Exception):
    """No usable price for a symbol. The message is one line: "SYMBOL: reason".

    `reason` is short and about this symbol ("no price file ZZZZ.csv", "Yahoo Finance
    unreachable"); `detail` is the underlying error (a curl message), which a digest shows once
    for all the symbols it hit. `unreachable` is True when the price source itself could not be
    reached (network, timeout, rate limit), as opposed to having no price for this symbol.
    """

    def __init__(
        self, symbol: str, reason: str, *, unreachable: bool = False, detail: str = ""
    ) -> None:
        reason = _one_line(reason, 200) or "unknown error"
        self.symbol = symbol
        self.reason = reason
        self.unreachable = unreachable
        self.detail = _one_line(detail, 160)
        super().__init__(f"{symbol}: {reason}")


def summarise(source: str, failures: Sequence[PriceUnavailable]) -> str:
    """One line for all the symbols a price source gave no price for, each error once.

    "could not reach Yahoo Finance for NVDA, TSLA (curl: (6) Could not resolve host: ...)"
    """
    out: list[str] = []
    for unreachable in (True, False):
        picked = [f for f in failures if f.unreachable is unreachable]
        if not picked:
            continue
        symbols = ", ".join(sorted({f.symbol for f in picked}))
        head = f"could not reach {source}" if unreachable else "no price"
        details = list(dict.fromkeys(f.detail for f in picked if f.detail))
        if len(details) > 2:
            details[2:] = ["..."]
        tail = f" ({'; '.join(details)})" if details else ""
        out.append(f"{head} for {symbols}{tail}")
    return "; ".join(out)
