"""Managed rubric files and truth sidecars, checked offline with `file:line:col`.

A rubric file is checked for syntax, structure, and, for the check kinds the local engine knows
(`evalspec.base.checkkinds`), their parameters. A kind it does not know is a note: Datalab may
know it. Truth sidecars of managed collections must be valid JSON; a sidecar without its
document, or a rubric that reads truth on a collection whose documents lack it, is a warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evalspec.base.checkkinds import CHECK_KINDS, evaluation_problems
from evalspec.base.suggest import did_you_mean
from evalspec.base.text import plural
from evalspec.base.truth import TRUTH_SUFFIXES, is_sidecar
from evalspec.base.yamlsource import Marks, YamlLoadError, json_problem, load_yaml
from evalspec.errors import Diagnostic
from evalspec.spec.spec import Collection, ManagedFile, Rubric, Spec

MAX_NAMED = 5  # documents named in one warning
DEFINITION_KEYS = ("evaluations",)


def shown(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def load_definition(path: Path) -> tuple[dict[str, Any] | None, list[Diagnostic], list[str]]:
    """A rubric file's eval_definition (None when broken), its errors, and notes."""
    try:
        value, marks = load_yaml(path, display_name=shown(path))
    except YamlLoadError as exc:
        return None, [exc.diagnostic], []
    if not isinstance(value, dict) or not isinstance(value.get("evaluations"), list):
        message = "a rubric definition is a mapping with an `evaluations` list"
        return None, [marks.diagnostic((), message)], []
    unsendable = json_problem(value, marks)  # it is sent as JSON: 1:, yes:, dates and .nan are not
    if unsendable is not None:
        return None, [unsendable], []
    errors, notes = definition_problems(value["evaluations"], marks)
    notes = [*_unknown_top_level_keys(value, marks), *notes]
    return (value if not errors else None), errors, notes


def _unknown_top_level_keys(value: dict[str, Any], marks: Marks) -> list[str]:
    """A warning per top-level key besides `evaluations`: nothing reads it, so a misplaced
    `evaluation:` or `checks:` list would pass silently (it is still sent: Datalab may read it)."""
    warnings = []
    for key in value:
        if key not in DEFINITION_KEYS:
            message = (f"unknown top-level key {key!r} in a rubric definition (only `evaluations` is "
                       f"read){did_you_mean(str(key), DEFINITION_KEYS)}")
            warnings.append(f"warning: {marks.diagnostic((key,), message, prefer_key=True)}")
    return warnings


def definition_problems(evaluations: list[Any], marks: Marks) -> tuple[list[Diagnostic], list[str]]:
    """Every problem of every evaluation, located; notes (unknown kinds) apart."""
    errors: list[Diagnostic] = []
    notes: list[str] = []
    for i, ev in enumerate(evaluations):
        for problem in evaluation_problems(ev):
            at_key = problem.message.startswith("unknown key")
            found = marks.diagnostic(("evaluations", i, *problem.where), problem.message, prefer_key=at_key)
            if problem.severity == "note":
                notes.append(f"note: {found}")
            else:
                errors.append(found)
    return errors, notes


def sidecar_problems(collection: Collection) -> tuple[list[Diagnostic], list[str]]:
    """Invalid JSON sidecars (errors) and sidecars without their document (warnings)."""
    files = collection.files or ()
    names = {f.upload_name for f in files}
    errors: list[Diagnostic] = []
    warnings: list[str] = []
    for f in files:
        if not is_sidecar(f.upload_name):
            continue
        if _document_of(f.upload_name) not in names:
            warnings.append(f"warning: {shown(f.path)}: truth sidecar of {_document_of(f.upload_name)!r}, "
                            f"which collection {collection.name!r} does not hold")
        if f.upload_name.lower().endswith(".truth.json"):
            errors += _json_problem(f)
    return errors, warnings


def _json_problem(sidecar: ManagedFile) -> list[Diagnostic]:
    try:
        json.loads(sidecar.path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return [Diagnostic(shown(sidecar.path), None, None, "", f"not UTF-8: {exc}")]
    except json.JSONDecodeError as exc:
        return [Diagnostic(shown(sidecar.path), exc.lineno, exc.colno, "", f"not valid JSON: {exc.msg}")]
    return []


def _document_of(sidecar: str) -> str:
    lowered = sidecar.lower()
    suffix = next(s for s in TRUTH_SUFFIXES if lowered.endswith(s))
    return sidecar[: -len(suffix)]


def truth_warnings(pairs: Iterable[tuple[Collection, Rubric]]) -> list[str]:
    """A rubric that reads truth, on a managed collection whose documents lack that sidecar."""
    warnings = []
    unique = {(c.name, r.name): (c, r) for c, r in pairs}
    for collection, rubric in (unique[names] for names in sorted(unique)):
        for suffix in _truth_needed(rubric):
            lacking = _lacking(collection.files or (), suffix)
            if collection.files is not None and lacking:
                named = ", ".join(lacking[:MAX_NAMED]) + (", ..." if len(lacking) > MAX_NAMED else "")
                warnings.append(
                    f"warning: {rubric.where}: rubric {rubric.name!r} reads {suffix} sidecars, and "
                    f"{plural(len(lacking), 'document')} of collection {collection.name!r} "
                    f"{'has' if len(lacking) == 1 else 'have'} none ({named})"
                )
    return warnings


def spec_notes(spec: Spec, pairs: Iterable[tuple[str, str | None]]) -> list[str]:
    """The notes and warnings of a loaded spec, plus truth warnings for the (collection, rubric)
    pairs of its cells."""
    used = [(spec.collections[c], spec.rubrics[r]) for c, r in pairs if r is not None]
    return [*spec.notes, *truth_warnings(used)]


def _truth_needed(rubric: Rubric) -> list[str]:
    evaluations = (rubric.definition or {}).get("evaluations") or []
    kinds = {str(ev.get("kind")) for ev in evaluations if isinstance(ev, dict)}
    return sorted({CHECK_KINDS[k].truth or "" for k in kinds if k in CHECK_KINDS} - {""})


def _lacking(files: Iterable[ManagedFile], suffix: str) -> list[str]:
    names = {f.upload_name for f in files}
    documents = sorted(n for n in names if not is_sidecar(n))
    return [d for d in documents if d + suffix not in names]
