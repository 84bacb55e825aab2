"""`evalspec doctor`: a read-only first-contact probe of the configured backend, as a table."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.backend.connect import open_backend
from evalspec.backend.probe import Finding, probe
from evalspec.console import out
from evalspec.errors import EXIT_OK, EXIT_REMOTE_FAILURE, AuthError
from evalspec.spec.load import load_spec

MARKS = {True: "ok", False: "FAIL", None: "note"}


@dataclass(frozen=True)
class DoctorRequest:
    """The doctor command's arguments: the specs (for settings.score_scale) and the backend."""

    paths: Sequence[Path] = ()
    backend: str = "datalab"
    state_dir: Path | None = None


def run(request: DoctorRequest) -> int:
    """Print the findings; 0 when evalspec can work with the service, 3 when not."""
    scale, managed_rubrics = _from_specs(request.paths)
    findings = asyncio.run(_findings(request, scale, managed_rubrics))
    out(render(findings))
    failed = [f for f in findings if f.ok is False]
    out(f"{len(failed)} problem(s): evalspec cannot work with this service as it is." if failed
        else "evalspec can work with this service.")
    return EXIT_REMOTE_FAILURE if failed else EXIT_OK


def _from_specs(paths: Sequence[Path]) -> tuple[float, tuple[str, ...]]:
    """settings.score_scale of the specs and their managed rubrics, when there are specs (doctor
    also runs without)."""
    existing = [path for path in paths if path.exists()]
    if not existing:
        return 1.0, ()
    spec = load_spec(existing)
    managed = tuple(sorted(name for name, rubric in spec.rubrics.items() if rubric.definition is not None))
    return spec.settings.score_scale, managed


async def _findings(request: DoctorRequest, scale: float, managed_rubrics: Sequence[str]) -> list[Finding]:
    try:
        async with open_backend(request.backend, state_dir=request.state_dir) as backend:
            found = [Finding("backend", True, backend.identity)]
            return found + await probe(backend.client, scale, managed_rubrics=managed_rubrics)
    except AuthError as exc:  # no key, or one we refuse to send in clear text
        return [Finding("API key", False, str(exc))]


def render(findings: Sequence[Finding]) -> str:
    """The findings as an aligned table: check, verdict, detail."""
    width = max((len(f.check) for f in findings), default=5)
    lines = [f"{'check':<{width}}  {'':<4}  detail"]
    lines += [f"{f.check:<{width}}  {MARKS[f.ok]:<4}  {f.detail}" for f in findings]
    return "\n".join(lines)
