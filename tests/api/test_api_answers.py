"""Answers that surprise the client: shapes, nulls, 403s, 429s without Retry-After, short listings.

Each case serves a fixed answer from a tiny in-process app (the httpx transport seam) and checks
that the client turns it into the documented outcome: a RemoteError naming endpoint and field,
an unknown value, or a wait, never an internal error.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from evalspec.api import DatalabClient, RetryPolicy, may_have_acted
from evalspec.api.answers import ApiShapeError
from evalspec.api.paging import ListingTruncated
from evalspec.api.ratelimit import RateLimiter
from evalspec.errors import AuthError, RemoteError

pytestmark = pytest.mark.anyio
RUN = {"id": 5, "collection_id": 1, "status": "queued", "total_files": 2, "completed_files": 0}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def serving(*answers: tuple[int, Any, dict[str, str]]) -> tuple[Starlette, list[str]]:
    """An app answering each request with the next (status, body, headers); the paths it saw."""
    script, seen = list(answers), []

    async def endpoint(request: Request) -> JSONResponse:
        seen.append(f"{request.method} {request.url.path}")
        status, body, headers = script.pop(0) if len(script) > 1 else script[0]
        return JSONResponse(body, status_code=status, headers=headers)

    route = Route("/{path:path}", endpoint, methods=["GET", "POST", "PUT", "DELETE"])
    return Starlette(routes=[route]), seen


class FakeTime:
    """A clock whose sleeps move it: waits are measured, never waited."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client_for(app: Starlette, time: FakeTime | None = None) -> DatalabClient:
    time = time or FakeTime(0.0)
    policy = RetryPolicy(sleep=time.sleep, now=lambda: time.now, random=lambda: 0.0)
    limiter = RateLimiter(1000, 1.0, clock=lambda: time.now, sleep=time.sleep)
    return DatalabClient("k-SECRET", "http://datalab.test", transport=httpx.ASGITransport(app=app),
                         retry=policy, rate_limiter=limiter)


async def test_nulls_in_counts_and_status_are_unknown() -> None:
    app, _ = serving((200, {**RUN, "status": None, "total_files": None, "completed_files": None,
                            "avg_score": None}, {}))
    async with client_for(app) as client:
        run = await client.runs.get(5)
    assert (run.status, run.total_files, run.completed_files) == ("", None, None)
    assert not run.is_finished


async def test_a_shape_surprise_names_the_endpoint_and_the_field() -> None:
    page = {"batch_runs": [RUN, {**RUN, "id": "run_abc"}], "total": 2}
    app, _ = serving((200, page, {}))
    async with client_for(app) as client:
        with pytest.raises(ApiShapeError) as info:
            await client.runs.list()
    message = str(info.value)
    assert "GET /api/v1/eval_batch_runs" in message and "field batch_runs.1.id" in message
    assert "'run_abc'" in message and info.value.exit_code == 3 and not may_have_acted(info.value)


async def test_an_unreadable_start_answer_may_have_acted() -> None:
    app, _ = serving((200, {"accepted": True}, {}))
    async with client_for(app) as client:
        with pytest.raises(ApiShapeError) as info:
            await client.runs.start({"collection_id": 1})
    assert may_have_acted(info.value) and "POST /api/v1/eval_batch_runs" in str(info.value)


async def test_403_is_a_permission_error_with_the_servers_detail() -> None:
    app, _ = serving((403, {"detail": "Your plan does not include batch evals"}, {}))
    async with client_for(app) as client:
        with pytest.raises(AuthError) as info:
            await client.runs.get(5)
    assert str(info.value) == ("permission denied (403) for GET /api/v1/eval_batch_runs/5: "
                               "Your plan does not include batch evals")


async def test_401_still_blames_the_key_and_never_shows_it() -> None:
    app, _ = serving((401, {"detail": "Invalid API key"}, {}))
    async with client_for(app) as client:
        with pytest.raises(AuthError) as info:
            await client.runs.get(5)
    assert "refused the API key (401)" in str(info.value) and "SECRET" not in str(info.value)


async def test_429_without_retry_after_waits_for_the_next_minute() -> None:
    time = FakeTime(60.0 * 16_666_667 + 30)  # 30 s into a minute
    app, seen = serving((429, {"detail": "slow down"}, {}), (200, RUN, {}))
    async with client_for(app, time) as client:
        run = await client.runs.get(5)
    assert run.id == 5 and len(seen) == 2
    assert time.sleeps[0] == pytest.approx(30.0)  # to the start of the next minute, not 0.5 s


async def test_429_without_retry_after_gives_up_after_about_three_minutes() -> None:
    time = FakeTime(60.0 * 16_666_667)
    app, seen = serving((429, {"detail": "slow down"}, {}))
    async with client_for(app, time) as client:
        with pytest.raises(RemoteError) as info:
            await client.runs.get(5)
    waited = sum(time.sleeps)
    assert 120 <= waited <= 180 and len(seen) == 4
    assert "429" in str(info.value) and "rate limited for 180 s" in str(info.value)


async def test_a_cursor_listing_shorter_than_its_total_is_an_error() -> None:
    files = [{"uploaded_file_id": 1, "original_filename": "a.pdf"}]
    app, _ = serving((200, {"files": files, "total": 3, "next_cursor": None}, {}))
    async with client_for(app) as client:
        with pytest.raises(ListingTruncated) as info:
            [f async for f in client.collections.list_files(7)]
    assert "GET /api/v1/collections/7/files ended after 1 of the 3 items" in str(info.value)


async def test_a_cursor_listing_that_reaches_its_total_is_fine() -> None:
    files = [{"uploaded_file_id": i, "original_filename": f"{i}.pdf"} for i in (1, 2)]
    app, _ = serving((200, {"files": files, "total": 2, "next_cursor": None}, {}))
    async with client_for(app) as client:
        assert [f.uploaded_file_id async for f in client.collections.list_files(7)] == [1, 2]
