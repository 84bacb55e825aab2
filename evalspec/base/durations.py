"""Parsing durations as users write them: `90`, `90s`, `45m`, `2h` (and `1.5h`)."""

from __future__ import annotations

import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smh]?)")
_UNIT_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds in `text`; ValueError with a message that shows the accepted forms."""
    match = _DURATION.fullmatch(text.strip().lower())
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)] if match else 0.0
    if not seconds > 0:
        raise ValueError(
            f"{text!r} is not a duration: write seconds or a number with a unit, e.g. 90, 90s, 45m, 2h"
        )
    return seconds


def format_duration(seconds: float) -> str:
    """`2h`, `45m`, `90s` or `1h 30m`: a duration as a person reads it."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return " ".join(p for p in parts if p) or f"{seconds:g}s"
