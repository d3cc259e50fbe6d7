"""Build engine/data/tickers.json from SEC's company_tickers_exchange.json.

    python scripts/build_tickers.py [--src PATH] [--out PATH]

The SEC file is public domain; get a fresh copy from SEC EDGAR ("company_tickers_exchange.json")
and pass it with --src. Display-name and share-class overrides come from engine/data/aliases.json,
the stop list from engine/data/name_stopwords.txt (see engine/symbols/tickerlist.py for the rules).
Users refresh their own copy with `tradethehype tickers update`, which applies the same
processing; this script rebuilds the list that ships with the project.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.symbols.tickerlist import TICKERS_PATH, build_from_files, write_ticker_list  # noqa: E402

DEFAULT_SRC = ROOT.parent / "shared" / "data" / "tickers" / "sec_company_tickers_exchange.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--src",
        type=Path,
        default=DEFAULT_SRC,
        help="SEC company_tickers_exchange.json (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=TICKERS_PATH,
        help="where to write the list (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not args.src.is_file():
        print(
            f"SEC ticker file not found: {args.src}\n"
            "Download company_tickers_exchange.json from SEC EDGAR and pass it with --src.",
            file=sys.stderr,
        )
        return 2
    try:
        processed = build_from_files(args.src)
    except (ValueError, KeyError) as exc:
        print(f"cannot read {args.src}: {exc}", file=sys.stderr)
        return 2
    size = write_ticker_list(processed, args.out)
    rows = processed["tickers"]
    by_exchange = Counter(r[2] for r in rows)
    named = sum(1 for r in rows if r[0] == r[3])
    print(
        f"wrote {args.out}: {len(rows)} tickers ({dict(by_exchange)}), "
        f"{named} with a company name to match, {size / 1024:.0f} KB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
