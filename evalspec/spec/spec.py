"""The loaded spec: typed, immutable values that leave the spec stage.

A `Spec` is the union of several spec files with every reference checked and every file it
names (schemas, managed documents, rubric definitions) read and digested.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalspec.base.truth import is_sidecar
from evalspec.base.yamlsource import KeyPath, Marks
from evalspec.errors import Diagnostic
from evalspec.spec.schema_models import CollectionRef, Gate, Matrix, Pipeline, RubricRef, Settings

# Hex digits of a content digest in a managed object's server name (`words@3f2a9c1d`).
SHORT_DIGEST = 8


_ADDRESSED = re.compile(rf".+@[0-9a-f]{{{SHORT_DIGEST}}}")


def content_address(name: str, full_digest: str) -> str:
    """`name@<short digest>`: the server name of a managed object with this content."""
    return f"{name}@{full_digest.removeprefix('sha256:')[:SHORT_DIGEST]}"


def _server_name(ref_name: str | None, content_digest: str | None) -> str | None:
    # A managed reference always has a name (the spec's models require it).
    if ref_name is not None and content_digest is not None:
        return content_address(ref_name, content_digest)
    return ref_name


def is_content_addressed(server_name: str) -> bool:
    """Whether a server object's name is one evalspec gives managed objects (`name@3f2a9c1d`)."""
    return _ADDRESSED.fullmatch(server_name) is not None


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

    @property
    def is_truth(self) -> bool:
        """A ground-truth sidecar: read by evaluating backends, never a document to parse."""
        return is_sidecar(self.upload_name)


@dataclass(frozen=True)
class Collection:
    """A collection reference; `files` is set for a managed collection."""

    name: str
    ref: CollectionRef
    files: tuple[ManagedFile, ...] | None
    files_digest: str | None
    where: Located

    @property
    def server_name(self) -> str | None:
        """The name on the server: `name@digest` when managed, the plain name when named."""
        return _server_name(self.ref.name, self.files_digest)


@dataclass(frozen=True)
class Rubric:
    """A rubric reference; `definition` is set for a managed rubric."""

    name: str
    ref: RubricRef
    definition: Mapping[str, Any] | None
    definition_digest: str | None
    where: Located

    @property
    def server_name(self) -> str | None:
        """The name on the server: `name@digest` when managed, the plain name when named."""
        return _server_name(self.ref.name, self.definition_digest)


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
    settings_site: Located | None = None  # where `settings` was written
    notes: tuple[str, ...] = ()  # warnings and notes found while loading (never fatal)
