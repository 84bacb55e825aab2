"""Files that specs name: kept inside the working directory, parsed, checked, digested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalspec.base.canonical import canonical_json, digest
from evalspec.errors import SpecError
from evalspec.spec.load import load_spec


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory below tmp_path, so that tmp_path itself is outside it."""
    root = tmp_path / "work"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def errors(*paths: Path | str, root: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec([Path(p) for p in paths], root=root)
    return [str(d) for d in info.value.diagnostics]


def test_schema_outside_the_working_directory(work: Path) -> None:
    (work.parent / "secret.json").write_text("{}")
    (work / "spec.yaml").write_text("version: 1\nschemas:\n  x: ../secret.json\n")
    assert errors("spec.yaml", root=work) == [
        f"spec.yaml:3:6: schemas.x: ../secret.json resolves to {work.parent / 'secret.json'}, "
        f"outside the working directory {work}"
    ]


def test_schema_symlink_leaving_the_working_directory(work: Path) -> None:
    (work.parent / "secret.json").write_text('{"properties": {}}')
    (work / "innocent.json").symlink_to(work.parent / "secret.json")
    (work / "spec.yaml").write_text("version: 1\nschemas:\n  x: innocent.json\n")
    assert errors("spec.yaml", root=work) == [
        f"spec.yaml:3:6: schemas.x: innocent.json resolves to {work.parent / 'secret.json'}, "
        f"outside the working directory {work}"
    ]


def test_symlink_inside_the_working_directory_is_fine(work: Path) -> None:
    (work / "real.json").write_text('{"b": 1, "a": [1, 2]}')
    (work / "link.json").symlink_to(work / "real.json")
    (work / "spec.yaml").write_text("version: 1\nschemas:\n  x: link.json\n")
    schema = load_spec([Path("spec.yaml")], root=work).schemas["x"]
    assert schema.path == work / "real.json"
    assert schema.canonical == '{"a":[1,2],"b":1}'
    assert schema.digest == digest('{"a":[1,2],"b":1}')


def test_schema_paths_are_relative_to_the_spec_file(work: Path) -> None:
    (work / "specs").mkdir()
    (work / "schemas").mkdir()
    (work / "schemas" / "s.json").write_text('{"sections": [{"name": "A"}]}')
    (work / "specs" / "spec.yaml").write_text("version: 1\nschemas:\n  s: ../schemas/s.json\n")
    assert load_spec([Path("specs")], root=work).schemas["s"].path == work / "schemas" / "s.json"


def test_missing_schema_file(work: Path) -> None:
    (work / "spec.yaml").write_text("version: 1\nschemas:\n  x: nope.json\n")
    assert errors("spec.yaml", root=work) == [
        f"spec.yaml:3:6: schemas.x: {work / 'nope.json'}: file not found"
    ]


def test_managed_collection_files_with_a_relative_spec_path(work: Path) -> None:
    # Regression: globbing `specs/data/*` then resolving the match against `specs/` again
    # found `specs/specs/data/...`, which does not exist, so every file was silently dropped.
    data = work / "specs" / "data"
    data.mkdir(parents=True)
    (data / "b.pdf").write_bytes(b"%PDF-b")
    (data / "a.md").write_text("# A\n")
    (data / "a.md.truth.md").write_text("# A\n")
    (work / "specs" / "c.yaml").write_text(
        "version: 1\ncollections:\n  demo: {name: demo, files: ['data/*']}\n"
    )
    collection = load_spec([Path("specs")], root=work).collections["demo"]
    assert collection.files is not None
    assert [(f.upload_name, f.size) for f in collection.files] == [
        ("a.md", 4), ("a.md.truth.md", 4), ("b.pdf", 6),
    ]
    assert collection.files[2].path == data / "b.pdf"
    listing = [[f.upload_name, f.sha256] for f in collection.files]
    assert collection.files_digest == digest(canonical_json(listing))


def test_managed_pattern_matching_nothing(work: Path) -> None:
    (work / "c.yaml").write_text("version: 1\ncollections:\n  demo: {name: demo, files: ['data/*.pdf']}\n")
    assert errors("c.yaml", root=work) == [
        "c.yaml:3:29: collections.demo.files: data/*.pdf: matches no file"
    ]


def test_managed_files_sharing_an_upload_name(work: Path) -> None:
    for sub in ("x", "y"):
        (work / sub).mkdir()
        (work / sub / "doc.pdf").write_bytes(sub.encode())
    (work / "c.yaml").write_text("version: 1\ncollections:\n  demo: {name: demo, files: ['*/doc.pdf']}\n")
    assert errors("c.yaml", root=work) == [
        f"c.yaml:3:29: collections.demo.files: {work / 'x' / 'doc.pdf'} and {work / 'y' / 'doc.pdf'} "
        "would both be uploaded as 'doc.pdf'"
    ]


def test_managed_files_outside_the_working_directory(work: Path) -> None:
    (work.parent / "outside.pdf").write_bytes(b"x")
    (work / "c.yaml").write_text("version: 1\ncollections:\n  demo: {name: demo, files: ['../*.pdf']}\n")
    assert errors("c.yaml", root=work) == [
        f"c.yaml:3:29: collections.demo.files: ../*.pdf searches {work.parent}, "
        f"outside the working directory {work}"
    ]


def test_rubric_definition_is_loaded_and_digested(work: Path) -> None:
    (work / "r.yaml").write_text("evaluations:\n  - {kind: text_contains, text: Total}\n")
    (work / "spec.yaml").write_text("version: 1\nrubrics:\n  q: {name: q, definition: r.yaml}\n")
    rubric = load_spec([Path("spec.yaml")], root=work).rubrics["q"]
    expected = {"evaluations": [{"kind": "text_contains", "text": "Total"}]}
    assert rubric.definition == expected
    assert rubric.definition_digest == digest(canonical_json(expected))


def test_rubric_definition_without_evaluations(work: Path) -> None:
    (work / "r.json").write_text(json.dumps({"checks": []}))
    (work / "spec.yaml").write_text("version: 1\nrubrics:\n  q: {name: q, definition: r.json}\n")
    assert errors("spec.yaml", root=work) == [
        f"spec.yaml:3:28: rubrics.q.definition: {work / 'r.json'}: a rubric definition is a mapping "
        "with an `evaluations` list"
    ]


def test_page_schema_must_be_type_object(work: Path) -> None:
    (work / "s.json").write_text('{"type": "array", "properties": {}}')
    (work / "spec.yaml").write_text(
        "version: 1\nschemas:\n  s: s.json\npipelines:\n  x: {type: extract, page_schema: s}\n"
    )
    assert errors("spec.yaml", root=work) == [
        f"spec.yaml:3:6: schemas.s: used as a page schema: {work / 's.json'}: a page schema must "
        "have `type: object`"
    ]


def test_segmentation_sections_need_names(work: Path) -> None:
    (work / "s.json").write_text('{"sections": [{"name": "A"}, {"title": "B"}]}')
    (work / "spec.yaml").write_text(
        "version: 1\nschemas:\n  s: s.json\npipelines:\n  x: {type: segment, segmentation_schema: s}\n"
    )
    assert errors("spec.yaml", root=work) == [
        f"spec.yaml:3:6: schemas.s: used as a segmentation schema: {work / 's.json'}: sections[1] "
        "needs a string `name`"
    ]
