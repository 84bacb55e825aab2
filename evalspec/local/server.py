"""`serve`: the local service over HTTP with uvicorn (what `evalspec server` runs)."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path
from types import FrameType

import uvicorn

from evalspec.local.ratelimit import parse_rate_limit
from evalspec.local.service import LocalService


def serve(host: str, port: int, data_dir: Path, api_key: str | None, rate_limit: str | None,
          file_delay: float) -> int:
    """Serve until SIGTERM or SIGINT, then shut down cleanly; the exit code.

    Port 0 picks a free port. Prints `listening on http://HOST:PORT` once the socket is
    listening and, when no key was given, the generated key (the only time it is shown).
    """
    limit = parse_rate_limit(rate_limit) if rate_limit else None
    if api_key is None:
        api_key = secrets.token_urlsafe(24)
        print(f"api key: {api_key}", flush=True)
    # Started here rather than in the ASGI lifespan, so that a data directory held by another
    # evalspec is refused (LockHeld) before anything listens.
    service = LocalService(data_dir, api_key, rate_limit=limit, file_delay=file_delay).start()
    try:
        sock = _listen(host, port)
        shown_host = f"[{host}]" if ":" in host else host
        print(f"listening on http://{shown_host}:{sock.getsockname()[1]}", flush=True)
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
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


