"""config.example.toml as a first-time user meets it: copied to config.toml, it works at once."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import CHOICES, Config, load_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def test_the_example_lists_public_feeds_and_a_backend_that_needs_no_download() -> None:
    example = load_config(EXAMPLE)

    assert example.news.feeds, "a copied example must have news to read"
    for url in example.news.feeds:
        parts = urlsplit(url)
        assert parts.scheme == "https" and "." in parts.hostname, url  # real public feeds
    assert len(set(example.news.feeds)) == len(example.news.feeds)
    assert example.sentiment.backend in CHOICES[("sentiment", "backend")]
    assert example.sentiment.backend == "lite"  # ships with the project: no 440 MB download


def test_the_backend_choice_is_explained_at_the_key() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    at = lines.index('backend = "lite"')
    comment = " ".join(lines[max(0, at - 8) : at])

    assert '"lite"' in comment and '"finbert"' in comment
    assert "440 MB" in comment and "model prepare" in comment
    assert Config().sentiment.backend == "finbert" and "default" in comment


AT = "2026-03-10T15:00:00+00:00"  # a fixed clock: a Tuesday, 11:00 in New York


def closed_port() -> int:
    """A local port nothing listens on (bound, then released): connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_digest_with_the_copied_example_reports_each_unreachable_feed_in_one_line(
    tmp_path: Path,
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "config.toml")
    port = closed_port()
    # the example's own feeds cannot be reached from a test: two local stand-ins that refuse
    feeds = [f"http://127.0.0.1:{port}/top.xml", f"http://127.0.0.1:{port}/finance.xml"]

    # a process of its own, so stderr is what a user's terminal shows (logging included)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "digest", "--feeds", *feeds, "--at", AT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no traceback, and no log line repeating what the digest says
    out = done.stdout.splitlines()
    heading = "TradeTheHype digest, 2026-03-10 15:00 UTC · market open · prices: Yahoo Finance"
    assert out[0] == heading
    assert "sentiment: lite" in out[1]
    failed = [line for line in out if line.startswith("Source failed: ")]
    assert [line.split(": ")[1] for line in failed] == feeds
    assert all("network" in line for line in failed)
    assert "No new signals: no fresh stories, and news sources failed (below)." in out
    assert not any("cleared the bar" in line for line in out)
    assert (tmp_path / "tradethehype.db").is_file()  # the example's store, where it was run
