"""`evalspec validate`: load the specs and expand the matrix; no network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.base.text import plural
from evalspec.console import err, out
from evalspec.errors import EXIT_OK, SpecError
from evalspec.plan.cells import expand_spec
from evalspec.plan.unused import unused_warnings
from evalspec.report.sensitivity import sensitivity_warnings
from evalspec.spec.definitions import spec_notes
from evalspec.spec.load import load_spec
from evalspec.spec.workflows import placeholder_diagnostics


@dataclass(frozen=True)
class ValidateRequest:
    """The validate command's arguments; `root` is the repository whose workflows are checked."""

    paths: Sequence[Path]
    root: Path = Path()


def run(request: ValidateRequest) -> int:
    """Raise SpecError on any problem; print warnings and a one-line summary otherwise."""
    spec = load_spec(request.paths)
    cells = expand_spec(spec)
    unreplaced = placeholder_diagnostics(request.root)
    if unreplaced:  # the workflow `init` wrote cannot run until its action is named
        raise SpecError(unreplaced)
    for warning in [*unused_warnings(spec, cells), *sensitivity_warnings(spec, cells)]:
        err(warning)
    for note in spec_notes(spec, [(cell.collection, cell.rubric) for cell in cells]):
        err(note)
    out(
        f"OK: {plural(len(spec.files), 'spec file')}, {plural(len(cells), 'cell')}, "
        f"{plural(len(spec.collections), 'collection')}, {plural(len(spec.rubrics), 'rubric')}, "
        f"{plural(len(spec.pipelines), 'pipeline')}, {plural(len(spec.gates), 'gate')}"
    )
    return EXIT_OK
