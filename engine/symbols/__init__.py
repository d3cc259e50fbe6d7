"""Find the listed companies a piece of news text is about, and whether each is the news.

`SymbolIndex.load()` reads the ticker list (the copy `tradethehype tickers update` keeps in the
user data folder if there is a usable one, else the list shipped in engine/data), the alias
table (engine/data/aliases.json), the stop list (engine/data/name_stopwords.txt) and a list of
common English words (engine/data/common_words.txt). `SymbolIndex.extract(text, feed_tickers)`
returns `SymbolMatch`es: symbol (SEC spelling, "BRK-B"), display name, the matched text and its
position in the text as given, `how` it was found and its `role`.

How, in order of trust:

- feed: tickers the feed tagged the item with (Seeking Alpha symbol categories, news sitemaps'
  stock_tickers); they come first, with start = end = -1.
- cashtag: `$TSLA`, `$brk.b` (letters only, upper or lower case; `$5`, `$100M`, `US$` are not
  cashtags); only tickers in the list count.
- exchange: `(NASDAQ: AAPL)`, `NYSE:F`, `NYSE American: XYZ`, lists (`NYSE: BRK.A, BRK.B`),
  and Reuters codes (`(TSLA.O)`, `(BRKb.N)`); the ticker must be upper case and listed.
- name / alias: company names from the list and aliases from the alias table, matched in one
  pass of an Aho-Corasick automaton over a normalised token stream (case folded, accents
  removed, "and" = "&", HTML entities decoded), whole words only, the longest name first
  ("Bank of America" over "America"). `how` is "name" when the words are the company's display
  name (or a short form of it: "Teva" for "Teva Pharmaceutical Industries", "Teladoc" for
  "Teladoc Health" when what is left is distinctive; "Pilgrim's Pride" for SEC's "Pilgrims
  Pride"), "alias" for other names ("Google", "BofA", "Instacart"). Names resolve to the
  company's main share class (GOOGL, BRK-B).

Name rules:

- a name must be capitalised as a name ("Tesla", not "tesla"); one written in capitals in the
  table ("AMD", "IBM", "GM") must appear in capitals; a bare upper-case ticker ("META", "F") is
  not a name, and one- and two-letter tickers are found only as cashtags or exchange-prefixed.
  A name written with a hyphen before a lower-case part ("Snap-on") needs that hyphen or a
  capital there: "downgrades Snap on ad market shift" is Snap.
- a name made only of digits ("111", one company's SEC name) is never matched: a number is not a
  name; the company is found by its ticker ("$YI", "111 (YI)").
- a name that is an ordinary word (engine/data/common_words.txt; alias rule "cue": Target, Gap,
  Block, Snap, Carnival, Sea...) counts only in a business context: where capitals prove
  nothing (sentence start, Title Case, capitals) it needs a market word next to it ("Target
  cuts...", "Block to lay off...", "Gap shares", "upgrades Target", a possessive, a legal
  suffix); elsewhere the line must read as business news. It never counts after "the"/"a"/a
  number ("the Amazon", "40 Celsius") or as an infinitive ("move to block"), unless written
  mid-sentence with a capital and followed by what names a stock ("lifts its Apple price
  target", "trims Target price target", "cuts its Apple stake"); one word after "to" so
  written counts in a list with a company found for sure ("to Delta and American Airlines").
- a name on the stop list (Dow, News, Nasdaq...) needs a legal suffix ("Dow Inc.", "News Corp")
  or a noun saying what the company is ("chemicals maker Dow"), or its ticker in brackets.
- one-word names are not matched after a first name, an initial or a title ("Harrison Ford",
  "Michael J. Fox", "Mr. Ford"), nor next to the words an alias lists in not_followed_by /
  not_preceded_by ("Amazon rainforest", "Oracle of Omaha"); phrases in the alias file's
  not_names ("Dow Jones", "S&P 500", "Palo Alto") block the names inside them.

Roles: banks, brokers and rating agencies listed as analysts in aliases.json are `analyst`
when they comment on others ("Morgan Stanley upgrades Nvidia"): a verb such as "lifts" or "cuts"
makes the bank the analyst only when it acts, in its own clause, on another company or a rating
("Wells Fargo lifted after asset cap removal; Citigroup falls": both are news), and not when its
verb is a rating change made at / by another company ("Goldman Sachs cut to neutral at
JPMorgan": Goldman is the news, JPMorgan the analyst). Everything else is `subject`.
See engine/symbols/roles.py. The signal engine uses subjects only.

Each symbol is reported once, at its first occurrence (a subject anywhere makes it a subject).
Bad input (empty, huge, control characters, other scripts, broken entities) gives a correct
answer or nothing, never an exception.
"""

from __future__ import annotations

from engine.symbols.index import SymbolIndex, normalise_ticker

__all__ = ["SymbolIndex", "normalise_ticker"]
