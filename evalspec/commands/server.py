"""`evalspec server`: the local Datalab-compatible service over HTTP."""

from __future__ import annotations

from pathlib import Path

from evalspec import paths
from evalspec.errors import UsageError


def run(host: str, port: int, data_dir: Path | None, api_key: str | None, rate_limit: str | None,
        file_delay: float) -> int:
    """Serve until SIGTERM or Ctrl-C; returns the exit code."""
    from evalspec.local import parse_rate_limit, serve

    if rate_limit is not None:
        try:
            parse_rate_limit(rate_limit)
        except ValueError as exc:
            raise UsageError(f"--rate-limit: {exc}") from None
    if file_delay < 0:
        raise UsageError("--file-delay must be >= 0")
    return serve(host, port, data_dir or paths.local_data_dir(), api_key, rate_limit, file_delay)
