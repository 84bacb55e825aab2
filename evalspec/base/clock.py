"""The clock seam: wall-clock timestamps as the lock and journal record them."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> str:
    """Now, in UTC, as ISO 8601 with seconds precision."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def parse_timestamp(text: str | None) -> datetime | None:
    """An ISO 8601 timestamp from a server or the journal; naive ones are taken as UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
