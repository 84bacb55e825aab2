"""Cross-reference checks: every name a spec uses is defined, every schema fits its use."""

from __future__ import annotations

import json
from collections.abc import Iterator

from evalspec.errors import Diagnostic
from evalspec.spec import files as spec_files
from evalspec.spec.models import MatrixEntry
from evalspec.spec.spec import Located, Spec
from evalspec.spec.suggest import unknown_name

SCHEMA_AXES = {"page_schema": "page schema", "segmentation_schema": "segmentation schema"}


def check_references(spec: Spec) -> list[Diagnostic]:
    """Every problem with names and schema files, located where the name is written."""
    problems = list(_pipeline_problems(spec))
    problems += list(_matrix_problems(spec))
    problems += list(_gate_problems(spec))
    problems += list(_schema_use_problems(spec))
    return problems


def _pipeline_problems(spec: Spec) -> Iterator[Diagnostic]:
    for pdef in spec.pipelines.values():
        pipe = pdef.pipeline
        for axis in SCHEMA_AXES:
            name = getattr(pipe, axis)
            if name is not None and name not in spec.schemas:
                message = unknown_name("schema", name, spec.schemas)
                yield pdef.where.diagnostic(message, axis)
        if pipe.page_schema is not None and pipe.type != "extract":
            message = f"page_schema is for extract pipelines, not {pipe.type}"
            yield pdef.where.diagnostic(message, "page_schema")
        if pipe.segmentation_schema is not None and pipe.type != "segment":
            yield pdef.where.diagnostic(
                f"segmentation_schema is for segment pipelines, not {pipe.type}", "segmentation_schema",
            )


def _matrix_problems(spec: Spec) -> Iterator[Diagnostic]:
    for mdef in spec.matrices:
        matrix = mdef.matrix
        for axis in ("collection", "pipeline", "rubric", *SCHEMA_AXES):
            for i, name in enumerate(getattr(matrix, axis) or ()):
                yield from _check_name(spec, axis, name, mdef.where, (axis, i))
        for group in ("include", "exclude"):
            for i, entry in enumerate(getattr(matrix, group)):
                yield from _entry_problems(spec, entry, mdef.where, (group, i))


def _entry_problems(
    spec: Spec, entry: MatrixEntry, where: Located, path: tuple[str, int]
) -> Iterator[Diagnostic]:
    for axis in ("collection", "pipeline", "rubric", *SCHEMA_AXES):
        name = getattr(entry, axis)
        yield from _check_name(spec, axis, name, where, (*path, axis))


def _check_name(
    spec: Spec, axis: str, name: str | None, where: Located, sub: tuple[str | int, ...]
) -> Iterator[Diagnostic]:
    if name is None:
        return
    known = {
        "collection": spec.collections, "pipeline": spec.pipelines, "rubric": spec.rubrics,
        "page_schema": spec.schemas, "segmentation_schema": spec.schemas,
    }[axis]
    if name not in known:
        kind = "schema" if axis in SCHEMA_AXES else axis
        yield where.diagnostic(unknown_name(kind, name, known), *sub)


def _gate_problems(spec: Spec) -> Iterator[Diagnostic]:
    for gate, where in zip(spec.gates, spec.gate_sites, strict=True):
        for axis in ("collection", "pipeline", "rubric"):
            yield from _check_name(spec, axis, getattr(gate.where, axis), where, ("where", axis))


def _schema_use_problems(spec: Spec) -> Iterator[Diagnostic]:
    """A schema used as a page schema must look like one; likewise for segmentation."""
    for axis, names in _schema_uses(spec).items():
        check = (
            spec_files.check_page_schema if axis == "page_schema"
            else spec_files.check_segmentation_schema
        )
        for name in sorted(names):
            schema = spec.schemas.get(name)
            if schema is None:
                continue
            try:
                check(schema.path, json.loads(schema.canonical))
            except spec_files.FileProblem as exc:
                yield schema.where.diagnostic(f"used as a {SCHEMA_AXES[axis]}: {exc}")


def _schema_uses(spec: Spec) -> dict[str, set[str]]:
    uses: dict[str, set[str]] = {axis: set() for axis in SCHEMA_AXES}
    for pdef in spec.pipelines.values():
        for axis in SCHEMA_AXES:
            if (name := getattr(pdef.pipeline, axis)) is not None:
                uses[axis].add(name)
    for mdef in spec.matrices:
        for axis in SCHEMA_AXES:
            uses[axis].update(getattr(mdef.matrix, axis) or ())
            uses[axis].update(getattr(e, axis) for e in mdef.matrix.include if getattr(e, axis))
    return uses
