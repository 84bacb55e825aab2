"""Keeping the cyclic garbage collector off objects that are not garbage: paused while a large
structure is built, and frozen over what a command-line process keeps until it exits."""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (restored after, if it was on).

    Reading a large lock or the cached results of 10,000 runs allocates millions of objects
    that all stay alive, so the collector would rescan them again and again: 4x the time of the
    reading itself. Nothing built there is cyclic garbage; reference counting frees the rest.

    What the block built is not left counted as young, or the millions of objects would be
    scanned at the next allocation (a third of a second after a report of 10,000 cells), to
    find nothing: it is frozen in a process that ends with its command, else moved to the
    oldest generation (unless something else froze objects, which must stay frozen).
    """
    enabled = gc.isenabled()
    frozen_before = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _age_young_objects(frozen_before)
            gc.enable()


def _age_young_objects(frozen_before: int) -> None:
    if _process_ends_with_command:
        gc.freeze()
    elif not frozen_before:
        gc.freeze()  # every tracked object to the permanent generation, young counts reset
        gc.unfreeze()  # and back, into the oldest generation


_process_ends_with_command = False


def gc_freeze_until_exit() -> None:
    """gc.freeze at exit, and from now on wherever this module would: this process ends when its
    one command does (the console script, not a test runner or a library user), so objects alive
    at exit need no collector: its last full passes over every module and object (~0.1 s after
    `apply`) are skipped, and `gc_paused` and `gc_freeze_if_console` freeze."""
    global _process_ends_with_command
    _process_ends_with_command = True
    atexit.register(gc.freeze)


def gc_freeze_if_console() -> None:
    """gc.freeze, in a console process only: what the command has built so far (imported
    modules, the local service's app) lives until the process ends, so later collections need
    not rescan it. Only in a process that ends with its command (`gc_freeze_until_exit`), where
    nothing frozen would be garbage later."""
    if _process_ends_with_command:
        gc.freeze()
