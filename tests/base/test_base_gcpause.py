"""The collector policy: frozen only in a process that ends with its command."""

from __future__ import annotations

import gc
import subprocess
import sys

from evalspec.base.gcpause import gc_freeze_if_console


def test_gc_freeze_if_console_freezes_nothing_in_a_process_that_goes_on() -> None:
    # A test runner or a library user keeps running after the command: freezing there would
    # keep whatever becomes garbage later.
    before = gc.get_freeze_count()
    gc_freeze_if_console()
    assert gc.get_freeze_count() == before


def _run(body: str) -> list[str]:
    script = ("import atexit, gc\n"
              "from evalspec.base.gcpause import gc_freeze_if_console, gc_freeze_until_exit\n")
    done = subprocess.run([sys.executable, "-c", script + body], capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


def test_the_console_process_freezes_at_exit() -> None:
    # Registered first, the check runs after every later exit handler, the freeze included.
    assert _run("atexit.register(lambda: print(gc.get_freeze_count() > 0))\n"
                "gc_freeze_until_exit()\n"
                "print(gc.get_freeze_count())\n") == ["0", "True"]


def test_the_console_process_freezes_on_gc_freeze_if_console() -> None:
    assert _run("gc_freeze_until_exit()\n"
                "gc_freeze_if_console()\n"
                "print(gc.get_freeze_count() > 0)\n") == ["True"]


def test_a_pause_leaves_what_it_built_old_not_young_and_frozen_objects_frozen() -> None:
    # Young: counted in generation 0, scanned at the next allocation. Old: not.
    assert _run("from evalspec.base.gcpause import gc_paused\n"
                "with gc_paused():\n"
                "    kept = [[i] for i in range(100_000)]\n"
                "print(gc.get_count()[0] < 1000, gc.get_freeze_count(), gc.isenabled())\n") == [
        "True", "0", "True"]
    assert _run("from evalspec.base.gcpause import gc_paused\n"
                "gc.freeze(); frozen = gc.get_freeze_count()\n"
                "with gc_paused():\n"
                "    kept = [[i] for i in range(1000)]\n"
                "print(gc.get_freeze_count() >= frozen > 0)\n") == ["True"]
    assert _run("from evalspec.base.gcpause import gc_paused\n"
                "gc_freeze_until_exit()\n"
                "with gc_paused():\n"
                "    kept = [[i] for i in range(1000)]\n"
                "print(gc.get_freeze_count() >= 1000)\n") == ["True"]
