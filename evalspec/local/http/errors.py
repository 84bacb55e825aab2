"""Every error the local service answers is JSON `{"detail": ...}`, like Datalab's.

    ApiProblem               the routes' expected failures: their status and message
    RequestValidationError   FastAPI's 422 list, with the echoed inputs made safe to serialise
    anything else            a JSON 500, logged, with the connection kept open (`LastResort`)

FastAPI's own answers (404 for an unknown route, 405, 400 for a body that is not JSON) are JSON
already. The OpenAPI document lists each route's error answers: routes declare theirs with
`answers(...)`, the app those of the API key and the rate limit, and `add_shape_answers` those that
follow from a route's shape (added by `openapi.extend`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evalspec.local.http.limits import json_problem
from evalspec.local.problems import ApiProblem

log = logging.getLogger(__name__)

MEANINGS = {
    400: "Bad request: the body is not JSON, or the request breaks a rule of the service",
    401: "Missing or wrong API key (the X-API-Key header)",
    403: "The upload URL has expired",
    404: "Not found",
    409: "The resource's state refuses the request: an upload URL already used, a file without "
         "its bytes, an archived collection",
    413: "The file is larger than the service accepts",
    429: "Rate limit exceeded: retry after the Retry-After header's seconds",
    503: "The service is not running",
}
ECHO_LIMIT = 200  # characters of a refused value echoed back in a 422


class ErrorDetail(BaseModel):
    """Every error answer but a 422: `{"detail": "message"}`."""

    detail: str


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that gives these error answers."""
    return {code: {"model": ErrorDetail, "description": MEANINGS[code]} for code in codes}


def install(app: FastAPI) -> None:
    """JSON error bodies for the route problems, the 422s and whatever escapes them."""
    app.add_exception_handler(ApiProblem, _problem)  # type: ignore[arg-type]  # Starlette types handlers loosely
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]  # same
    app.add_middleware(LastResort)


def add_shape_answers(schema: dict[str, Any]) -> None:
    """The answers that follow from a route's shape: 404 for a path with an id or token in it,
    400 for a body that is not JSON."""
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "ErrorDetail", ErrorDetail.model_json_schema())
    for template, operations in schema["paths"].items():
        for operation in operations.values():
            codes = [404] * ("{" in template) + [400] * ("requestBody" in operation)
            for code in codes:
                operation["responses"].setdefault(str(code), {
                    "description": MEANINGS[code],
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorDetail"}}}})


async def _problem(request: Request, exc: ApiProblem) -> JSONResponse:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's own handler echoes each refused input as it is; a NaN, a lone surrogate or a
    # deeply nested body cannot be written as JSON, and would turn the 422 into a 500.
    return JSONResponse({"detail": [_safe_error(e) for e in exc.errors()]}, status_code=422)


def _safe_error(error: dict[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {"type": _text(error.get("type", "")),
                            "loc": [p if isinstance(p, int) else _text(p)
                                    for p in error.get("loc", ())],
                            "msg": _text(error.get("msg", ""))}
    if "input" in error and (echo := _echo(error["input"])) is not None:
        safe["input"] = echo
    if isinstance(error.get("ctx"), dict):
        safe["ctx"] = {_text(k): _echo(v) for k, v in error["ctx"].items()}
    return safe


def _echo(value: Any) -> Any:
    """`value` if it is small, plain JSON; a cut string for other scalars; else None."""
    if json_problem(value) is None:
        try:
            if len(json.dumps(value, allow_nan=False)) <= ECHO_LIMIT:
                return value
        except (TypeError, ValueError):
            pass
    return None if isinstance(value, (dict, list)) else _text(value)


def _text(value: Any) -> str:
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "..."


class LastResort:
    """A JSON 500 for an exception nothing else handled, without re-raising it.

    Starlette's outermost middleware re-raises after its plain-text 500, and uvicorn then
    closes the connection, which resets the client's next request on it. The traceback goes to
    the log instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("internal error answering %s %s", scope["method"], scope["path"])
            if started:
                raise  # half an answer is out: only closing the connection can end it
            detail = "Internal error in the local eval service; the server's log has the details"
            await JSONResponse({"detail": detail}, status_code=500)(scope, receive, send)
