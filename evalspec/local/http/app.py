"""The FastAPI application of the local service, and `LocalService`: the runtime with its app.

The app is built here over a `LocalRuntime` (store and workers, in `service.py`), which knows
nothing of HTTP: the face depends on the rooms behind it, never the other way round.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI

from evalspec import __version__
from evalspec.local.engine.noise import ScoreNoise
from evalspec.local.engine.procpool import FileLimits, ProcessPool
from evalspec.local.http import (
    allow,
    errors,
    openapi,
    routes_collections,
    routes_direct,
    routes_extensions,
    routes_files,
    routes_outputs,
    routes_pipelines,
    routes_rubrics,
    routes_runs,
)
from evalspec.local.http.auth import require_api_key
from evalspec.local.http.ratelimit import RateLimitMiddleware
from evalspec.local.service import LocalRuntime
from evalspec.local.store.files import UploadRules


class LocalService(LocalRuntime):
    """The runtime under `data_dir` and the app that serves it (`.app`).

    In-process use (httpx's ASGITransport runs no lifespan events, so the service is started
    by hand)::

        with LocalService(data_dir, api_key=None) as service:
            transport = httpx.ASGITransport(app=service.app)
            with httpx.Client(transport=transport, base_url="http://local") as client: ...
    """

    def __init__(self, data_dir: Path, api_key: str | None, *,
                 rate_limit: tuple[int, float] | None = None, file_delay: float = 0.0,
                 workers: int = 4, manage_lifespan: bool = False,
                 uploads: UploadRules | None = None, limits: FileLimits | None = None,
                 durable: bool = True, parsers: ProcessPool | None = None,
                 score_noise: ScoreNoise | None = None, pages_in_flight: int | None = None) -> None:
        super().__init__(data_dir, api_key, rate_limit=rate_limit, file_delay=file_delay,
                         workers=workers, uploads=uploads, limits=limits, durable=durable,
                         parsers=parsers, score_noise=score_noise, pages_in_flight=pages_in_flight)
        self.app: FastAPI = build_app(self, manage_lifespan=manage_lifespan)


def create_app(data_dir: Path, api_key: str | None, *,
               rate_limit: tuple[int, float] | None = None, file_delay: float = 0.0,
               workers: int = 4, limits: FileLimits | None = None,
               score_noise: ScoreNoise | None = None) -> FastAPI:
    """An app that starts its service on lifespan startup and closes it on shutdown."""
    service = LocalService(data_dir, api_key, rate_limit=rate_limit, file_delay=file_delay,
                           workers=workers, manage_lifespan=True, limits=limits, score_noise=score_noise)
    return service.app


def build_app(service: LocalRuntime, *, manage_lifespan: bool) -> FastAPI:
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
               routes_rubrics, routes_extensions, routes_pipelines)
    for module in routers:
        app.include_router(module.router, dependencies=keyed,
                           responses=errors.answers(401, *limited, 503))
    app.include_router(routes_files.signed_router, responses=errors.answers(*limited, 503))
    if service.rate_limit is not None:
        app.add_middleware(RateLimitMiddleware, limit=service.rate_limit)
    openapi.extend(app)
    return app
