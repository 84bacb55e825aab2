"""The FastAPI application of the local service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI

from evalspec import __version__
from evalspec.local.http import (
    allow,
    errors,
    openapi,
    routes_collections,
    routes_direct,
    routes_extensions,
    routes_files,
    routes_outputs,
    routes_rubrics,
    routes_runs,
)
from evalspec.local.http.auth import require_api_key
from evalspec.local.http.ratelimit import RateLimitMiddleware

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
    errors.install(app)
    allow.install(app)
    keyed = [Depends(require_api_key)]
    limited = (429,) if service.rate_limit is not None else ()
    routers = (routes_runs, routes_outputs, routes_collections, routes_files, routes_direct,
               routes_rubrics, routes_extensions)
    for module in routers:
        app.include_router(module.router, dependencies=keyed,
                           responses=errors.answers(401, *limited, 503))
    app.include_router(routes_files.signed_router, responses=errors.answers(*limited, 503))
    if service.rate_limit is not None:
        app.add_middleware(RateLimitMiddleware, limit=service.rate_limit)
    openapi.extend(app)
    return app
