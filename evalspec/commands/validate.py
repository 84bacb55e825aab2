"""`evalspec validate`: load the specs and expand the matrix; no network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.console import err, out
from evalspec.errors import EXIT_OK
from evalspec.plan.cells import expand_spec
from evalspec.spec.definitions import spec_notes
from evalspec.spec.load import load_spec


@dataclass(frozen=True)
class ValidateRequest:
    """The validate command's arguments."""

    paths: Sequence[Path]


def run(request: ValidateRequest) -> int:
    """Raise SpecError on any problem; print a one-line summary otherwise."""
    spec = load_spec(request.paths)
    cells = expand_spec(spec)
    for note in spec_notes(spec, [(cell.collection, cell.rubric) for cell in cells]):
        err(note)
    out(
        f"OK: {len(spec.files)} spec file(s), {len(cells)} cell(s), "
        f"{len(spec.collections)} collection(s), {len(spec.rubrics)} rubric(s), "
        f"{len(spec.pipelines)} pipeline(s), {len(spec.gates)} gate(s)"
    )
    return EXIT_OK
