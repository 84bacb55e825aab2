"""A client-side token bucket, so that submissions and polls together stay under the budget.

Datalab counts every request against one budget (400 per 60 s in its newer docs). Sending at
the budget's pace is cheaper than being told off with 429s, so every request the client makes
first takes a token here. Time is a seam: tests pass a fake clock and sleep and never wait.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_RATE = "400/60"


def parse_rate(text: str) -> tuple[int, float]:
    """Parse `N/SECONDS` ("400/60") into (400, 60.0); raise ValueError naming the problem."""
    count, sep, window = text.strip().partition("/")
    try:
        if not sep:
            raise ValueError("missing '/'")
        result = (int(count), float(window))
    except ValueError:
        raise ValueError(f"rate limit {text!r} is not of the form N/SECONDS, e.g. 400/60") from None
    if result[0] < 1 or result[1] <= 0:
        raise ValueError(f"rate limit {text!r} needs N >= 1 and SECONDS > 0")
    return result


class RateLimiter:
    """Allow at most `capacity` requests per `window` seconds, with bursts up to `capacity`."""

    def __init__(
        self,
        capacity: int = 400,
        window: float = 60.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if capacity < 1 or window <= 0:
            raise ValueError("capacity must be >= 1 and window > 0")
        self.capacity = capacity
        self.window = window
        self._rate = capacity / window
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._stamp = clock()
        self._paused_until = self._stamp
        # One waiter at a time: the lock queues callers fairly, so nobody starves.
        self._lock = anyio.Lock()

    @classmethod
    def from_rate(
        cls, text: str, *, clock: Clock = time.monotonic, sleep: Sleep = anyio.sleep
    ) -> RateLimiter:
        """A limiter from a `N/SECONDS` string."""
        capacity, window = parse_rate(text)
        return cls(capacity, window, clock=clock, sleep=sleep)

    async def acquire(self) -> None:
        """Wait until a request may be sent, and take its token."""
        async with self._lock:
            while (wait := self._wait_time()) > 0:
                await self._sleep(wait)
            self._tokens -= 1.0

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds`: the server said 429 with a Retry-After for everyone."""
        now = self._clock()
        self._paused_until = max(self._paused_until, now + seconds)
        # The server's budget is spent: no tokens accrue during the pause, so no burst after it.
        self._refill(now)
        self._tokens = min(self._tokens, 0.0)
        self._stamp = self._paused_until

    def _wait_time(self) -> float:
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now
        self._refill(now)
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self._rate

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(
                float(self.capacity), self._tokens + (now - self._stamp) * self._rate
            )
            self._stamp = now
