"""The embedded default: a local Datalab-compatible eval service.

It speaks the API of `datalab-api.md` with Datalab's shapes, keeps its state in sqlite (WAL)
and content-addressed blobs under a data directory, and processes batch runs in a bounded
background worker pool (`queued` -> `running` -> `completed` | `failed`) that resumes
unfinished runs when it starts again on the same data.

Over HTTP (what `evalspec server` and `python -m evalspec.local` do)::

    serve("127.0.0.1", 0, data_dir, api_key, "100/60", 0.0)

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

from evalspec.local.pipelines import (
    ENTRY_POINT_GROUP,
    PipelineRequest,
    register_pipeline,
    unregister_pipeline,
)
from evalspec.local.ratelimit import parse_rate_limit
from evalspec.local.server import serve
from evalspec.local.service import LocalService, create_app

__all__ = [
    "ENTRY_POINT_GROUP",
    "LocalService",
    "PipelineRequest",
    "create_app",
    "parse_rate_limit",
    "register_pipeline",
    "serve",
    "unregister_pipeline",
]
