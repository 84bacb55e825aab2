"""A parser worker process: `python -m evalspec.local.engine.procworker READ_FD WRITE_FD MEMORY_MB`.

Started by `procpool.Lane` as a plain subprocess (not multiprocessing's spawn, which re-imports
the parent's `__main__` and so breaks scripts without a main guard). It reads pickled
`FileTask`s from one pipe and writes `FileOutcome`s to the other until the first closes. It
imports only the engine; it ignores SIGINT (the service's process decides when it stops), keeps
pypdf's warnings off the terminal and lives under an address-space limit.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import warnings
from multiprocessing.connection import Connection

from evalspec.local.engine.filetask import ParseCache, score_task

READY = "ready"


def quiet_parsers() -> None:
    """Keep pypdf's complaints about odd PDFs off the user's terminal; a bad PDF fails alone."""
    logger = logging.getLogger("pypdf")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    warnings.filterwarnings("ignore", module="pypdf")


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space, so a runaway file fails instead of swamping the host."""
    try:
        import resource
    except ImportError:  # not on Windows: the time limit still holds
        return
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def load_readers() -> None:
    """Import the document readers now (pypdf is half a worker's start-up): a worker starts while
    apply is still uploading, so its first file need not wait for them."""
    from evalspec.local.engine import html_reader, pdf_reader, text_reader  # noqa: F401


def serve_tasks(tasks: Connection, outcomes: Connection) -> None:
    """Score tasks until the task pipe closes."""
    cache = ParseCache()
    load_readers()
    # Modules live as long as the worker: the collector need not rescan them while pypdf's
    # temporaries come and go (a third of its collection time per file).
    gc.freeze()
    outcomes.send(READY)  # imports done: the parent starts a file's clock only now
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        outcomes.send(score_task(task, cache))


def main(argv: list[str]) -> int:
    """Serve until the parent closes the pipe (0); any other end is a silent 1: the parent
    reports the file it was scoring as failed, and the user's terminal stays clean."""
    read_fd, write_fd, memory_mb = (int(a) for a in argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    quiet_parsers()
    try:
        limit_memory(memory_mb)
        serve_tasks(Connection(read_fd, writable=False), Connection(write_fd, readable=False))
    except BaseException:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
