"""`N/SECONDS` request budgets ("400/60"): the one parser that specs, the client and the server share."""

from __future__ import annotations

import math
from typing import NamedTuple

from evalspec.errors import shorten

# Datalab's budget (400 per 60 s in its newer docs): the default of `settings.rate_limit` and of
# the client's limiter. Here, not in api/, so that the CLI's help can name it without importing httpx.
DEFAULT_RATE = "400/60"


class Rate(NamedTuple):
    """At most `requests` requests in any window of `seconds`."""

    requests: int
    seconds: float


def parse_rate(text: str) -> Rate:
    """Parse `N/SECONDS` ("400/60") into Rate(400, 60.0); raise ValueError naming the problem."""
    count, sep, window = text.strip().partition("/")
    try:
        if not sep:
            raise ValueError("missing '/'")
        rate = Rate(int(count), float(window))
    except ValueError:
        raise ValueError(f"rate limit {shorten(text)} is not of the form N/SECONDS, e.g. 400/60") from None
    if rate.requests < 1 or not rate.seconds > 0 or not math.isfinite(rate.seconds):
        raise ValueError(f"rate limit {shorten(text)}: N/SECONDS needs N >= 1 and a finite SECONDS > 0")
    return rate


def rate_share(text: str, shares: int) -> str:
    """One of `shares` equal parts of the budget `text` (at least one request per window): a
    shard's part of a team's rate limit."""
    rate = parse_rate(text)
    return f"{max(1, rate.requests // max(1, shares))}/{rate.seconds:g}"
