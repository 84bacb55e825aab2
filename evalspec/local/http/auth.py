"""The `X-API-Key` check every endpoint but the signed upload URL goes through."""

from __future__ import annotations

import secrets

from fastapi import Request

from evalspec.local.problems import ApiProblem


def require_api_key(request: Request) -> None:
    """401 unless the header carries the service's key (any key when the service has none)."""
    expected: str | None = request.app.state.service.api_key
    given = request.headers.get("x-api-key")
    if expected is None:
        return
    if not given:
        raise ApiProblem(401, "Missing API key: send it in the X-API-Key header")
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise ApiProblem(401, "Invalid API key")
