"""Text cleaning shared by the sentiment backends.

Financial tweets look like ``$CCL $RCL - Nomura points to bookings weakness https://t.co/x``
while news headlines carry neither the cashtag prefix nor the link. Cleaning both the same
way, at training and at inference time, keeps headlines in the distribution the models saw.
"""

from __future__ import annotations

import re

# Links: full URLs, bare t.co / www links (tweets are often cut mid-link, e.g. "https://t.co/…").
_URL = re.compile(r"(?:https?://|www\.|\bt\.co/)\S*", re.IGNORECASE)
_CASHTAG = r"\$[A-Za-z][A-Za-z0-9.\-_]*"
# One or more cashtags at the very start followed by a separator: "$BYND - ",
# "$CCL $RCL - ", "$ESS: ", "$AAPL, $MSFT: ". Without a separator the cashtag is the
# subject ("$NBY rated buy") and only loses its "$".
_LEADING_CASHTAGS = re.compile(rf"^\s*(?:{_CASHTAG}[\s,;/&]*)+[-:\u2013\u2014|]+\s*")
# "$" before a ticker mid-sentence; "$5" or "$1.2B" are amounts and stay.
_INLINE_DOLLAR = re.compile(r"\$(?=[A-Za-z])")
_SPACES = re.compile(r"\s+")
_TRAILING_SEPARATOR = re.compile(r"\s*[-:|\u2013\u2014]\s*$")


def clean_text(text: str) -> str:
    """Strip URLs, a leading "$TICKER - " prefix and the ``$`` of other cashtags.

    >>> clean_text("$CCL $RCL - Nomura points to weakness https://t.co/yGjpT2ReD3")
    'Nomura points to weakness'
    >>> clean_text("Apple ($AAPL) rises 2% to $190")
    'Apple (AAPL) rises 2% to $190'
    >>> clean_text("$NBY rated buy")
    'NBY rated buy'

    A text that is nothing but cashtags keeps its tickers (without ``$``) rather than
    becoming empty.
    """
    no_links = _URL.sub(" ", text)
    body = _LEADING_CASHTAGS.sub("", no_links, count=1)
    if not body.strip():
        body = no_links
    body = _INLINE_DOLLAR.sub("", body)
    body = _SPACES.sub(" ", body).strip()
    return _TRAILING_SEPARATOR.sub("", body)
