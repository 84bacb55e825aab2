"""The loaded spec: typed, immutable values that leave the spec stage.

A `Spec` is the union of several spec files with every reference checked and every file it
names (schemas, managed documents, rubric definitions) read and digested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalspec.base.yamlsource import KeyPath, Marks
from evalspec.errors import Diagnostic
from evalspec.spec.schema_models import CollectionRef, Gate, Matrix, Pipeline, RubricRef, Settings


@dataclass(frozen=True)
class Located:
    """Where something was written: a file and the key path inside it."""

    marks: Marks
    path: KeyPath

    def diagnostic(self, message: str, *sub: str | int) -> Diagnostic:
        """A diagnostic at this place (or below it, at `sub`)."""
        return self.marks.diagnostic((*self.path, *sub), message)

    def __str__(self) -> str:
        mark = self.marks.locate(self.path)
        return f"{self.marks.file}:{mark.line}:{mark.col}" if mark else self.marks.file


@dataclass(frozen=True)
class SchemaFile:
    """A JSON schema file, read and canonicalised."""

    name: str
    path: Path
    canonical: str  # compact JSON with sorted keys: what is sent, and what is digested
    digest: str
    where: Located


@dataclass(frozen=True)
class ManagedFile:
    """One document (or truth sidecar) of a managed collection."""

    upload_name: str  # the filename the server sees
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class Collection:
    """A collection reference; `files` is set for a managed collection."""

    name: str
    ref: CollectionRef
    files: tuple[ManagedFile, ...] | None
    files_digest: str | None
    where: Located


@dataclass(frozen=True)
class Rubric:
    """A rubric reference; `definition` is set for a managed rubric."""

    name: str
    ref: RubricRef
    definition: Mapping[str, Any] | None
    definition_digest: str | None
    where: Located


@dataclass(frozen=True)
class PipelineDef:
    """A named pipeline and where it was defined."""

    name: str
    pipeline: Pipeline
    where: Located


@dataclass(frozen=True)
class MatrixDef:
    """One matrix mapping and where it was written (for errors about the cells it makes)."""

    matrix: Matrix
    where: Located


@dataclass(frozen=True)
class Spec:
    """Everything the planner needs, from one or more spec files."""

    files: tuple[str, ...]
    collections: Mapping[str, Collection]
    rubrics: Mapping[str, Rubric]
    schemas: Mapping[str, SchemaFile]
    pipelines: Mapping[str, PipelineDef]
    matrices: tuple[MatrixDef, ...]
    gates: tuple[Gate, ...]
    settings: Settings
    gate_sites: tuple[Located, ...] = ()  # where each gate was written, parallel to `gates`
    notes: tuple[str, ...] = ()  # warnings and notes found while loading (never fatal)
