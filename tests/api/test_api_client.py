"""The client's contract: errors as one clear line, retries, the key kept secret, counting."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from conftest import REPO_ROOT
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_api_endpoints import KEY, FakeDatalab, build_app, make_client

from evalspec.api import ApiNetworkError, ApiServerError, DatalabClient, RetryPolicy
from evalspec.api.client import is_loopback
from evalspec.api.ratelimit import RateLimiter
from evalspec.base.endpoint import DEFAULT_BASE_URL
from evalspec.errors import AuthError, InputError, NetworkError, ServerError

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Scripted:
    """A Starlette app answering each request with the next (status, headers) of a script."""

    def __init__(self, *script: tuple[int, dict[str, str]] | int) -> None:
        self.script = [s if isinstance(s, tuple) else (s, {}) for s in script]
        self.calls: list[str] = []
        route = Route("/{path:path}", self.endpoint, methods=["GET", "POST", "PUT", "DELETE"])
        self.app = Starlette(routes=[route])

    async def endpoint(self, request: Request) -> JSONResponse:
        self.calls.append(request.method)
        status, headers = self.script.pop(0) if self.script else (200, {})
        body = RUN if status < 400 else {"detail": f"scripted {status}"}
        return JSONResponse(body, status_code=status, headers=headers)


RUN = {"id": 5, "collection_id": 1, "status": "queued"}


def recording_policy(sleeps: list[float], **kwargs: Any) -> RetryPolicy:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return RetryPolicy(sleep=sleep, random=lambda: 1.0, base_delay=0.5, **kwargs)


async def test_401_names_the_status_and_never_the_key() -> None:
    wrong = "sk-wrong-key-that-the-server-echoes"
    transport = httpx.ASGITransport(app=build_app(FakeDatalab()))
    async with DatalabClient(wrong, "http://testserver", transport=transport) as client:
        with pytest.raises(AuthError) as info:
            await client.runs.get(1)
    message = str(info.value)
    assert message.startswith("the service refused the API key (401): Invalid API key")
    assert wrong not in message and "***" in message
    assert client.stats["runs.get"] == 1  # auth failures are not retried


async def test_422_detail_is_flattened_to_one_line() -> None:
    async with make_client(build_app(FakeDatalab())) as client:
        with pytest.raises(ApiServerError) as info:
            await client.runs.start({"pipeline_type": "extract"})
    assert isinstance(info.value, ServerError) and info.value.status_code == 422
    assert str(info.value) == (
        "POST /api/v1/eval_batch_runs failed (422): body.collection_id: Field required"
    )
    assert "\n" not in str(info.value) and not info.value.may_have_acted


async def test_404_detail_string_surfaces() -> None:
    async with make_client(build_app(FakeDatalab())) as client:
        with pytest.raises(ServerError, match=r"GET /api/v1/eval_batch_runs/99 failed \(404\): "
                           "Batch run not found$"):  # fmt: skip
            await client.runs.get(99)


async def test_retry_after_is_honoured_and_retries_are_counted() -> None:
    scripted = Scripted((429, {"Retry-After": "3"}), (503, {}), 200)
    sleeps: list[float] = []
    async with make_client(scripted.app, retry=recording_policy(sleeps)) as client:
        run = await client.runs.get(5)
    assert run.id == 5
    assert sleeps == [3.0, 1.0]  # Retry-After, then backoff for attempt 2 (0.5 * 2, jitter 1.0)
    assert client.stats["runs.get"] == 3 and client.stats.retries == 2


async def test_a_429_retry_after_pauses_the_shared_limiter() -> None:
    clock = [100.0]
    waits: list[float] = []

    async def limiter_sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(1000, 1.0, clock=lambda: clock[0], sleep=limiter_sleep)
    scripted = Scripted((429, {"Retry-After": "7"}), 200)
    async with make_client(scripted.app, retry=recording_policy([]), rate_limiter=limiter) as c:
        await c.runs.get(5)
    # The retry sleep is fake and does not advance the clock, so the limiter waits out the pause.
    assert waits == [7.0]


async def test_idempotent_request_gives_up_after_max_attempts() -> None:
    scripted = Scripted(*[502] * 10)
    sleeps: list[float] = []
    async with make_client(scripted.app, retry=recording_policy(sleeps, max_attempts=4)) as c:
        with pytest.raises(ApiServerError, match=r"failed \(502\) after 4 attempts: scripted 502"):
            await c.runs.get(5)
    assert len(scripted.calls) == 4 and sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("status", [429, 503, 529])
async def test_post_is_retried_when_the_server_did_not_act(status: int) -> None:
    scripted = Scripted(status, 200)
    async with make_client(scripted.app) as client:
        run = await client.runs.start({"collection_id": 1})
    assert run.id == 5 and scripted.calls == ["POST", "POST"]


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_post_is_not_retried_when_the_server_may_have_acted(status: int) -> None:
    scripted = Scripted(status, 200)
    async with make_client(scripted.app) as client:
        with pytest.raises(ApiServerError) as info:
            await client.runs.start({"collection_id": 1})
    assert scripted.calls == ["POST"]
    assert info.value.may_have_acted and info.value.status_code == status


async def test_post_that_exhausts_429s_did_not_act() -> None:
    scripted = Scripted(*[(429, {"retry-after": "0"})] * 10)
    async with make_client(scripted.app, retry=recording_policy([], max_attempts=3)) as client:
        with pytest.raises(ApiServerError) as info:
            await client.runs.start({"collection_id": 1})
    assert len(scripted.calls) == 3 and not info.value.may_have_acted


def failing_transport(exc_type: type[httpx.TransportError]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("exc_type", "method", "attempts", "acted"),
    [
        (httpx.ConnectError, "POST", 6, False),
        (httpx.ConnectError, "GET", 6, False),
        (httpx.ReadTimeout, "GET", 6, True),
        (httpx.ReadTimeout, "POST", 1, True),
    ],
)
async def test_transport_failures_become_network_errors_naming_the_host(
    exc_type: type[httpx.TransportError], method: str, attempts: int, acted: bool
) -> None:
    transport = failing_transport(exc_type)
    client = DatalabClient(KEY, "https://api.example.test", transport=transport,
                           retry=recording_policy([]))  # fmt: skip
    call: Callable[[], Any] = (
        (lambda: client.runs.start({"collection_id": 1}))
        if method == "POST"
        else (lambda: client.runs.get(1))
    )
    async with client:
        with pytest.raises(ApiNetworkError) as info:
            await call()
    assert isinstance(info.value, NetworkError)
    assert "cannot reach api.example.test" in str(info.value)
    assert client.stats.total == attempts and info.value.may_have_acted is acted


def test_from_env_requires_the_key() -> None:
    with pytest.raises(AuthError, match="set DATALAB_API_KEY"):
        DatalabClient.from_env({})
    with pytest.raises(AuthError, match="set DATALAB_API_KEY"):
        DatalabClient.from_env({"DATALAB_API_KEY": "  "})


def test_from_env_reads_key_and_base_url() -> None:
    client = DatalabClient.from_env({"DATALAB_API_KEY": KEY})
    assert client.base_url == DEFAULT_BASE_URL
    other = DatalabClient.from_env(
        {"DATALAB_API_KEY": KEY, "DATALAB_BASE_URL": "https://eu.example.test/"}
    )
    assert other.base_url == "https://eu.example.test"


@pytest.mark.parametrize(
    "url", ["http://www.datalab.to", "http://10.0.0.5:8000", "http://localhost.evil.com", "ftp://x"]
)
def test_refuses_to_send_the_key_in_clear_text_off_this_machine(url: str) -> None:
    with pytest.raises(AuthError) as info:
        DatalabClient(KEY, url)
    assert KEY not in str(info.value)


def test_an_in_process_transport_may_use_plain_http() -> None:
    app = build_app(FakeDatalab())
    client = DatalabClient(KEY, "http://datalab.local", transport=httpx.ASGITransport(app=app))
    assert client.base_url == "http://datalab.local"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True),
     ("[::1]", True), ("128.0.0.1", False), ("10.0.0.1", False), ("example.com", False),
     ("", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_key_is_in_no_repr() -> None:
    client = DatalabClient(KEY, "https://www.datalab.to")
    shown = repr(client) + repr(vars(client)) + repr(vars(client.sender))
    assert KEY not in shown and "www.datalab.to" in repr(client)


async def test_a_refused_presigned_put_does_not_blame_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(403, text="<Error>Request has expired</Error>")
        return httpx.Response(200, json={"file_id": 3, "upload_url": "https://s3.test/b?sig=x"})

    client = DatalabClient(KEY, "https://api.example.test", transport=httpx.MockTransport(handler))
    async with client:
        with pytest.raises(ApiServerError) as info:
            await client.files.upload("a.pdf", "application/pdf", b"x")
    assert not isinstance(info.value, AuthError) and info.value.status_code == 403
    assert str(info.value) == "PUT /b failed (403): <Error>Request has expired</Error>"


@pytest.mark.parametrize(
    "key", ["sk-first\nsecond", "sk-first\r\nsecond", "sk-first\x00second", "sk-first\tsecond",
            "sk-first\x7fsecond", "sk-first\x85second", "sk-firsté-second"],
)
def test_a_key_no_header_can_carry_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(InputError) as info:
        DatalabClient.from_env({"DATALAB_API_KEY": key})
    message = str(info.value)
    assert info.value.exit_code == 2
    assert "first" not in message and "second" not in message and "position 9" in message


def test_a_non_ascii_key_is_exit_2_on_the_command_line(
    run_evalspec: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setenv("DATALAB_API_KEY", "clé-très-secrète")
    monkeypatch.setenv("DATALAB_BASE_URL", "https://api.example.test")
    lock = str(tmp_path / "x.lock")
    code, _, err = run_evalspec("plan", "--refresh", "--backend", "datalab", "--lock", lock)
    assert code == 2
    assert "a non-ASCII character at position 3" in err and "secr" not in err


@pytest.mark.parametrize("echo", [repr, lambda k: json.dumps(k), lambda k: quote(k, safe=""),
                                  lambda k: repr(k.encode())])
async def test_the_key_is_scrubbed_in_its_escaped_forms_too(echo: Callable[[str], str]) -> None:
    key = "sk-'quo\"ted'\\back slash"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"bad header: {echo(request.headers['x-api-key'])}")

    client = DatalabClient(key, "https://api.example.test", transport=httpx.MockTransport(handler))
    async with client:
        with pytest.raises(ApiServerError) as info:
            await client.runs.get(1)
    assert "quo" not in str(info.value) and "bad header: " in str(info.value)
