"""`evalspec validate`: load the specs and expand the matrix; no network."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evalspec.console import out
from evalspec.errors import EXIT_OK
from evalspec.plan.cells import expand_spec
from evalspec.spec.load import load_spec


def run(paths: Sequence[Path]) -> int:
    """Raise SpecError on any problem; print a one-line summary otherwise."""
    spec = load_spec(paths)
    cells = expand_spec(spec)
    out(
        f"OK: {len(spec.files)} spec file(s), {len(cells)} cell(s), "
        f"{len(spec.collections)} collection(s), {len(spec.rubrics)} rubric(s), "
        f"{len(spec.pipelines)} pipeline(s), {len(spec.gates)} gate(s)"
    )
    return EXIT_OK
