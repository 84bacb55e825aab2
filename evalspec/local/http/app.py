"""The FastAPI application of the local service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from evalspec import __version__
from evalspec.local.http import (
    routes_collections,
    routes_direct,
    routes_files,
    routes_rubrics,
    routes_runs,
)
from evalspec.local.http.auth import require_api_key
from evalspec.local.http.ratelimit import RateLimitMiddleware
from evalspec.local.problems import ApiProblem

if TYPE_CHECKING:
    from evalspec.local.service import LocalService


def build_app(service: LocalService, *, manage_lifespan: bool) -> FastAPI:
    """The app over `service`; with `manage_lifespan` it starts and closes the service itself."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(title="evalspec local eval service", version=__version__,
                  lifespan=lifespan if manage_lifespan else None)
    app.state.service = service
    app.add_exception_handler(ApiProblem, _problem)  # type: ignore[arg-type]  # Starlette types handlers loosely
    keyed = [Depends(require_api_key)]
    for module in (routes_runs, routes_collections, routes_files, routes_direct, routes_rubrics):
        app.include_router(module.router, dependencies=keyed)
    app.include_router(routes_files.signed_router)
    if service.rate_limit is not None:
        app.add_middleware(RateLimitMiddleware, limit=service.rate_limit)
    return app


async def _problem(request: Request, exc: ApiProblem) -> JSONResponse:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
