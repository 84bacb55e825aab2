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

    What the block built is moved to the oldest generation before the collector is back on:
    counted as young, the millions of objects would be scanned at the next allocation (a
    third of a second after a report of 10,000 cells), to find nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()  # every tracked object to the permanent generation, young counts reset
            gc.unfreeze()  # and back, into the oldest generation
            gc.enable()
