"""Request bodies and fingerprints, as DESIGN.md defines them."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalspec.base.canonical import canonical_json, digest
from evalspec.plan.cells import Cell, expand_spec
from evalspec.plan.request import BODY_FIELDS
from evalspec.spec.load import load_spec

SPEC = """version: 1
collections:
  ids: {id: 101}
  named: {name: receipts-2026q3}
  managed: {name: demo, files: [data/*]}
rubrics:
  r: {id: 7}
  byname: {name: layout-quality}
  defined: {name: checks, definition: rubric.yaml}
schemas:
  inv: inv.json
  other: other.json
  sec: sec.json
pipelines:
  md: {output_format: "json, markdown,json"}
  e1: {type: extract, page_schema: inv}
  e2: {type: extract, page_schema: other, pipeline_id: cp_abc123}
  sg: {type: segment, segmentation_schema: sec}
matrix:
  collection: [ids, named, managed]
  pipeline: [md, e1, e2, sg]
  rubric: [r, byname, defined]
settings: {max_cells: 100}
"""


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / "inv.json").write_text(
        '{\n  "type": "object",\n  "properties": {"total": {"type": "number"}}\n}\n'
    )
    (tmp_path / "other.json").write_text('{"properties": {"n": {"type": "string"}}}')
    (tmp_path / "sec.json").write_text('{"sections": [{"name": "Übersicht"}]}')
    (tmp_path / "rubric.yaml").write_text("evaluations: [{kind: text_contains, text: Total}]\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.md").write_text("# One\n")
    (tmp_path / "data" / "two.md").write_text("# Two\n")
    return tmp_path


def cells(root: Path) -> dict[str, Cell]:
    return {c.key: c for c in expand_spec(load_spec([root / "spec.yaml"], root=root))}


def fingerprints(root: Path) -> dict[str, str]:
    return {key: cell.request.fingerprint for key, cell in cells(root).items()}


def test_body_by_id_has_every_field_and_null_for_absent_ones(work: Path) -> None:
    body = cells(work)["ids/md/r"].request.body
    assert list(body) == list(BODY_FIELDS)
    assert dict(body) == {
        "collection_id": 101, "eval_rubric_id": 7, "pipeline_type": "convert", "pipeline_id": None,
        "page_schema": None, "segmentation_schema": None, "output_format": "markdown,json",
    }


def test_schema_sent_as_compact_canonical_json(work: Path) -> None:
    request = cells(work)["ids/e1/r"].request
    assert request.body["page_schema"] == '{"properties":{"total":{"type":"number"}},"type":"object"}'
    assert request.body["output_format"] is None
    segmentation = cells(work)["ids/sg/r"].request.body["segmentation_schema"]
    assert segmentation == '{"sections":[{"name":"Übersicht"}]}'
    assert request.schema_digests == {
        "page_schema": digest('{"properties":{"total":{"type":"number"}},"type":"object"}')
    }
    lock_form = request.lock_form()
    assert lock_form["page_schema"] == request.schema_digests["page_schema"]


def test_references_by_name_are_lookups_with_null_ids(work: Path) -> None:
    request = cells(work)["named/e2/byname"].request
    assert request.body["collection_id"] is None
    assert request.body["eval_rubric_id"] is None
    assert request.body["pipeline_id"] == "cp_abc123"
    assert dict(request.lookups) == {"collection_id": "receipts-2026q3", "eval_rubric_id": "layout-quality"}
    assert request.resolved({"collection_id": 5})["collection_id"] == 5
    assert cells(work)["ids/e2/r"].request.lookups == {}


def test_fingerprint_is_the_digest_of_the_documented_parts(work: Path) -> None:
    request = cells(work)["named/md/r"].request
    symbolic = {**request.body, "collection_id": {"name": "receipts-2026q3"}}
    expected = digest(canonical_json({
        "fingerprint_version": 1, "request": symbolic,
        "collection_files": None, "rubric_definition": None,
    }))
    assert request.fingerprint == expected


def test_whitespace_only_schema_edit_keeps_every_fingerprint(work: Path) -> None:
    before = fingerprints(work)
    (work / "inv.json").write_text('{"properties":{"total":{"type":"number"}},\n\n   "type":"object"}')
    assert fingerprints(work) == before


def test_schema_content_edit_changes_exactly_its_cells(work: Path) -> None:
    before = fingerprints(work)
    (work / "inv.json").write_text('{"type": "object", "properties": {"total": {"type": "integer"}}}')
    after = fingerprints(work)
    changed = sorted(k for k in before if before[k] != after[k])
    collections, rubrics = ("ids", "named", "managed"), ("r", "byname", "defined")
    assert changed == sorted(f"{c}/e1/{r}" for c in collections for r in rubrics)


def test_managed_collection_file_edit_changes_exactly_its_cells(work: Path) -> None:
    before = fingerprints(work)
    (work / "data" / "two.md").write_text("# Two, edited\n")
    after = fingerprints(work)
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == sorted(k for k in before if k.startswith("managed/"))
    assert len(changed) == 12


def test_rubric_definition_edit_changes_exactly_its_cells(work: Path) -> None:
    before = fingerprints(work)
    (work / "rubric.yaml").write_text("evaluations: [{kind: text_contains, text: Subtotal}]\n")
    after = fingerprints(work)
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == sorted(k for k in before if k.endswith("/defined"))
    assert len(changed) == 12


def test_rubric_definition_reformatting_keeps_fingerprints(work: Path) -> None:
    before = fingerprints(work)
    (work / "rubric.yaml").write_text("evaluations:\n  - kind: text_contains\n    text: Total\n")
    assert fingerprints(work) == before


def test_fingerprints_are_distinct_per_cell(work: Path) -> None:
    values = list(fingerprints(work).values())
    assert len(values) == 36
    assert len(set(values)) == 36
