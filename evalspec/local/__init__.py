"""The embedded default: a local Datalab-compatible eval service, in three rooms.

    http/      its HTTP face (app, routes, auth, rate limit, shapes, the uvicorn server)
    store/     its state (sqlite, blobs, one repository per kind of object)
    engine/    its work (document readers, pipelines, checks, scoring); never imports http/
    service.py, worker.py   LocalRuntime ties store and engine together; run threads feed batch
                            runs' files to the engine's worker processes and commit results in
                            batches; http/app.py's LocalService is that runtime with its app

It speaks Datalab's eval API with Datalab's shapes (checked against
`tests/fixtures/datalab-eval-api.components.yaml`), keeps its state in sqlite (WAL)
and content-addressed blobs under a data directory, and processes batch runs in a bounded
background worker pool (`queued` -> `running` -> `completed` | `failed`) that resumes
unfinished runs when it starts again on the same data.

Over HTTP (what `evalspec server` and `python -m evalspec.local` do)::

    serve(ServerOptions(port=0, data_dir=data_dir, rate_limit="100/60"), announce=print)

In-process (what `--backend local` does; httpx's ASGITransport runs no lifespan events, so
the service is started and closed explicitly)::

    with LocalService(paths.local_data_dir(), api_key=None) as service:
        client = httpx.Client(transport=httpx.ASGITransport(app=service.app),
                              base_url="http://evalspec.local")

`create_app(...)` returns an app that starts and closes its own service through the ASGI
lifespan instead (for uvicorn and other servers). Custom pipelines: `register_pipeline`, or the
entry point group `evalspec.local_pipelines`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalspec.local.engine.pipelines import (
        ENTRY_POINT_GROUP,
        PipelineRequest,
        register_pipeline,
        unregister_pipeline,
    )
    from evalspec.local.http.app import LocalService, create_app
    from evalspec.local.http.server import ServerOptions, serve

# Loaded on first use: a parser worker process imports only the engine, not FastAPI and uvicorn.
_HOMES = {
    "ENTRY_POINT_GROUP": "evalspec.local.engine.pipelines",
    "PipelineRequest": "evalspec.local.engine.pipelines",
    "register_pipeline": "evalspec.local.engine.pipelines",
    "unregister_pipeline": "evalspec.local.engine.pipelines",
    "ServerOptions": "evalspec.local.http.server",
    "serve": "evalspec.local.http.server",
    "LocalService": "evalspec.local.http.app",
    "create_app": "evalspec.local.http.app",
}

__all__ = [
    "ENTRY_POINT_GROUP",
    "LocalService",
    "PipelineRequest",
    "ServerOptions",
    "create_app",
    "register_pipeline",
    "serve",
    "unregister_pipeline",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
