"""Running a command: expected errors become one message and their exit code, never a traceback.

Click-free on purpose (click stays in cli.py, which maps click's own usage errors to exit 2).
"""

from __future__ import annotations

import os
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from evalspec.console import err
from evalspec.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EvalspecError,
    SpecError,
)


def run_guarded(call: Callable[[], int]) -> int:
    """Run `call` and map every outcome to an exit code: expected errors print one message,
    anything else saves its traceback to a file and exits 70."""
    try:
        return call()
    except KeyboardInterrupt:
        err("Interrupted.")
        return EXIT_INTERRUPTED
    except EvalspecError as exc:
        report_error(exc)
        return exc.exit_code
    except Exception:
        return report_internal_error()


def report_error(exc: EvalspecError) -> None:
    """Print an expected error: one line, or one line per diagnostic."""
    if isinstance(exc, SpecError):
        for diagnostic in exc.diagnostics:
            err(f"error: {diagnostic}")
        count = len(exc.diagnostics)
        err(f"{count} problem{'s' if count != 1 else ''} found.")
    elif str(exc):
        err(f"error: {exc}")


def report_internal_error() -> int:
    """Save the traceback of an unexpected error to a file and say where it is (without the
    API key, in any form, should the error's text have quoted it)."""
    from evalspec.api.failures import scrub
    from evalspec.base.endpoint import API_KEY_ENV

    text = scrub(traceback.format_exc(), os.environ.get(API_KEY_ENV, "").strip())
    handle, name = tempfile.mkstemp(prefix="evalspec-crash-", suffix=".txt")
    with open(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    last = text.strip().splitlines()[-1]
    err(f"internal error: {last}")
    err(f"The full traceback is in {Path(name)}; please include it in a bug report.")
    return EXIT_INTERNAL

