"""Opening a backend: Datalab's service over HTTPS, or the embedded local service in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from evalspec import paths
from evalspec.api.client import DatalabClient
from evalspec.api.ratelimit import RateLimiter, parse_rate
from evalspec.errors import UsageError

BACKENDS = ("datalab", "local")
DEFAULT_RATE = "400/60"


@dataclass(frozen=True)
class Backend:
    """An open client and what kind of service it talks to."""

    name: str
    client: DatalabClient


def rate_limiter(rate: str | None) -> RateLimiter:
    """The client-side token bucket for `N/SECONDS` (default 400 per 60 s)."""
    try:
        requests, seconds = parse_rate(rate or DEFAULT_RATE)
    except ValueError as exc:
        raise UsageError(f"rate limit: {exc}") from None
    return RateLimiter(requests, seconds)


@asynccontextmanager
async def open_backend(
    name: str, *, rate: str | None = None, state_dir: Path | None = None
) -> AsyncIterator[Backend]:
    """An open backend for the duration of the block."""
    if name not in BACKENDS:
        raise UsageError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    limiter = rate_limiter(rate)
    if name == "datalab":
        async with DatalabClient.from_env(rate_limiter=limiter) as client:
            yield Backend(name, client)
        return
    # Imported here: FastAPI and the engine load only when the local backend is used.
    from evalspec.api.inprocess import in_process_client
    from evalspec.local import LocalService

    with LocalService(paths.local_data_dir(state_dir), api_key=None) as service:
        async with in_process_client(service.app, rate_limiter=limiter) as client:
            yield Backend(name, client)
