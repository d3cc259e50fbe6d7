"""Keep the ticker list fresh: download SEC's company_tickers_exchange.json, check it, and
replace the user's copy atomically (`tradethehype tickers update`).

The copy lives in the user data folder (engine.tickerlist.user_tickers_path) and
`SymbolIndex.load()` prefers it to the list shipped in engine/data, which stays the fallback.
Nothing is written unless the download is SEC's JSON, of a sane size, with thousands of
listed companies; a failed update leaves the previous copy as it was.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from engine.errors import UserError
from engine.symbols.index import SymbolIndex
from engine.symbols.tickerlist import (
    ALIASES_PATH,
    STOPWORDS_PATH,
    TICKERS_PATH,
    process_sec_exchange_json,
    read_alias_file,
    read_stopwords,
    read_ticker_file,
    user_tickers_path,
    write_ticker_list,
)

MAX_BYTES = 50 * 1024 * 1024  # SEC's file is about 1 MB
MIN_ROWS = 5000  # SEC lists about 10,000 tickers; fewer than this is a broken download
MIN_LISTED = 3000  # of which about 7,400 on Nasdaq, NYSE and CBOE
_PLACEHOLDERS = ("example.com", "example.org", "example.net", "your name", "your email", "<")


class UpdateError(UserError):
    """The list could not be updated; the message is one line and says the old copy is kept."""


@dataclass
class UpdateResult:
    path: Path
    tickers: int
    by_exchange: dict[str, int] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def check_user_agent(user_agent: str) -> str:
    """The declared User-Agent, or UpdateError if it is unset or still a placeholder."""
    ua = " ".join(user_agent.split())
    low = ua.lower()
    if ua and "@" in ua and not any(p in low for p in _PLACEHOLDERS):
        return ua
    if not ua:
        problem = "is not set"
    elif "@" not in ua:
        problem = f"is {ua!r}, which has no e-mail address"
    else:
        problem = f"is {ua!r}, which is still a placeholder"
    raise UpdateError(
        f"[tickers] user_agent {problem}: SEC asks automated downloads to declare who they "
        'are; set it in your config to your name and e-mail, e.g. user_agent = "Jane Doe '
        'jane@mail.org"'
    )


async def download(
    url: str,
    user_agent: str,
    *,
    timeout_seconds: float = 30.0,
    session: aiohttp.ClientSession | None = None,
) -> bytes:
    """GET `url` with the declared User-Agent; UpdateError (one line) on any failure."""
    headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"}
    own = session is None
    http = session or aiohttp.ClientSession()
    try:
        async with http.get(
            url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout_seconds)
        ) as resp:
            if resp.status != 200:
                raise UpdateError(
                    f"could not download the ticker list: HTTP {resp.status} from {url}; "
                    "the current list is kept"
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(1 << 16):  # read(n) may stop short
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BYTES:
                    break
            body = b"".join(chunks)
    except TimeoutError:
        raise UpdateError(
            f"could not download the ticker list: no answer from {url} within "
            f"{timeout_seconds:g} s; the current list is kept"
        ) from None
    except aiohttp.ClientError as exc:
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise UpdateError(
            f"could not download the ticker list from {url}: {reason}; the current list is kept"
        ) from None
    finally:
        if own:
            await http.close()
    if len(body) > MAX_BYTES:
        raise UpdateError(
            f"the download from {url} is larger than {MAX_BYTES // 2**20} MB, which SEC's list "
            "never is; the current list is kept"
        )
    return body


def validate(body: bytes, *, min_rows: int = MIN_ROWS, min_listed: int = MIN_LISTED) -> dict:
    """SEC's JSON -> the processed list, or UpdateError saying what is wrong with it."""
    kept = "; the current list is kept"
    if body.lstrip()[:1] == b"<":
        raise UpdateError("the download is a web page, not SEC's ticker JSON" + kept)
    try:
        raw: Any = json.loads(body)
    except UnicodeDecodeError:
        raise UpdateError("the download is not valid JSON (not UTF-8 text)" + kept) from None
    except json.JSONDecodeError as exc:
        raise UpdateError(
            f"the download is not valid JSON (truncated?): {exc.msg}" + kept
        ) from None
    if not isinstance(raw, dict):
        raise UpdateError("the download is not SEC's ticker JSON (not an object)" + kept)
    data = raw.get("data")
    fields = raw.get("fields")
    if not isinstance(data, list) or not isinstance(fields, list):
        raise UpdateError("the download is not SEC's ticker JSON (no 'fields' and 'data')" + kept)
    if len(data) < min_rows:
        raise UpdateError(
            f"the download lists only {len(data)} tickers, SEC's list has about 10,000 "
            "(truncated?)" + kept
        )
    good = sum(1 for row in data if isinstance(row, list) and len(row) == len(fields))
    if good < 0.9 * len(data):
        raise UpdateError(f"{len(data) - good} of {len(data)} rows are malformed" + kept)
    alias_data = read_alias_file(ALIASES_PATH) if ALIASES_PATH.exists() else {}
    try:
        processed = process_sec_exchange_json(
            raw,
            display=alias_data.get("display", {}),
            primary=alias_data.get("primary", {}),
            stopwords=read_stopwords(STOPWORDS_PATH),
        )
    except ValueError as exc:
        raise UpdateError(f"the download is not SEC's ticker JSON: {exc}" + kept) from None
    listed = len(processed["tickers"])
    if listed < min_listed:
        raise UpdateError(
            f"only {listed} tickers are on Nasdaq, NYSE or CBOE in the download, expected "
            f"thousands" + kept
        )
    return processed


def write_atomically(processed: dict, dest: Path) -> None:
    """Write to a temporary file beside `dest`, check it loads, then rename it over `dest`."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tickers-", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write_ticker_list(processed, tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        SymbolIndex.load(tmp)  # the new list must build an index before it replaces anything
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _current_tickers(dest: Path) -> set[str]:
    for path in (dest, TICKERS_PATH):
        try:
            return set(read_ticker_file(path)[0])
        except (OSError, ValueError):
            continue
    return set()


async def update_ticker_list(
    url: str,
    user_agent: str,
    *,
    dest: Path | None = None,
    timeout_seconds: float = 30.0,
    session: aiohttp.ClientSession | None = None,
    min_rows: int = MIN_ROWS,
    min_listed: int = MIN_LISTED,
) -> UpdateResult:
    """Download, check and install SEC's list; UpdateError (one line) if anything is off."""
    ua = check_user_agent(user_agent)
    dest = dest or user_tickers_path()
    body = await download(url, ua, timeout_seconds=timeout_seconds, session=session)
    processed = await asyncio.to_thread(validate, body, min_rows=min_rows, min_listed=min_listed)
    before = await asyncio.to_thread(_current_tickers, dest)
    try:
        await asyncio.to_thread(write_atomically, processed, dest)
    except OSError as exc:
        raise UpdateError(
            f"cannot write {dest}: {exc.strerror or exc}; the current list is kept"
        ) from None
    after = {row[0] for row in processed["tickers"]}
    return UpdateResult(
        path=dest,
        tickers=len(after),
        by_exchange=dict(Counter(row[2] for row in processed["tickers"])),
        added=sorted(after - before),
        removed=sorted(before - after),
    )
