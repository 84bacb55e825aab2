"""Files that specs name: kept inside the working directory, parsed, checked, digested."""

from __future__ import annotations

import json
import os
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
    # Reported at the rubric file itself, not at the spec line naming it.
    assert errors("spec.yaml", root=work) == [
        "r.json:1:1: a rubric definition is a mapping with an `evaluations` list"
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


RUBRIC_SPEC = "version: 1\nrubrics:\n  q: {name: q, definition: r.yaml}\n"


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("evaluations: []\n1: x\n", "r.yaml:2:1: [1]: key 1 is not a string"),
        ("evaluations: []\nyes: 1\n", "r.yaml:2:1: True: key True is not a string (YAML reads yes/no"),
        ("evaluations:\n  - {kind: text_contains, text: 2026-01-15}\n",
         "r.yaml:2:33: evaluations[0].text: 2026-01-15 reads as a date in YAML: quote it"),
        ("evaluations:\n  - {kind: text_contains, text: a, weight: .inf}\n",
         "r.yaml:2:44: evaluations[0].weight: inf is not a finite number"),
        ("evaluations:\n  - {kind: text_contains, text: a, weight: .nan}\n",
         "r.yaml:2:44: evaluations[0].weight: nan is not a finite number"),
        ("evaluations: &e [*e]\n", "r.yaml:1:14: invalid YAML: an alias refers to itself"),
    ],
)
def test_a_rubric_definition_json_cannot_carry_is_refused_at_load(
    work: Path, definition: str, message: str
) -> None:
    (work / "r.yaml").write_text(definition)
    (work / "spec.yaml").write_text(RUBRIC_SPEC)
    [error] = errors("spec.yaml", root=work)
    assert error.startswith(message)  # at the rubric file's own line, where the mistake is


def test_a_fifo_as_definition_or_schema_is_refused_without_blocking(work: Path) -> None:
    os.mkfifo(work / "r.yaml")
    os.mkfifo(work / "s.json")
    (work / "spec.yaml").write_text(RUBRIC_SPEC + "schemas: {s: s.json}\n")
    assert errors("spec.yaml", root=work) == [
        f"spec.yaml:3:28: rubrics.q.definition: {work / 'r.yaml'}: not a regular file",
        f"spec.yaml:4:14: schemas.s: {work / 's.json'}: not a regular file",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "not valid JSON: nested deeper than 64 levels"),
        ("[" * 65 + "]" * 65, "nested deeper than 64 levels"),
        ('{"properties": {"x": NaN}}', "not valid JSON: NaN (numbers must be finite)"),
        (b'{"properties": {"\xff": {}}}', "s.json:1:18: file is not valid UTF-8"),
    ],
)
def test_a_schema_file_that_would_crash_is_refused(work: Path, text: str | bytes, message: str) -> None:
    schema = work / "s.json"
    schema.write_bytes(text if isinstance(text, bytes) else text.encode())
    (work / "spec.yaml").write_text("version: 1\nschemas: {s: s.json}\n")
    [error] = errors("spec.yaml", root=work)
    assert error.startswith("spec.yaml:2:14: schemas.s: ") and error.endswith(message)


def managed(work: Path, pattern: str) -> list[str]:
    (work / "spec.yaml").write_text(f"version: 1\ncollections:\n  c: {{name: c, files: ['{pattern}']}}\n")
    return errors("spec.yaml", root=work)


def test_a_pattern_that_would_walk_outside_the_root_is_refused_before_walking(work: Path) -> None:
    # `/**` would walk the whole filesystem before any match could be refused.
    assert managed(work, "/**") == [
        f"spec.yaml:3:23: collections.c.files: /** searches /, outside the working directory {work}"
    ]
    assert managed(work, "data/**/../../../*") == [
        "spec.yaml:3:23: collections.c.files: data/**/../../../*: `..` after a wildcard could leave "
        "the working directory"
    ]


@pytest.mark.parametrize("name", ["evalspec.lock", "shard-1.lock", "evalspec.lock.journal", "x.lock.pid"])
def test_a_pattern_matching_what_evalspec_writes_is_refused(work: Path, name: str) -> None:
    (work / "doc.pdf").write_bytes(b"%PDF")
    (work / name).write_text("x")
    assert managed(work, "*") == [
        f"spec.yaml:3:23: collections.c.files: {name!r} is written by evalspec itself (the lockfile or "
        ".evalspec/): a collection holding it would change at every apply; narrow the pattern"
    ]


def test_a_pattern_matching_the_state_directory_is_refused(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / ".evalspec" / "results").mkdir(parents=True)
    (work / ".evalspec" / "results" / "1.json").write_text("{}")
    assert managed(work, ".evalspec/results/*") == [
        "spec.yaml:3:23: collections.c.files: '.evalspec/results/1.json' is written by evalspec "
        "itself (the lockfile or .evalspec/): a collection holding it would change at every apply; "
        "narrow the pattern"
    ]
    monkeypatch.setenv("EVALSPEC_STATE_DIR", str(work / "state"))
    (work / "state").mkdir()
    (work / "state" / "ledger.json").write_text("{}")
    assert "'state/ledger.json' is written by evalspec itself" in managed(work, "state/*")[0]


def test_a_file_name_that_is_not_utf8_is_refused(work: Path) -> None:
    (work / "data").mkdir()
    (work / "data" / "ok.pdf").write_bytes(b"%PDF")
    os.close(os.open(os.fsencode(work / "data") + b"/caf\xe9.pdf", os.O_CREAT | os.O_WRONLY))
    assert managed(work, "data/*") == [
        "spec.yaml:3:23: collections.c.files: 'data/caf\\udce9.pdf': the file name is not valid UTF-8; "
        "rename it"
    ]


def test_symlinked_directories_do_not_make_a_double_star_walk_endless(work: Path) -> None:
    # With glob.glob, two links back to their parent make `**` exponential: validate never ends.
    (work / "data").mkdir()
    (work / "data" / "doc.md").write_text("# doc\n")
    (work / "data" / ".hidden.md").write_text("# not matched by wildcards, as with glob\n")
    os.symlink("..", work / "data" / "up")
    os.symlink("..", work / "data" / "again")
    (work / "spec.yaml").write_text("version: 1\ncollections:\n  c: {name: c, files: ['data/**']}\n")
    collection = load_spec([Path("spec.yaml")], root=work).collections["c"]
    assert [f.upload_name for f in collection.files or ()] == ["doc.md"]


def test_collection_files_reached_through_symlinks_are_checked_like_any_path(work: Path) -> None:
    # Matches are resolved a directory at a time; a link, to a file or to a directory, is
    # still followed to where it leads before it is let in.
    outside = work.parent / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# secret\n")
    (work / "data").mkdir()
    (work / "data" / "doc.md").write_text("# doc\n")
    (work / "data" / "alias.md").symlink_to(work / "data" / "doc.md")
    (work / "linked").symlink_to(work / "data")
    (work / "escape").symlink_to(outside)
    (work / "leak.md").symlink_to(outside / "secret.md")
    spec = "version: 1\ncollections:\n  c: {{name: c, files: [{}]}}\n"
    (work / "spec.yaml").write_text(spec.format("'linked/*'"))
    files = load_spec([Path("spec.yaml")], root=work).collections["c"].files or ()
    # The alias is the file it links to, listed once under that file's name.
    assert [(f.upload_name, f.path) for f in files] == [("doc.md", work / "data" / "doc.md")]
    for pattern, shown in (("'*/secret.md'", "escape/secret.md"), ("'*.md'", "leak.md")):
        (work / "spec.yaml").write_text(spec.format(pattern))
        assert f"{shown} resolves to {outside / 'secret.md'}, outside the working directory" in \
            errors("spec.yaml", root=work)[0]
