"""Send one logical request: rate limit, attempt, classify, back off, repeat or raise.

Every HTTP request of the client goes through `Sender.send`, so the token bucket, the retry
policy, the request counters and the key's handling are the same for every endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from evalspec.api.failures import ApiServerError, error_for_response, error_for_transport, where
from evalspec.api.ratelimit import RateLimiter
from evalspec.api.retry import (
    IDEMPOTENT_METHODS,
    NOT_ACTED_STATUSES,
    RetryPolicy,
    request_was_unsent,
)
from evalspec.api.stats import RequestStats

API_KEY_HEADER = "X-API-Key"


class Secret:
    """The API key; its repr and str are masked so that it cannot leak through a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the one header that carries it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class Call:
    """One logical request. `authenticated=False` for presigned URLs, which must not get the key."""

    method: str
    url: str
    kind: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    authenticated: bool = True


@dataclass
class _Progress:
    attempts: int = 0
    acted: bool = False
    rate_waited: float = 0.0  # seconds spent waiting out 429s without Retry-After


class Sender:
    """Sends `Call`s through one httpx client with rate limiting, retries and counting."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: Secret,
        limiter: RateLimiter,
        policy: RetryPolicy,
        stats: RequestStats,
    ) -> None:
        self._http = http
        self._key = api_key
        self._limiter = limiter
        self._policy = policy
        self._stats = stats

    async def send(self, call: Call) -> httpx.Response:
        """The successful (2xx) response of `call`; otherwise a RemoteError after retries."""
        idempotent = call.method.upper() in IDEMPOTENT_METHODS
        progress = _Progress()
        while True:
            progress.attempts += 1
            request = self._build(call)
            outcome = await self._attempt(request, call, retry=progress.attempts > 1)
            if isinstance(outcome, httpx.Response) and outcome.is_success:
                return outcome
            await self._policy.sleep(self._wait_or_raise(outcome, request, idempotent, progress))

    def _build(self, call: Call) -> httpx.Request:
        headers = dict(call.headers or {})
        if call.authenticated:
            headers[API_KEY_HEADER] = self._key.reveal()
        return self._http.build_request(
            call.method,
            call.url,
            json=call.json,
            params=call.params,
            content=call.content,
            headers=headers,
        )

    async def _attempt(
        self, request: httpx.Request, call: Call, *, retry: bool
    ) -> httpx.Response | httpx.TransportError:
        # Presigned uploads go to storage, not to the API: they spend none of its budget.
        if call.authenticated:
            await self._limiter.acquire()
        self._stats.record(call.kind, retry=retry)
        try:
            return await self._http.send(request)
        except httpx.TransportError as exc:
            return exc

    def _wait_or_raise(
        self,
        outcome: httpx.Response | httpx.TransportError,
        request: httpx.Request,
        idempotent: bool,
        progress: _Progress,
    ) -> float:
        if isinstance(outcome, httpx.TransportError):
            return self._after_error(outcome, request, idempotent, progress)
        return self._after_status(outcome, idempotent, progress)

    def _after_error(
        self, exc: httpx.TransportError, request: httpx.Request, idempotent: bool, p: _Progress
    ) -> float:
        p.acted = p.acted or not request_was_unsent(exc)
        final = p.attempts >= self._policy.max_attempts
        if final or not self._policy.retry_error(exc, idempotent=idempotent):
            raise error_for_transport(
                exc, request, attempts=p.attempts, acted=p.acted, secret=self._key.reveal()
            ) from exc
        return self._policy.delay(p.attempts)

    def _after_status(self, response: httpx.Response, idempotent: bool, p: _Progress) -> float:
        status = response.status_code
        p.acted = p.acted or (status >= 500 and status not in NOT_ACTED_STATUSES)
        retry_after = self._policy.retry_after(response)
        if status == 429 and retry_after is None:
            return self._wait_for_next_minute(response, p)
        final = p.attempts >= self._policy.max_attempts
        if final or not self._policy.retry_status(status, idempotent=idempotent):
            raise self._final(response, p)
        if status == 429 and retry_after is not None:
            # The budget is shared by every request in flight: hold them all, not just this one.
            self._limiter.pause(min(retry_after, self._policy.max_retry_after))
        return self._policy.delay(p.attempts, retry_after)

    def _wait_for_next_minute(self, response: httpx.Response, p: _Progress) -> float:
        """A 429 that does not say how long: per-minute limits reset at the next minute."""
        wait = self._policy.until_next_minute()
        if p.rate_waited + wait > self._policy.rate_limit_budget:
            raise self._final(response, p, f" (rate limited for {p.rate_waited:.0f} s)")
        p.rate_waited += wait
        self._limiter.pause(wait)
        return wait

    def _final(self, response: httpx.Response, p: _Progress, note: str = "") -> Exception:
        error = error_for_response(response, attempts=p.attempts, acted=p.acted, secret=self._key.reveal())
        if note:
            error.args = (f"{error}{note}",)
        return error


async def fetch_json(sender: Sender, call: Call) -> Any:
    """Send `call` and decode its JSON body; an empty body (204) is None."""
    response = await sender.send(call)
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ApiServerError(
            f"{where(response.request)} answered {response.status_code} with a body that is "
            "not JSON",
            response.status_code,
            may_have_acted=True,
        ) from None
