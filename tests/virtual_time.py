"""A time seam for tests: a clock that a sleep moves forward at once instead of waiting.

`VirtualTime` reads the real clocks plus an offset; `sleep(s)` adds `s` to the offset and yields
to the event loop (as a real sleep would), so a client told to wait out a minute carries on at
once while every clock it reads agrees the minute has passed. Give one instance's `wall` and
`sleep` to a `RetryPolicy` and its `monotonic` and `sleep` to a `RateLimiter`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import anyio


@dataclass
class VirtualTime:
    """Real time plus what the code under test has slept; `slept` lists each sleep."""

    offset: float = 0.0
    slept: list[float] = field(default_factory=list)

    def wall(self) -> float:
        """`time.time()`, moved on by every sleep."""
        return time.time() + self.offset

    def monotonic(self) -> float:
        """`time.monotonic()`, moved on by every sleep."""
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.offset += max(0.0, seconds)
        await anyio.sleep(0)
