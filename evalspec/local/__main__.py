"""`python -m evalspec.local`: the same server as `evalspec server`, with the same defaults,
for environments that install the service without the CLI's options layer."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evalspec.errors import EvalspecError
from evalspec.local.engine.noise import DEFAULT_NOISE_SEED
from evalspec.local.engine.procpool import DEFAULT_FILE_TIMEOUT
from evalspec.local.http.server import DEFAULT_HOST, DEFAULT_PORT, ServerOptions, serve


def main(argv: list[str] | None = None) -> int:
    """Parse the options of `evalspec server` and serve; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m evalspec.local", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: .evalspec/local")
    parser.add_argument("--api-key", default=None,
                        help="default: $DATALAB_API_KEY, else a generated key printed once")
    parser.add_argument("--rate-limit", default=None, metavar="N/SECONDS")
    parser.add_argument("--file-delay", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--file-timeout", type=float, default=DEFAULT_FILE_TIMEOUT,
                        metavar="SECONDS", help="a file taking longer fails with that reason")
    parser.add_argument("--score-noise", type=float, default=0.0, metavar="SD",
                        help="perturb file scores as a noisy judge would (sd on the 0..1 scale)")
    parser.add_argument("--score-noise-seed", type=int, default=DEFAULT_NOISE_SEED, metavar="N")
    parser.add_argument("--pages-in-flight", type=int, default=None, metavar="N",
                        help="the team's page limit: files past it fail inside their run")
    args = parser.parse_args(argv)
    options = ServerOptions(
        host=args.host, port=args.port, data_dir=args.data_dir,
        api_key=args.api_key or os.environ.get("DATALAB_API_KEY") or None,
        rate_limit=args.rate_limit, file_delay=args.file_delay, file_timeout=args.file_timeout,
        score_noise=args.score_noise, score_noise_seed=args.score_noise_seed,
        pages_in_flight=args.pages_in_flight,
    )
    try:
        return serve(options, announce=lambda line: print(line, flush=True))
    except EvalspecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
