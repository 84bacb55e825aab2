"""A fault injector for tests: ASGI middleware around any app (the local server, a fake).

It numbers the requests it sees that `match` accepts (1-based) and, for the numbers given in
`faults`, either answers before the app sees the request (`before(429)`, `before(503)`: the
server did not act) or lets the app act and then spoils the answer (`after_500()`: replaced by
a 500; `drop()`: the connection dies after the headers). Use it in-process through
`httpx.ASGITransport(app=FaultInjector(app, ...))` or under uvicorn for a real socket.

A dropped response reaches an in-process client as `ConnectionDropped`, an httpx transport
error, exactly as a reset socket would; under uvicorn the connection is closed mid-response.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
App = Callable[[Scope, Receive, Send], Any]


class ConnectionDropped(httpx.RemoteProtocolError):
    """The injector dropped the response after the app had acted."""


@dataclass(frozen=True)
class Fault:
    """What to do to one request."""

    when: Literal["before", "after"]
    status: int | None = None  # None with when="after" means drop the connection
    retry_after: str | None = None


def before(status: int, retry_after: str | None = None) -> Fault:
    """Answer `status` without forwarding: the app never sees the request."""
    return Fault("before", status, retry_after)


def after_500() -> Fault:
    """Forward, let the app act, then answer 500 instead of its response."""
    return Fault("after", 500)


def drop() -> Fault:
    """Forward, let the app act, then drop the connection."""
    return Fault("after", None)


def match_all(method: str, path: str) -> bool:
    """The default filter: every request counts."""
    return True


def matching(method: str, path_prefix: str) -> Callable[[str, str], bool]:
    """A filter counting only `method` requests whose path starts with `path_prefix`."""
    return lambda m, p: m == method and p.startswith(path_prefix)


@dataclass
class FaultInjector:
    """ASGI middleware injecting `faults[n]` into the n-th matching request."""

    app: App
    faults: Mapping[int, Fault] = field(default_factory=dict)
    match: Callable[[str, str], bool] = match_all
    chooser: Callable[[int], Fault | None] | None = None
    seen: int = 0
    injected: list[tuple[int, str, str, Fault]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def randomly(cls, app: App, *, seed: int, rate: float, **kwargs: Any) -> FaultInjector:
        """Inject a random fault (of the four kinds) into each matching request with `rate`."""
        rng = random.Random(seed)
        kinds = [before(429, "0"), before(503), after_500(), drop()]
        return cls(
            app, chooser=lambda n: rng.choice(kinds) if rng.random() < rate else None, **kwargs
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self._fault_for(scope)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.when == "before":
            await _answer(send, fault.status or 503, fault.retry_after)
        else:
            await self._spoil(scope, receive, send, fault)

    def _fault_for(self, scope: Scope) -> Fault | None:
        if scope["type"] != "http" or not self.match(scope["method"], scope["path"]):
            return None
        with self._lock:
            self.seen += 1
            n = self.seen
        fault = self.chooser(n) if self.chooser else self.faults.get(n)
        if fault is not None:
            self.injected.append((n, scope["method"], scope["path"], fault))
        return fault

    async def _spoil(self, scope: Scope, receive: Receive, send: Send, fault: Fault) -> None:
        async def swallow(message: Message) -> None:
            pass  # the app acts; its answer is lost

        await self.app(scope, receive, swallow)
        if fault.status is not None:
            await _answer(send, fault.status, None)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
            }
        )
        raise ConnectionDropped("fault injector dropped the response after the app acted")


async def _answer(send: Send, status: int, retry_after: str | None) -> None:
    body = json.dumps({"detail": f"injected fault {status}"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
