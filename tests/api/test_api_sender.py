"""`Sender`: the key, the rate limit, retries and their classification, one request at a time.

The transport is httpx's MockTransport (the seam), answering each request with the next item of
a script; the retry policy's and the limiter's sleeps are recorded instead of slept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from evalspec.api.failures import ApiNetworkError, ApiServerError
from evalspec.api.ratelimit import RateLimiter
from evalspec.api.retry import RetryPolicy
from evalspec.api.sender import API_KEY_HEADER, Call, Secret, Sender, fetch_json
from evalspec.api.stats import RequestStats
from evalspec.errors import AuthError

KEY = "sk-sender-test-Wq81"
START = Call("POST", "/api/v1/eval_batch_runs", "runs.start", json={"collection_id": 1})
GET = Call("GET", "/api/v1/eval_batch_runs/5", "runs.get")
RUN = {"id": 5}
Answer = httpx.Response | Exception


class Script:
    """A sender whose transport answers each request with the next answer of `script`."""

    def __init__(self, *answers: Answer, max_attempts: int = 6, capacity: int = 100) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.backoff: list[float] = []  # the retry policy's waits
        self.throttled: list[float] = []  # the rate limiter's waits
        self.stats = RequestStats()

        async def backoff(seconds: float) -> None:
            self.backoff.append(seconds)

        async def throttle(seconds: float) -> None:
            self.throttled.append(seconds)

        http = httpx.AsyncClient(base_url="https://api.test", transport=httpx.MockTransport(self.answer))
        self.sender = Sender(
            http, api_key=Secret(KEY), stats=self.stats,
            limiter=RateLimiter(capacity, 60.0, clock=lambda: 0.0, sleep=throttle),
            policy=RetryPolicy(max_attempts=max_attempts, random=lambda: 1.0, sleep=backoff),
        )

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else httpx.Response(200, json=RUN)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def send(self, call: Call) -> httpx.Response:
        return asyncio.run(self.sender.send(call))

    def fails(self, call: Call, error: type[Exception]) -> Any:
        with pytest.raises(error) as raised:
            self.send(call)
        return raised.value


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"detail": f"status {code}"}, headers=headers)


def refused() -> httpx.ConnectError:
    return httpx.ConnectError("connection refused")


def test_the_key_goes_in_its_header_and_only_on_authenticated_calls() -> None:
    script = Script()
    script.send(GET)
    script.send(Call("PUT", "https://storage.test/slot?sig=abc", "files.put", content=b"x",
                     authenticated=False))
    api, storage = script.requests
    assert api.headers[API_KEY_HEADER] == KEY and str(api.url) == "https://api.test/api/v1/eval_batch_runs/5"
    assert API_KEY_HEADER not in storage.headers and storage.content == b"x"


def test_the_secret_never_shows_in_its_repr() -> None:
    secret = Secret(KEY)
    assert KEY not in repr(secret) + str(secret) + f"{secret}" + repr([secret])
    assert secret.reveal() == KEY


def test_a_post_is_retried_after_503_and_429_which_come_before_the_server_acts() -> None:
    script = Script(status(503), status(429, **{"Retry-After": "7"}))
    assert script.send(START).json() == RUN
    assert [r.method for r in script.requests] == ["POST"] * 3
    assert script.backoff == [0.5, 7.0]  # full backoff for attempt 1, then the server's Retry-After
    assert script.throttled == [7.0]  # the 429 paused the shared budget, not only this request
    assert script.stats.snapshot() == {"runs.start": 3} and script.stats.retries == 2


@pytest.mark.parametrize("code", [500, 502, 504])
def test_a_post_answered_with_a_maybe_acted_status_is_raised_at_once(code: int) -> None:
    script = Script(status(code))
    error = script.fails(START, ApiServerError)
    assert len(script.requests) == 1 and script.backoff == []
    assert error.may_have_acted and error.status_code == code
    assert str(error) == f"POST /api/v1/eval_batch_runs failed ({code}): status {code}"


def test_a_get_is_retried_on_500_until_the_last_attempt() -> None:
    script = Script(status(500), status(500), status(500), max_attempts=3)
    error = script.fails(GET, ApiServerError)
    assert len(script.requests) == 3 and script.backoff == [0.5, 1.0]
    assert error.may_have_acted and "after 3 attempts" in str(error)


def test_a_post_whose_connection_was_refused_is_retried() -> None:
    script = Script(refused())
    assert script.send(START).json() == RUN
    assert len(script.requests) == 2 and script.stats.retries == 1


def test_a_post_that_timed_out_waiting_for_its_answer_is_raised_as_maybe_acted() -> None:
    script = Script(httpx.ReadTimeout("no answer"))
    error = script.fails(START, ApiNetworkError)
    assert error.may_have_acted and len(script.requests) == 1
    assert str(error).startswith("cannot reach api.test (POST /api/v1/eval_batch_runs): ReadTimeout")


def test_a_request_that_never_connected_is_reported_as_not_acted() -> None:
    script = Script(refused(), refused(), max_attempts=2)
    error = script.fails(START, ApiNetworkError)
    assert not error.may_have_acted and "after 2 attempts" in str(error)


def test_a_client_error_is_not_retried_and_the_key_is_scrubbed_from_it() -> None:
    script = Script(httpx.Response(422, json={"detail": [{"loc": ["body", "x"], "msg": f"bad {KEY}"}]}))
    error = script.fails(START, ApiServerError)
    assert len(script.requests) == 1 and not error.may_have_acted
    assert KEY not in str(error) and "body.x: bad ***" in str(error)


def test_a_refused_key_is_an_auth_error() -> None:
    assert "refused the API key (401)" in str(Script(status(401)).fails(GET, AuthError))


def test_presigned_calls_spend_none_of_the_rate_budget() -> None:
    script = Script(capacity=1)
    script.send(GET)
    script.send(Call("PUT", "https://storage.test/slot", "files.put", content=b"x", authenticated=False))
    assert script.throttled == []
    script.send(GET)  # the second authenticated request waits for the window
    assert script.throttled == [60.0]


@pytest.mark.parametrize(
    ("answer", "check"),
    [
        (httpx.Response(204), lambda got: got is None),
        (httpx.Response(200, json={"a": 1}), lambda got: got == {"a": 1}),
    ],
)
def test_fetch_json_decodes_the_body(answer: httpx.Response, check: Callable[[Any], bool]) -> None:
    script = Script(answer)
    assert check(asyncio.run(fetch_json(script.sender, GET)))


def test_fetch_json_reports_a_body_that_is_not_json_as_a_server_error() -> None:
    script = Script(httpx.Response(200, text="<html>gateway</html>"))
    with pytest.raises(ApiServerError, match="with a body that is not JSON") as raised:
        asyncio.run(fetch_json(script.sender, GET))
    assert raised.value.may_have_acted
