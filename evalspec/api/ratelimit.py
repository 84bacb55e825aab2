"""A client-side rate limiter, so that submissions and polls together stay under the budget.

Datalab counts every request against one budget (400 per 60 s in its newer docs). Sending at
the budget's pace is cheaper than being told off with 429s, so every API request first takes a
slot here. The limiter keeps the send times of the last N requests (a sliding log) and lets a
request go only when fewer than N went in the past W seconds. That is a token bucket of
capacity N refilled one slot W seconds after each use; unlike the textbook bucket refilled at
N/W per second, it never lets more than N through in any window, which a server counting per
window (fixed or sliding) would answer with 429s. Time is a seam: tests pass a fake clock and
sleep and never wait.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

import anyio

from evalspec.base.rates import DEFAULT_RATE, parse_rate

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_CAPACITY, DEFAULT_WINDOW = parse_rate(DEFAULT_RATE)


class RateLimiter:
    """Allow at most `capacity` requests in any `window` seconds; bursts up to `capacity`."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        window: float = DEFAULT_WINDOW,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if capacity < 1 or not window > 0:
            raise ValueError("capacity must be >= 1 and window > 0")
        self.capacity = capacity
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque(maxlen=capacity)
        self._paused_until = float("-inf")
        # Waiters queue on the lock in arrival order, so nobody starves.
        self._lock = anyio.Lock()

    @classmethod
    def from_rate(
        cls, text: str, *, clock: Clock = time.monotonic, sleep: Sleep = anyio.sleep
    ) -> RateLimiter:
        """A limiter from a `N/SECONDS` string."""
        capacity, window = parse_rate(text)
        return cls(capacity, window, clock=clock, sleep=sleep)

    async def acquire(self) -> None:
        """Wait until a request may be sent, and take its slot."""
        async with self._lock:
            now = self._clock()
            start = max(now, self._paused_until)
            if len(self._sent) == self.capacity:
                # The oldest of the last N sends leaves the window at oldest + W.
                start = max(start, self._sent[0] + self.window)
            self._sent.append(start)
            if start > now:
                await self._sleep(start - now)

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds`: the server said 429 with a Retry-After for everyone."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class NoBudget(RateLimiter):
    """No client-side budget, for a service in this process: only a server's 429 pauses sends."""

    async def acquire(self) -> None:
        """Wait only while paused by a Retry-After."""
        wait = self._paused_until - self._clock()
        if wait > 0:
            await self._sleep(wait)
