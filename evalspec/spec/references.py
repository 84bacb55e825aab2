"""Cross-reference checks: every name a spec uses is defined, every schema fits its use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from evalspec.base.suggest import unknown_name
from evalspec.errors import Diagnostic
from evalspec.spec import files as spec_files
from evalspec.spec.schema_models import PIPELINE_TYPES, MatrixEntry
from evalspec.spec.spec import Located, Spec

SCHEMA_AXES = {"page_schema": "page schema", "segmentation_schema": "segmentation schema"}


def check_references(spec: Spec, broken: frozenset[str] = frozenset()) -> list[Diagnostic]:
    """Every problem with names and schema files, located where the name is written.

    Uses of `broken` names (defined, but invalid and already reported) are not reported again.
    """
    names = _Names(spec, broken)
    problems = list(_pipeline_problems(names))
    problems += list(_matrix_problems(names))
    problems += list(_gate_problems(names))
    problems += list(_schema_use_problems(spec))
    problems += list(_price_problems(spec))
    return problems


def _price_problems(spec: Spec) -> Iterator[Diagnostic]:
    """A price is for a pipeline type or a custom pipeline id the spec uses: any other key is a
    typo that would leave cells unpriced in silence."""
    custom = (p.pipeline.pipeline_id for p in spec.pipelines.values() if p.pipeline.pipeline_id)
    known = {*PIPELINE_TYPES, *custom}
    for key in (spec.settings.prices or {}):
        if key not in known and spec.settings_site is not None:
            message = unknown_name("pipeline type or pipeline_id", key, known)
            yield spec.settings_site.diagnostic(message, "prices", key)


@dataclass(frozen=True)
class _Names:
    """What the spec defines, to check the names it uses against."""

    spec: Spec
    broken: frozenset[str]

    def unknown(self, axis: str, name: str | None) -> str | None:
        """The message for a use of `name` on `axis` that names nothing, else None."""
        known = {
            "collection": self.spec.collections, "pipeline": self.spec.pipelines,
            "rubric": self.spec.rubrics, "page_schema": self.spec.schemas,
            "segmentation_schema": self.spec.schemas,
        }[axis]
        if name is None or name in known or name in self.broken:
            return None
        return unknown_name("schema" if axis in SCHEMA_AXES else axis, name, known)

    def check(self, axis: str, name: str | None, where: Located, *sub: str | int) -> Iterator[Diagnostic]:
        """A diagnostic at `where`/`sub` if `name` is unknown."""
        message = self.unknown(axis, name)
        if message is not None:
            yield where.diagnostic(message, *sub)


def _pipeline_problems(names: _Names) -> Iterator[Diagnostic]:
    for pdef in names.spec.pipelines.values():
        pipe = pdef.pipeline
        for axis in SCHEMA_AXES:
            yield from names.check(axis, getattr(pipe, axis), pdef.where, axis)
        if pipe.page_schema is not None and pipe.type != "extract":
            message = f"page_schema is for extract pipelines, not {pipe.type}"
            yield pdef.where.diagnostic(message, "page_schema")
        if pipe.segmentation_schema is not None and pipe.type != "segment":
            yield pdef.where.diagnostic(
                f"segmentation_schema is for segment pipelines, not {pipe.type}", "segmentation_schema",
            )


def _matrix_problems(names: _Names) -> Iterator[Diagnostic]:
    for mdef in names.spec.matrices:
        matrix = mdef.matrix
        for axis in ("collection", "pipeline", "rubric", *SCHEMA_AXES):
            for i, name in enumerate(getattr(matrix, axis) or ()):
                yield from names.check(axis, name, mdef.where, axis, i)
        for group in ("include", "exclude"):
            for i, entry in enumerate(getattr(matrix, group)):
                yield from _entry_problems(names, entry, mdef.where, (group, i))


def _entry_problems(
    names: _Names, entry: MatrixEntry, where: Located, path: tuple[str, int]
) -> Iterator[Diagnostic]:
    for axis in ("collection", "pipeline", "rubric", *SCHEMA_AXES):
        yield from names.check(axis, getattr(entry, axis), where, *path, axis)


def _gate_problems(names: _Names) -> Iterator[Diagnostic]:
    for gate, where in zip(names.spec.gates, names.spec.gate_sites, strict=True):
        for axis in ("collection", "pipeline", "rubric"):
            yield from names.check(axis, getattr(gate.where, axis), where, "where", axis)


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
