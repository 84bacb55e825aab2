"""The `X-API-Key` check every endpoint but the signed upload URL goes through."""

from __future__ import annotations

import secrets

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from evalspec.local.problems import ApiProblem

# Declared through FastAPI's security class so that the OpenAPI document names the scheme
# (`APIKeyHeader`, as Datalab's does) on every keyed operation; the check itself stays ours, so a
# missing key is our JSON 401, not FastAPI's 403.
API_KEY = APIKeyHeader(name="X-API-Key", scheme_name="APIKeyHeader", auto_error=False)


def require_api_key(request: Request, given: str | None = Security(API_KEY)) -> None:
    """401 unless the header carries the service's key (any key when the service has none)."""
    expected: str | None = request.app.state.service.api_key
    if expected is None:
        return
    if not given:
        raise ApiProblem(401, "Missing API key: send it in the X-API-Key header")
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise ApiProblem(401, "Invalid API key")
