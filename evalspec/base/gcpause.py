"""Pausing the cyclic garbage collector while a large structure that is not garbage is built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (restored after, if it was on).

    Reading a large lock or the cached results of 10,000 runs allocates millions of objects
    that all stay alive, so the collector would rescan them again and again: 4x the time of the
    reading itself. Nothing built there is cyclic garbage; reference counting frees the rest.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
