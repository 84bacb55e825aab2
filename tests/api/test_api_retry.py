"""The retry policy: backoff with full jitter, Retry-After, and what is safe to retry."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from evalspec.api.retry import RetryPolicy, parse_retry_after, request_was_unsent

NOW = 1_800_000_000.0
REQUEST = httpx.Request("POST", "https://www.datalab.to/api/v1/eval_batch_runs")


def policy(r: float = 1.0) -> RetryPolicy:
    return RetryPolicy(base_delay=0.5, max_delay=8.0, random=lambda: r, now=lambda: NOW)


def test_backoff_doubles_up_to_the_cap() -> None:
    p = policy(r=1.0)
    assert [p.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_full_jitter_scales_the_whole_delay() -> None:
    assert policy(r=0.0).delay(4) == 0.0
    assert policy(r=0.25).delay(4) == pytest.approx(1.0)


def test_retry_after_wins_over_backoff_and_is_clamped() -> None:
    p = policy(r=0.0)
    assert p.delay(1, retry_after=7.0) == 7.0
    assert p.delay(1, retry_after=10_000.0) == p.max_retry_after


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("12", now=NOW) == 12.0
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert parse_retry_after(date, now=NOW) == pytest.approx(30.0)
    past = email.utils.formatdate(NOW - 30, usegmt=True)
    assert parse_retry_after(past, now=NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-3", "1.5e9x"])
def test_parse_retry_after_ignores_what_it_cannot_read(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_retry_after_read_from_a_response() -> None:
    response = httpx.Response(429, headers={"Retry-After": "3"}, request=REQUEST)
    assert policy().retry_after(response) == 3.0
    assert policy().retry_after(httpx.Response(429, request=REQUEST)) is None


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 529])
def test_idempotent_requests_retry_every_retryable_status(status: int) -> None:
    assert policy().retry_status(status, idempotent=True)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_client_errors_are_never_retried(status: int) -> None:
    assert not policy().retry_status(status, idempotent=True)


def test_posts_retry_only_when_the_server_surely_did_not_act() -> None:
    p = policy()
    assert [s for s in (429, 500, 502, 503, 504, 529) if p.retry_status(s, idempotent=False)] == [
        429,
        503,
        529,
    ]


def test_transport_errors_unsent_versus_maybe_acted() -> None:
    p = policy()
    refused = httpx.ConnectError("refused", request=REQUEST)
    lost = httpx.ReadTimeout("timed out", request=REQUEST)
    reset = httpx.RemoteProtocolError("peer closed", request=REQUEST)
    assert request_was_unsent(refused) and not request_was_unsent(lost)
    assert p.retry_error(refused, idempotent=False)
    assert not p.retry_error(lost, idempotent=False)
    assert not p.retry_error(reset, idempotent=False)
    assert p.retry_error(lost, idempotent=True) and p.retry_error(reset, idempotent=True)


def test_unsupported_protocol_is_not_retried() -> None:
    exc = httpx.UnsupportedProtocol("ftp", request=REQUEST)
    assert not policy().retry_error(exc, idempotent=True)
