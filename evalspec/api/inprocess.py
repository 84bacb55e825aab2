"""A client for an ASGI app in this process (the local backend): no sockets, same code path."""

from __future__ import annotations

from typing import Any

import httpx

from evalspec.api.client import DatalabClient

IN_PROCESS_URL = "http://evalspec.local"


def in_process_client(app: Any, api_key: str = "local", **kwargs: Any) -> DatalabClient:
    """A `DatalabClient` whose requests are handled by the ASGI `app` directly."""
    return DatalabClient(api_key, IN_PROCESS_URL, transport=httpx.ASGITransport(app=app), **kwargs)
