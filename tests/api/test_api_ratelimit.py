"""The token bucket, driven by a fake clock: no test waits in real time."""

from __future__ import annotations

import anyio
import pytest

from evalspec.api.ratelimit import NoBudget, RateLimiter

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.sleep(0)  # let other tasks run, as a real sleep would


def limiter(time: FakeTime, rate: str = "4/2") -> RateLimiter:
    return RateLimiter.from_rate(rate, clock=time.clock, sleep=time.sleep)


async def test_burst_up_to_capacity_then_one_slot_per_expiry() -> None:
    time = FakeTime()
    bucket = limiter(time, "4/2")
    for _ in range(4):
        await bucket.acquire()
    assert time.now == 0.0
    await bucket.acquire()
    assert time.now == pytest.approx(2.0)


async def test_never_more_than_capacity_in_any_window() -> None:
    time = FakeTime()
    bucket = limiter(time, "10/1")
    stamps = []
    for i in range(105):
        if i % 7 == 0:
            time.now += 0.13  # irregular arrivals
        await bucket.acquire()
        stamps.append(time.now)
    for i, start in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s < start + 1.0 - 1e-9]
        assert len(in_window) <= 10
    # ...and it is not slower than it must be: ten per second, after the first burst.
    assert stamps[-1] - stamps[0] <= 10.0 + 1.5


async def test_slots_free_up_while_idle() -> None:
    time = FakeTime()
    bucket = limiter(time, "4/2")
    for _ in range(4):
        await bucket.acquire()
    time.now += 100.0
    for _ in range(4):
        await bucket.acquire()
    assert time.sleeps == []
    await bucket.acquire()
    assert time.sleeps == [pytest.approx(2.0)]


async def test_pause_holds_every_request_until_it_ends() -> None:
    time = FakeTime()
    bucket = limiter(time, "4/2")
    bucket.pause(3.0)
    await bucket.acquire()
    await bucket.acquire()
    assert time.now == pytest.approx(3.0)


async def test_concurrent_waiters_share_the_budget() -> None:
    time = FakeTime()
    bucket = limiter(time, "2/1")
    done: list[float] = []

    async def worker() -> None:
        await bucket.acquire()
        done.append(time.now)

    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(worker)
    assert sorted(done) == pytest.approx([0.0, 0.0, 1.0, 1.0, 2.0, 2.0])


def test_rejects_bad_construction() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 60)


async def test_no_budget_never_waits_but_honours_a_pause() -> None:
    time = FakeTime()
    limiter = NoBudget(clock=time.clock, sleep=time.sleep)
    for _ in range(1000):  # far past Datalab's 400 per 60 s
        await limiter.acquire()
    assert time.sleeps == []
    limiter.pause(3)
    await limiter.acquire()
    assert time.sleeps == [3]
