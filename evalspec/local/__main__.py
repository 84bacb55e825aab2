"""`python -m evalspec.local`: serve the local Datalab-compatible eval service."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evalspec.errors import EvalspecError
from evalspec.local.ratelimit import parse_rate_limit
from evalspec.local.server import serve


def _rate_limit(text: str) -> str:
    try:
        parse_rate_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evalspec.local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--api-key", default=None,
                        help="default: $DATALAB_API_KEY, else a generated key printed once")
    parser.add_argument("--rate-limit", type=_rate_limit, default=None, metavar="N/SECONDS")
    parser.add_argument("--file-delay", type=float, default=0.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    api_key = args.api_key or os.environ.get("DATALAB_API_KEY") or None
    try:
        return serve(args.host, args.port, args.data_dir, api_key, args.rate_limit, args.file_delay)
    except EvalspecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
