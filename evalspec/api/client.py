"""`DatalabClient`: the one HTTP client of evalspec, for Datalab and for the local backend.

One `httpx.AsyncClient` under a rate limiter and a retry policy, with typed endpoint groups:
`client.runs`, `client.collections`, `client.files`, `client.rubrics`. The local backend runs
in-process by passing `transport=httpx.ASGITransport(app=...)`: nothing else changes.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from evalspec.api.collections import Collections
from evalspec.api.extensions import Extensions
from evalspec.api.files import Files
from evalspec.api.pipelines import Pipelines
from evalspec.api.ratelimit import RateLimiter
from evalspec.api.retry import RetryPolicy
from evalspec.api.rubrics import Rubrics
from evalspec.api.runs import BatchRuns
from evalspec.api.sender import Secret, Sender
from evalspec.api.stats import RequestStats
from evalspec.base.endpoint import API_KEY_ENV, DEFAULT_BASE_URL, base_url_from_env
from evalspec.errors import AuthError, InputError

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class DatalabClient:
    """Async client of the Datalab eval API. Use as `async with DatalabClient(...) as client:`."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not api_key:
            raise AuthError(f"no API key: set {API_KEY_ENV}")
        check_key_text(api_key)
        self.base_url = base_url.rstrip("/")
        # In-process transports never leave the process, so plain http is harmless there.
        if transport is None:
            check_key_destination(self.base_url)
        self.stats = RequestStats()
        self._http = httpx.AsyncClient(
            base_url=self.base_url, transport=transport, timeout=timeout, follow_redirects=False
        )
        self.sender = Sender(
            self._http,
            api_key=Secret(api_key),
            limiter=rate_limiter or RateLimiter(),
            policy=retry or RetryPolicy(),
            stats=self.stats,
        )
        self.runs = BatchRuns(self.sender)
        self.collections = Collections(self.sender)
        self.files = Files(self.sender)
        self.rubrics = Rubrics(self.sender)
        self.extensions = Extensions(self.sender)
        self.pipelines = Pipelines(self.sender)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> DatalabClient:
        """A client for `DATALAB_API_KEY` at `DATALAB_BASE_URL` (default Datalab itself)."""
        source = os.environ if env is None else env
        key = source.get(API_KEY_ENV, "").strip()
        if not key:
            raise AuthError(f"no Datalab API key: set {API_KEY_ENV} (or use --backend local)")
        return cls(key, base_url_from_env(source), **kwargs)

    def __repr__(self) -> str:
        return f"DatalabClient(base_url={self.base_url!r})"


    async def __aenter__(self) -> DatalabClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def check_key_text(api_key: str) -> None:
    """Refuse (exit 2) a key that no HTTP header can carry, without echoing any of it: a
    control character would end up, escaped, in an httpx error message, a non-ASCII one in a
    codec's."""
    for position, char in enumerate(api_key, start=1):
        if not " " <= char <= "~":
            control = char.isascii() or not char.isprintable()
            what = "a control character" if control else "a non-ASCII character"
            raise InputError(
                f"the API key ({API_KEY_ENV}) has {what} at position {position}; a key is printable "
                "ASCII: check how it was set (a pasted newline or quote?)"
            )


def check_key_destination(base_url: str) -> None:
    """Refuse (AuthError) to send the key in clear text anywhere but this machine."""
    parts = urlsplit(base_url)
    if parts.scheme == "https":
        return
    if parts.scheme != "http":
        raise AuthError(f"base URL {base_url!r} must start with https:// (or http:// for loopback)")
    if not is_loopback(parts.hostname or ""):
        raise AuthError(
            f"refusing to send the API key over plain http to {parts.hostname}: "
            "use https://, or http:// only for 127.0.0.1, ::1 or localhost"
        )


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
