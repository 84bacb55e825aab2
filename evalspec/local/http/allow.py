"""405 answers whose `Allow` header names every method the path takes.

Starlette answers 405 from the first route whose path matches, so `Allow` named only that route's
method (`POST` for `/api/v1/collections`, which also takes `GET`), which tells a client that the
path takes one method less than it does (RFC 9110 15.5.6: Allow lists the methods the resource
supports). Here the header is the union over every route of the app that matches the path.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def install(app: FastAPI) -> None:
    """Every HTTP exception keeps FastAPI's own JSON answer; a 405 gets the full `Allow`."""
    app.add_exception_handler(HTTPException, _answer)  # type: ignore[arg-type]  # Starlette types handlers loosely


async def _answer(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return await http_exception_handler(request, exc)


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of the app fully matches on the request's path, in METHODS order.

    Asked through `matches` (Starlette's public routing question) with each method in turn:
    FastAPI's included routers keep their routes behind it."""
    routes = request.app.router.routes
    return [method for method in METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
                   for route in routes)]
