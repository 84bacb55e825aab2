"""A Datalab that differs from ours: ASGI middleware rewriting the local service's answers.

Datalab's docs leave open the score scale, the status words, nullability and more; our local
service answers one way. `Variant` answers another way, in front of the real local service:

    Variant(app, score_scale=100)                     scores on 0-100
    Variant(app, score_scale=100, scaled=("eval_score",))   files' scores on 0-100, runs' on 0..1
    Variant(app, statuses={"completed": "done"})      other status words (runs and files)
    Variant(app, stuck_status="mystery")              runs that never finish, in an unknown word
    Variant(app, null_counts=True)                    null total_files / completed_files
    Variant(app, text_ids=True)                       run ids that are not numbers
    Variant(app, garbled_start=True)                  POST /eval_batch_runs acts, answers nonsense
    Variant(app, forbidden="plan does not include evals")   403 on every API call
    Variant(app, no_extensions=True)                  no local extensions (no rubric create)
    Variant(app, page_refusal={"status": "rate_limited", "eval_results": {}})
                                                      page-limit refusals in another shape

`serving(app)` runs any ASGI app under uvicorn on a loopback port in a thread, so the real CLI
reaches it as it would reach Datalab (DATALAB_BASE_URL).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from evalspec.local.store.pages import PAGE_LIMIT_MESSAGE

Scope = dict[str, Any]
Message = dict[str, Any]
App = Callable[..., Any]

RUNS = "/api/v1/eval_batch_runs"
SCORE_KEYS = ("avg_score", "eval_score", "last_eval_score")
PAGE_LIMIT_PREFIX = PAGE_LIMIT_MESSAGE.split(":")[0]


@dataclass
class Variant:
    """ASGI middleware: forwards every request to `app` and rewrites the JSON answers."""

    app: App
    score_scale: float = 1.0
    scaled: tuple[str, ...] = SCORE_KEYS  # the score keys that score_scale multiplies
    statuses: Mapping[str, str] = field(default_factory=dict)
    stuck_status: str | None = None
    null_counts: bool = False
    text_ids: bool = False
    garbled_start: bool = False
    forbidden: str | None = None
    no_extensions: bool = False  # Datalab as documented: no rubric create, no evalspec endpoints
    unadvertised: bool = False  # our endpoints answer, but the capability probe does not (a Datalab
    # that creates rubrics would say so in its OpenAPI document only)
    page_refusal: Mapping[str, Any] | None = None  # the fields of a file result the page limit refused
    # (`--pages-in-flight`), in place of ours: the docs show only "Page rate limit exceeded ..."

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._refusal(scope["method"], scope["path"])
        if refused is not None:
            await _answer(send, *refused)
            return
        status, headers, body = await _collect(self.app, scope, receive)
        if body and _is_json(headers):
            body = json.dumps(self._rewrite(scope["method"], scope["path"], json.loads(body))).encode()
        await _answer(send, status, body, headers)

    def _refusal(self, method: str, path: str) -> tuple[int, bytes] | None:
        if self.forbidden is not None and path.startswith("/api/"):
            return 403, json.dumps({"detail": self.forbidden}).encode()
        if self.no_extensions and method == "POST" and path == "/api/v1/eval_rubrics":
            return 404, b'{"detail": "Not Found"}'
        if (self.no_extensions or self.unadvertised) and path.startswith("/api/v1/evalspec/"):
            return 404, b'{"detail": "Not Found"}'
        return None

    def _rewrite(self, method: str, path: str, data: Any) -> Any:
        if self.garbled_start and method == "POST" and path == RUNS:
            return {"message": "batch run accepted", "batch": {"ref": "br-" + str(data.get("id"))}}
        if path == "/openapi.json":
            return self._documented(data)
        return _walk(data, self._rewrite_object)

    def _documented(self, document: dict[str, Any]) -> dict[str, Any]:
        """The OpenAPI document of the endpoints this variant answers."""
        paths = dict(document.get("paths", {}))
        if self.no_extensions:
            paths = {path: ops for path, ops in paths.items() if not path.startswith("/api/v1/evalspec/")}
            rubrics = paths.get("/api/v1/eval_rubrics", {})
            paths["/api/v1/eval_rubrics"] = {method: op for method, op in rubrics.items() if method != "post"}
        return {**document, "paths": paths}

    def _rewrite_object(self, item: dict[str, Any]) -> dict[str, Any]:
        item = dict(item)
        if self.page_refusal is not None and _page_refused(item):
            item.update(self.page_refusal)
        for key in self.scaled:
            if isinstance(item.get(key), (int, float)):
                item[key] = item[key] * self.score_scale
        if isinstance(item.get("status"), str):
            item["status"] = self.statuses.get(item["status"], item["status"])
        if "total_files" in item:
            self._rewrite_run(item)
        return item

    def _rewrite_run(self, run: dict[str, Any]) -> None:
        if self.stuck_status is not None:
            run["status"], run["completed_at"] = self.stuck_status, None
        if self.null_counts:
            run["total_files"] = run["completed_files"] = None
        if self.text_ids:
            run["id"] = f"run_{run['id']}"


def _page_refused(item: dict[str, Any]) -> bool:
    """Whether `item` is a file result the local service's page limit refused."""
    results = item.get("eval_results")
    return isinstance(results, dict) and str(results.get("error", "")).startswith(PAGE_LIMIT_PREFIX)


def _walk(data: Any, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Every object of a JSON value rewritten, innermost first."""
    if isinstance(data, list):
        return [_walk(item, rewrite) for item in data]
    if isinstance(data, dict):
        return rewrite({key: _walk(value, rewrite) for key, value in data.items()})
    return data


async def _collect(app: App, scope: Scope, receive: Callable[..., Any]) -> tuple[int, list[Any], bytes]:
    """The app's whole answer: status, headers and body."""
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return started["status"], list(started.get("headers", [])), b"".join(chunks)


def _is_json(headers: list[Any]) -> bool:
    return any(k.lower() == b"content-type" and b"json" in v for k, v in headers)


async def _answer(send: Callable[..., Any], status: int, body: bytes,
                  headers: list[Any] | None = None) -> None:
    kept = [(k, v) for k, v in headers or [(b"content-type", b"application/json")]
            if k.lower() != b"content-length"]
    kept.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": kept})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def serving(app: App) -> Iterator[str]:
    """`app` under uvicorn on a free loopback port for the block; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()
