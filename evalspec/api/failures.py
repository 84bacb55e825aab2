"""Turn failed HTTP exchanges into evalspec's errors, each one clear line.

Every error raised by the client says whether the request may have reached the server and
acted (`may_have_acted`): the executor needs that to decide between "submit again" and "look
for the run first". Messages never contain the API key: any text that came from elsewhere is
scrubbed of it before it goes into a message.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from evalspec.errors import AuthError, NetworkError, RemoteError, ServerError

_MAX_DETAIL = 300


class ApiNetworkError(NetworkError):
    """The service could not be reached; `may_have_acted` if a request may have got through."""

    def __init__(self, message: str, *, may_have_acted: bool) -> None:
        super().__init__(message)
        self.may_have_acted = may_have_acted


class ApiServerError(ServerError):
    """The service answered with an error; `may_have_acted` unless it surely did nothing."""

    def __init__(self, message: str, status_code: int | None, *, may_have_acted: bool) -> None:
        super().__init__(message, status_code)
        self.may_have_acted = may_have_acted


def may_have_acted(exc: BaseException) -> bool:
    """Whether a failed request may nonetheless have changed state on the server."""
    return bool(getattr(exc, "may_have_acted", False))


def scrub(text: str, secret: str) -> str:
    """`text` with every occurrence of `secret` masked, raw or in the escaped forms a message
    may quote it in (repr, JSON, bytes repr, percent-encoding)."""
    if not secret:
        return text
    for form in sorted(_forms(secret), key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _forms(secret: str) -> set[str]:
    raw = secret.encode("utf-8", errors="backslashreplace")
    forms = {
        secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(raw)[2:-1], secret.encode("unicode_escape").decode("ascii"), quote(secret, safe=""),
    }
    return {form for form in forms if form}


def detail_line(response: httpx.Response) -> str:
    """The server's `detail` as one line; FastAPI 422 lists become `body.x: msg; ...`."""
    try:
        detail: Any = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if detail is None:
        detail = response.text.strip() or response.reason_phrase or "no detail"
    text = _flatten(detail) if isinstance(detail, list) else str(detail)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def _flatten(items: list[Any]) -> str:
    parts = []
    for item in items:
        if isinstance(item, dict):
            loc = ".".join(str(p) for p in item.get("loc") or ())
            msg = str(item.get("msg", item))
            parts.append(f"{loc}: {msg}" if loc else msg)
        else:
            parts.append(str(item))
    return "; ".join(parts)


def where(request: httpx.Request) -> str:
    """`METHOD /path` of a request, without query (a presigned URL's query is a credential)."""
    return f"{request.method} {request.url.path}"


def error_for_response(
    response: httpx.Response, *, attempts: int, acted: bool, secret: str
) -> RemoteError:
    """The error for a final non-success answer."""
    status = response.status_code
    detail = scrub(detail_line(response), secret)
    # Only blame the key when the request carried it: a presigned storage URL gets none, and its
    # refusal (an expired URL) is a server error like any other.
    if status == 401 and "x-api-key" in response.request.headers:
        return AuthError(f"the service refused the API key (401): {detail}")
    # A 403 is a permission or plan limit on an accepted key, not a bad key; from presigned
    # storage (no key sent) it means an expired URL.
    if status == 403 and "x-api-key" in response.request.headers:
        return AuthError(f"permission denied (403) for {where(response.request)}: {detail}")
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    message = f"{where(response.request)} failed ({status}){tries}: {detail}"
    return ApiServerError(message, status, may_have_acted=acted)


def error_for_transport(
    exc: httpx.TransportError,
    request: httpx.Request,
    *,
    attempts: int,
    acted: bool,
    secret: str,
) -> ApiNetworkError:
    """The error for a final transport failure (refused, reset, timed out...)."""
    host = urlsplit(str(request.url)).netloc.rpartition("@")[2]
    reason = scrub(str(exc) or type(exc).__name__, secret)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    message = f"cannot reach {host} ({where(request)}){tries}: {type(exc).__name__}: {reason}"
    return ApiNetworkError(message, may_have_acted=acted)
