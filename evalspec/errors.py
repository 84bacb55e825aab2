"""The one error hierarchy of evalspec, and its mapping to exit codes.

Every expected failure is an ``EvalspecError``; the CLI prints its message (one clear line, or
one line per diagnostic) and exits with its ``exit_code``. Anything else is an internal error
(exit 70) whose traceback is saved to a file rather than shown.

    EvalspecError                  exit 70 unless a subclass says otherwise
    ├── InputError                 2   the user's input is wrong
    │   ├── UsageError                 bad flags or arguments
    │   ├── SpecError                  spec files (carries Diagnostics)
    │   ├── LockfileError              a corrupt, hand-broken or foreign lockfile
    │   ├── StalePlanError             a saved plan the lock has moved past
    │   ├── OverBudget                 a plan above settings.budget / --budget
    │   └── ReferenceLookupError       a name that matches no / several server objects
    ├── RemoteError                3   the service failed us
    │   ├── NetworkError               connection refused, DNS, timeouts after retries
    │   ├── AuthError                  401 / 403, or a key we refuse to send
    │   ├── ServerError                a 4xx/5xx the client could not recover from
    │   └── RunsFailed                 runs that ended failed
    ├── LockHeld                   4   another evalspec holds the lockfile
    └── Interrupted                130 Ctrl-C

Two outcomes are verdicts, not errors, so commands return their codes instead of raising:
1 (`check` found a failed gate) and 5 (`plan --detailed-exitcode` found pending changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EXIT_OK = 0
EXIT_GATES_FAILED = 1
EXIT_INVALID_INPUT = 2
EXIT_REMOTE_FAILURE = 3
EXIT_LOCK_HELD = 4
EXIT_PENDING_CHANGES = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class EvalspecError(Exception):
    """Base of every error evalspec expects and reports without a traceback."""

    exit_code = EXIT_INTERNAL


class InputError(EvalspecError):
    """The user's input (flags, specs, lock, saved plan) is invalid."""

    exit_code = EXIT_INVALID_INPUT


class UsageError(InputError):
    """Bad command-line usage."""


MAX_MESSAGE = 1000  # a diagnostic quotes the user's text; a 500 KB value must not come back whole


def shorten(value: object, limit: int = 80) -> str:
    """`repr(value)`, cut in the middle when longer than `limit`: for quoting user input."""
    return clip(repr(value), limit)


def clip(text: str, limit: int = 80) -> str:
    """`text` cut in the middle when longer than `limit`."""
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]}[...]{text[-half:]}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20] + f"... ({len(text)} chars)"


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a user's file, located as precisely as we can."""

    file: str
    line: int | None
    col: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        key = f" {_cut(self.key_path, 200)}:" if self.key_path else ""
        return f"{_cut(where, 300)}:{key} {_cut(self.message, MAX_MESSAGE)}"


class SpecError(InputError):
    """One or more problems in the spec files, all reported together."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: Sequence[Diagnostic] = tuple(
            sorted(diagnostics, key=lambda d: (d.file, d.line or 0, d.col or 0, d.key_path))
        )
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class LockfileError(InputError):
    """The lockfile cannot be read or is not one evalspec wrote."""


class StalePlanError(InputError):
    """A saved plan no longer matches the lock it was made against."""


class OverBudget(InputError):
    """The plan holds more pages or dollars than the budget allows; nothing was submitted."""


class ReferenceLookupError(InputError):
    """A collection or rubric name matches no server object, or several."""


class RemoteError(EvalspecError):
    """The remote service (or the network to it) failed."""

    exit_code = EXIT_REMOTE_FAILURE


class NetworkError(RemoteError):
    """The service could not be reached, even after retries."""


class AuthError(RemoteError):
    """The service refused our credentials, or we refused to send them."""


class ServerError(RemoteError):
    """The service answered with an error we cannot recover from."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class RunsFailed(RemoteError):
    """Some batch runs ended failed."""


class LockHeld(EvalspecError):
    """Another evalspec process holds the lockfile."""

    exit_code = EXIT_LOCK_HELD


class Interrupted(EvalspecError):
    """The user pressed Ctrl-C; state was saved."""

    exit_code = EXIT_INTERRUPTED
