"""`evalspec server`: the local Datalab-compatible service over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalspec.console import out

if TYPE_CHECKING:
    from evalspec.local.http.server import ServerOptions


def run(options: ServerOptions) -> int:
    """Serve until SIGTERM or Ctrl-C; returns the exit code."""
    from evalspec.local import serve

    return serve(options, announce=lambda line: out(line, flush=True))
