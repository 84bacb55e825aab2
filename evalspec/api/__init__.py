"""The Datalab eval API client: the only place evalspec speaks HTTP (and imports httpx).

DatalabClient            client.py     construction, key safety, endpoint groups
├── runs / collections / files / rubrics   one module per endpoint group
├── Sender               sender.py     rate limit + retries + counting for every request
├── RateLimiter          ratelimit.py  token bucket shared by submissions and polls
├── RetryPolicy          retry.py      backoff, Retry-After, what is safe to retry
├── failures             failures.py   HTTP failures -> evalspec errors (one line each)
├── answers              answers.py    answers -> models; a shape surprise names endpoint and field
├── paging / stats       paging.py, stats.py   page walkers; requests counted per kind
└── in_process_client    inprocess.py  the same client over httpx.ASGITransport (batch uploads)
"""

from __future__ import annotations

from evalspec.api.client import DatalabClient
from evalspec.api.failures import ApiNetworkError, ApiServerError, may_have_acted
from evalspec.api.ratelimit import RateLimiter
from evalspec.api.retry import RetryPolicy
from evalspec.api.shapes import (
    BatchRun,
    Collection,
    CollectionFile,
    FileResult,
    Rubric,
    RunResults,
    UploadTicket,
)
from evalspec.api.stats import RequestStats
from evalspec.base.endpoint import DEFAULT_BASE_URL

__all__ = [
    "DEFAULT_BASE_URL",
    "ApiNetworkError",
    "ApiServerError",
    "BatchRun",
    "Collection",
    "CollectionFile",
    "DatalabClient",
    "FileResult",
    "RateLimiter",
    "RequestStats",
    "RetryPolicy",
    "Rubric",
    "RunResults",
    "UploadTicket",
    "may_have_acted",
]
