"""The `--rate-limit N/SECONDS` knob: one sliding-window budget shared by every endpoint."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send


class SlidingWindow:
    """At most `limit` acquisitions in any `window` seconds."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        with self._lock:
            now = self.clock()
            while self._stamps and self._stamps[0] <= now - self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                self._stamps.append(now)
                return 0.0
            return self._stamps[0] + self.window - now


class RateLimitMiddleware:
    """Answers 429 with a Retry-After header once the shared budget is spent."""

    def __init__(self, app: ASGIApp, limit: tuple[int, float]) -> None:
        self.app = app
        self.window = SlidingWindow(*limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wait = self.window.acquire() if scope["type"] == "http" else 0.0
        if not wait:
            await self.app(scope, receive, send)
            return
        limit = f"{self.window.limit} requests per {self.window.window:g} seconds"
        body = json.dumps({"detail": f"Rate limit exceeded: {limit}. Retry later."}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"retry-after", str(max(1, math.ceil(wait))).encode()),
                   (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
