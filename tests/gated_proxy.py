"""A loopback HTTP proxy with a gate the test controls: hold a client mid-request, never by timing.

    with gated_proxy(server.url) as proxy:       # the gate starts closed
        start_cli(..., DATALAB_BASE_URL=proxy.url)
        proxy.wait_held()                         # a request is parked at the gate
        ...                                       # the client is provably mid-flight
        proxy.open()                              # parked requests are dropped; later ones pass

While the gate is closed every request is parked, so retries and timeouts of the held client
cannot slip past it. When it opens, the parked requests are answered 503 without reaching the
server (their client is usually dead by then, and a late create would be a side effect nobody
asked for); requests that arrive after that are forwarded to the upstream server unchanged.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

HELD_DEADLINE = 30.0
# Hop-by-hop and body-framing headers: the proxy frames its own messages.
_SKIP_REQUEST = {"host", "connection", "content-length", "transfer-encoding", "accept-encoding"}
_SKIP_RESPONSE = {"connection", "content-length", "transfer-encoding", "content-encoding", "server", "date"}


class GatedProxy(ThreadingHTTPServer):
    """Forwards to `upstream` once its gate is open; parks every request while it is closed."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = httpx.Client(base_url=upstream, timeout=60)
        self.opened = threading.Event()
        self.held = threading.Event()
        self.held_paths: list[str] = []
        self.forwarded: list[str] = []  # `METHOD /path` of every request let through
        self.statuses: Counter[int] = Counter()  # the upstream's answers, by status code

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def wait_held(self, deadline: float = HELD_DEADLINE) -> None:
        """Block until a request is parked at the closed gate (fails the test at the deadline)."""
        if not self.held.wait(deadline):
            raise AssertionError(f"no request reached the gate within {deadline}s")

    def open(self) -> None:
        """Drop the parked requests (503) and forward every later one."""
        self.opened.set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a killed client leaves a broken pipe behind: expected, not a test failure


class _Handler(BaseHTTPRequestHandler):
    server: GatedProxy

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.server.opened.is_set():
            self.server.held_paths.append(f"{self.command} {self.path}")
            self.server.held.set()
            self.server.opened.wait()
            self._answer(503, {}, b'{"detail": "dropped at the test gate"}')
            return
        self.server.forwarded.append(f"{self.command} {self.path}")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _SKIP_REQUEST}
        answer = self.server.upstream.request(self.command, self.path, headers=headers, content=body)
        self.server.statuses[answer.status_code] += 1
        self._answer(answer.status_code, answer.headers, answer.content)

    def _answer(self, status: int, headers: Any, body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in _SKIP_RESPONSE:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows the test's own output


@contextmanager
def gated_proxy(upstream: str) -> Iterator[GatedProxy]:
    """A proxy to `upstream` on a free loopback port, its gate closed, for the block."""
    proxy = GatedProxy(upstream)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.open()  # never leave a parked handler behind
        proxy.shutdown()
        thread.join(10)
        proxy.server_close()
        proxy.upstream.close()
