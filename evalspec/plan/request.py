"""Request bodies (exactly `StartBatchRunRequest`) and the fingerprints built from them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalspec.base.canonical import canonical_json, digest
from evalspec.spec.spec import Collection, Rubric, SchemaFile

FINGERPRINT_VERSION = 1
BODY_FIELDS = (
    "collection_id", "eval_rubric_id", "pipeline_type", "pipeline_id",
    "page_schema", "segmentation_schema", "output_format",
)
SCHEMA_FIELDS = ("page_schema", "segmentation_schema")


@dataclass(frozen=True)
class Request:
    """The body apply will POST for one cell.

    Ids of references by name are unknown until apply looks them up: they are None in `body`
    and `lookups` maps the field to the server-side name; the fingerprint uses that name, never
    a guessed id.
    """

    body: Mapping[str, Any]
    lookups: Mapping[str, str]
    schema_digests: Mapping[str, str]
    fingerprint: str

    def lock_form(self, resolved_ids: Mapping[str, int] | None = None) -> dict[str, Any]:
        """The body as the lock records it: schema contents replaced by their digests."""
        body = self.resolved(resolved_ids or {})
        body.update(self.schema_digests)
        return body

    def with_known(self, known: Mapping[tuple[str, str], int]) -> tuple[dict[str, Any], dict[str, str]]:
        """The body with the ids `known` by (field, server name) filled in, and what is left to look up."""
        ids = {f: known[(f, name)] for f, name in self.lookups.items() if (f, name) in known}
        remaining = {f: name for f, name in self.lookups.items() if f not in ids}
        return self.resolved(ids), remaining

    def resolved(self, resolved_ids: Mapping[str, int]) -> dict[str, Any]:
        """The exact body to POST, with looked-up ids (by field name) filled in."""
        body = dict(self.body)
        for field in self.lookups:
            if field in resolved_ids:
                body[field] = resolved_ids[field]
        return body


def build_request(
    collection: Collection,
    rubric: Rubric | None,
    pipeline_type: str,
    pipeline_id: str | None,
    schemas: Mapping[str, SchemaFile | None],
    output_format: tuple[str, ...] | None,
) -> Request:
    """The request for one cell, from its already-checked parts."""
    lookups: dict[str, str] = {}
    body: dict[str, Any] = {
        "collection_id": _reference_id(collection.ref.id, "collection_id", collection.server_name, lookups),
        "eval_rubric_id": (
            _reference_id(rubric.ref.id, "eval_rubric_id", rubric.server_name, lookups) if rubric else None
        ),
        "pipeline_type": pipeline_type,
        "pipeline_id": pipeline_id,
        "output_format": ",".join(output_format) if output_format else None,
    }
    schema_digests: dict[str, str] = {}
    for field in SCHEMA_FIELDS:
        schema = schemas.get(field)
        body[field] = schema.canonical if schema else None
        if schema:
            schema_digests[field] = schema.digest
    body = {field: body[field] for field in BODY_FIELDS}
    return Request(body, lookups, schema_digests, _fingerprint(body, lookups, collection, rubric))


def _reference_id(known: int | None, field: str, name: str | None, lookups: dict[str, str]) -> int | None:
    if known is None and name is not None:  # a reference has exactly one of id and name
        lookups[field] = name
    return known


def _fingerprint(
    body: Mapping[str, Any], lookups: Mapping[str, str], collection: Collection, rubric: Rubric | None
) -> str:
    # The spec's names, not the content-addressed ones: the content digests follow below, so a
    # fingerprint written before managed objects were content-addressed stays the same.
    names = {"collection_id": collection.ref.name, "eval_rubric_id": rubric.ref.name if rubric else None}
    symbolic = dict(body)
    for field in lookups:
        symbolic[field] = {"name": names[field]}
    return digest(canonical_json({
        "fingerprint_version": FINGERPRINT_VERSION,
        "request": symbolic,
        "collection_files": collection.files_digest,
        "rubric_definition": rubric.definition_digest if rubric else None,
    }))
