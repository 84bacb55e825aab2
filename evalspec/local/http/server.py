"""`serve`: the local service over HTTP with uvicorn.

`evalspec server` and `python -m evalspec.local` both land here with the same `ServerOptions`,
so they share defaults and validation.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn

from evalspec.base import paths
from evalspec.base.rates import parse_rate
from evalspec.errors import UsageError
from evalspec.local.engine.noise import DEFAULT_NOISE_SEED, ScoreNoise
from evalspec.local.engine.procpool import DEFAULT_FILE_TIMEOUT, FileLimits
from evalspec.local.http.app import LocalService

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ServerOptions:
    """What to serve and how; `data_dir` None means the state directory's `local/`."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path | None = None
    api_key: str | None = None
    rate_limit: str | None = None
    file_delay: float = 0.0
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    score_noise: float = 0.0  # the sd of a noisy judge's scores (0: none)
    score_noise_seed: int = DEFAULT_NOISE_SEED
    pages_in_flight: int | None = None  # the team's page limit: files past it fail in their run


def serve(options: ServerOptions, announce: Callable[[str], None]) -> int:
    """Serve until SIGTERM or SIGINT, then shut down cleanly; the exit code.

    Port 0 picks a free port. Announces `listening on http://HOST:PORT` once the socket is
    listening and, when no key was given, the generated key (the only time it is shown).
    """
    try:
        limit = parse_rate(options.rate_limit) if options.rate_limit else None
    except ValueError as exc:
        raise UsageError(f"--rate-limit: {exc}") from None
    if not options.file_delay >= 0:
        raise UsageError("--file-delay must be >= 0")
    if not 0 < options.file_timeout < float("inf"):
        raise UsageError("--file-timeout must be > 0 seconds")
    if not 0 <= options.score_noise <= 1:
        raise UsageError("--score-noise is a standard deviation of scores, in 0..1")
    if options.pages_in_flight is not None and options.pages_in_flight < 1:
        raise UsageError("--pages-in-flight must be at least 1")
    noise = ScoreNoise(options.score_noise, options.score_noise_seed) if options.score_noise else None
    api_key = options.api_key
    if api_key is None:
        api_key = secrets.token_urlsafe(24)
        announce(f"api key: {api_key}")
    data_dir = options.data_dir or paths.local_data_dir()
    # Started here rather than in the ASGI lifespan, so that a data directory held by another
    # evalspec is refused (LockHeld) before anything listens.
    service = LocalService(data_dir, api_key, rate_limit=limit, file_delay=options.file_delay,
                           limits=FileLimits(timeout=options.file_timeout),
                           score_noise=noise, pages_in_flight=options.pages_in_flight).start()
    try:
        sock = _listen(options.host, options.port)
        shown_host = f"[{options.host}]" if ":" in options.host else options.host
        announce(f"listening on http://{shown_host}:{sock.getsockname()[1]}")
        server = _QuietServer(uvicorn.Config(service.app, log_level="warning", access_log=False))
        try:
            server.run(sockets=[sock])  # uvicorn turns SIGTERM/SIGINT into a graceful shutdown
        finally:
            sock.close()
    finally:
        service.close()
    return 0 if server.started else 3


class _QuietServer(uvicorn.Server):
    """uvicorn re-raises a captured SIGTERM/SIGINT after its graceful shutdown, which would kill
    the process by that signal; a server stopped on purpose should return its exit code."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


def _listen(host: str, port: int) -> socket.socket:
    """Bind and listen before uvicorn starts, so port 0 can be reported and nothing races."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY on an accepted connection only when its
    # socket's proto is IPPROTO_TCP (inherited from this one). With proto 0, a response's headers
    # and body go out as two segments and the body waits ~40 ms for the client's delayed ACK
    # on every kept-alive request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
