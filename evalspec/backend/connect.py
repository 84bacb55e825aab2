"""Opening a backend: Datalab's service over HTTPS, or the embedded local service in-process."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from evalspec.api.client import DatalabClient
from evalspec.api.extensions import TRUTH_SIDECARS
from evalspec.api.ratelimit import NoBudget, RateLimiter
from evalspec.backend.which import BACKENDS
from evalspec.base import paths
from evalspec.base.rates import DEFAULT_RATE, parse_rate
from evalspec.errors import InputError, UsageError
from evalspec.local.engine.noise import DEFAULT_NOISE_SEED, ScoreNoise
from evalspec.lock import places
from evalspec.lock.lockfile import Lockfile
from evalspec.plan.diff import Target

if TYPE_CHECKING:
    from evalspec.local.engine.procpool import FileLimits, ProcessPool

FILE_TIMEOUT_ENV = "EVALSPEC_FILE_TIMEOUT"
SCORE_NOISE_ENV, SCORE_NOISE_SEED_ENV = "EVALSPEC_SCORE_NOISE", "EVALSPEC_SCORE_NOISE_SEED"
LOCAL_PAGES_ENV = "EVALSPEC_LOCAL_PAGES_IN_FLIGHT"
_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class Backend:
    """An open client and what kind of service it talks to.

    `run_ended` is set (by a service in this process) whenever one of its runs ends, so that a
    follower polls at once rather than at its next round; None for a remote service.
    """

    name: str
    client: DatalabClient
    run_ended: asyncio.Event | None = None
    state_id: str | None = None  # the in-process service's; a remote one says it when asked

    @property
    def identity(self) -> str:
        """What a lock records as its backend: `local`, or the service's base URL."""
        return "local" if self.name == "local" else self.client.base_url

    async def place(self) -> str:
        """Where runs made here live (see lock/places.py): an `evalspec server` names its state
        (asked once per client), Datalab none."""
        state_id = self.state_id if self.name == "local" else await self.client.extensions.state_id()
        return places.place(self.identity, state_id)


async def opened_target(backend: Backend) -> Target:
    """The target of an open backend, its place known."""
    return Target(backend.identity, await backend.place(), True)


def check_same_backend(lock: Lockfile | None, backend: Backend, lock_path: Path) -> None:
    """For `gc`: refuse a lock of another backend, whose ids would protect nothing here."""
    recorded = lock.backend if lock is not None else None
    has_runs = lock is not None and any(cell.run_id is not None for cell in lock.cells.values())
    if has_runs and recorded is not None and recorded != backend.identity:
        hint = "--backend local" if recorded == "local" else f"DATALAB_BASE_URL={recorded}"
        raise InputError(
            f"{lock_path} holds runs of backend {recorded!r}, not {backend.identity!r}; "
            f"use {hint}, or another --lock for this backend"
        )


def rate_limiter(rate: str | None) -> RateLimiter:
    """The client-side token bucket for `N/SECONDS` (default 400 per 60 s)."""
    try:
        requests, seconds = parse_rate(rate or DEFAULT_RATE)
    except ValueError as exc:
        raise UsageError(f"rate limit: {exc}") from None
    return RateLimiter(requests, seconds)


def file_timeout_from_env(env: Mapping[str, str] | None = None) -> float | None:
    """The in-process service's per-file time limit: `EVALSPEC_FILE_TIMEOUT` seconds, if set."""
    return _from_env(FILE_TIMEOUT_ENV, env, float, lambda seconds: 0 < seconds < float("inf"),
                     "give the seconds a file may take, > 0")


def score_noise_from_env(env: Mapping[str, str] | None = None) -> ScoreNoise | None:
    """The in-process service's noisy judge: `EVALSPEC_SCORE_NOISE` (an sd of scores, 0..1) and
    `EVALSPEC_SCORE_NOISE_SEED` (default 0); None when unset or 0."""
    env = os.environ if env is None else env
    text, seed_text = env.get(SCORE_NOISE_ENV, "").strip(), env.get(SCORE_NOISE_SEED_ENV, "").strip()
    try:
        sd = float(text) if text else 0.0
        seed = int(seed_text) if seed_text else DEFAULT_NOISE_SEED
        return ScoreNoise(sd, seed) if sd else None
    except ValueError:
        raise UsageError(f"{SCORE_NOISE_ENV}={text!r}, {SCORE_NOISE_SEED_ENV}={seed_text!r}: give a "
                         "standard deviation of scores in 0..1 and an integer seed") from None


def local_pages_from_env(env: Mapping[str, str] | None = None) -> int | None:
    """The in-process service's team page limit: `EVALSPEC_LOCAL_PAGES_IN_FLIGHT` pages, if set."""
    return _from_env(LOCAL_PAGES_ENV, env, int, lambda pages: pages >= 1,
                     "give the pages a team may have in flight on the local service, at least 1")


def _from_env(name: str, env: Mapping[str, str] | None, parse: Callable[[str], _N],
              valid: Callable[[_N], bool], advice: str) -> _N | None:
    """The number in environment variable `name` (None when unset); UsageError with `advice`
    when it does not parse or is not `valid`."""
    text = (os.environ if env is None else env).get(name, "").strip()
    if not text:
        return None
    try:
        value = parse(text)
    except ValueError:
        raise UsageError(f"{name}={text!r}: {advice}") from None
    if not valid(value):
        raise UsageError(f"{name}={text!r}: {advice}")
    return value


@asynccontextmanager
async def open_backend(
    name: str, *, rate: str | None = None, state_dir: Path | None = None,
    score_noise: ScoreNoise | None = None, local_pages_in_flight: int | None = None,
) -> AsyncIterator[Backend]:
    """An open backend for the duration of the block; `score_noise` (else the environment's)
    makes the in-process service a noisy judge, and `local_pages_in_flight` (else the
    environment's) gives it Datalab's team page limit."""
    if name not in BACKENDS:
        raise UsageError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if name == "datalab":
        _refuse_local_settings(score_noise, local_pages_in_flight)
        async with DatalabClient.from_env(rate_limiter=rate_limiter(rate)) as client:
            yield Backend(name, client)
        return
    # Imported here: FastAPI and the engine load only when the local backend is used.
    from evalspec.local.engine.procpool import FileLimits, ProcessPool

    # A service in this process has no budget to share: throttling it would only slow apply.
    limiter = rate_limiter(rate) if rate else NoBudget()
    timeout = file_timeout_from_env()
    limits = FileLimits() if timeout is None else FileLimits(timeout=timeout)
    settings = _LocalSettings(limits, score_noise or score_noise_from_env(),
                              local_pages_in_flight or local_pages_from_env())
    # The parser workers start first: they import pypdf on the other core while FastAPI loads here.
    parsers = ProcessPool(limits)
    parsers.start()
    try:
        async with _local_service(state_dir, parsers, limiter, settings) as backend:
            yield backend
    finally:
        parsers.stop()  # the service stops them; this covers a service that never started


def _refuse_local_settings(score_noise: ScoreNoise | None, local_pages_in_flight: int | None) -> None:
    """Settings of the in-process service have nothing to set on Datalab: say where they belong."""
    if score_noise is not None:
        raise UsageError("--score-noise rehearses on the local service: use --backend local, or "
                         "`evalspec server --score-noise SD` behind DATALAB_BASE_URL")
    if local_pages_in_flight is not None:
        raise UsageError("--local-pages-in-flight sets the local service's team page limit: use "
                         "--backend local, or `evalspec server --pages-in-flight N` behind "
                         "DATALAB_BASE_URL (apply's own scheduling is --pages-in-flight)")


@dataclass(frozen=True)
class _LocalSettings:
    """What the in-process service is started with besides its state."""

    limits: FileLimits
    noise: ScoreNoise | None  # a noisy judge (--score-noise)
    pages_in_flight: int | None  # Datalab's team page limit (--local-pages-in-flight)


@asynccontextmanager
async def _local_service(state_dir: Path | None, parsers: ProcessPool, limiter: RateLimiter,
                         settings: _LocalSettings) -> AsyncIterator[Backend]:
    from evalspec.api.inprocess import in_process_client
    from evalspec.local import LocalService

    # Not durable against a machine crash (no fsync per file): it lives and dies with this
    # process, and a crash of the process (kill -9) still loses nothing it committed.
    with LocalService(paths.local_data_dir(state_dir), api_key=None, limits=settings.limits,
                      durable=False, parsers=parsers, score_noise=settings.noise,
                      pages_in_flight=settings.pages_in_flight) as service:
        run_ended = asyncio.Event()
        service.on_run_finished(setter_from_any_thread(run_ended))
        async with in_process_client(service.app, rate_limiter=limiter) as client:
            assert service.store is not None  # started by the `with`
            yield Backend("local", client, run_ended, service.store.state_id)


def setter_from_any_thread(event: asyncio.Event) -> Callable[[object], None]:
    """A callback that sets `event` in the running loop, whichever thread calls it."""
    loop = asyncio.get_running_loop()

    def wake(_: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(event.set)

    return wake


async def evaluates_truth(backend: Backend) -> bool:
    """Whether the backend reads truth sidecars: the local one and an `evalspec server`, which
    says so when asked; never Datalab, which would parse (and bill) them as documents."""
    if backend.name == "local":
        return True
    return TRUTH_SIDECARS in await backend.client.extensions.capabilities()
