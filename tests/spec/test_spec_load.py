"""Spec loading: one fixture per problem, each reported as `path:line:col: key.path: message`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from evalspec.errors import SpecError
from evalspec.plan.cells import expand_spec
from evalspec.spec.load import discover, load_spec


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    # File names in messages are relative to the working directory, which is also the root.
    monkeypatch.chdir(FIXTURES)


def problems(*names: str) -> list[str]:
    """The diagnostics of loading (and expanding) the named fixtures, as printed."""
    with pytest.raises(SpecError) as info:
        expand_spec(load_spec([Path(name) for name in names], root=FIXTURES))
    return [str(d) for d in info.value.diagnostics]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("unknown-key-typo.yaml",
         "unknown-key-typo.yaml:5:23: pipelines.md.output_formt: "
         "unknown key 'output_formt' (did you mean 'output_format'?)"),
        ("duplicate-key.yaml",
         "duplicate-key.yaml:4:3: duplicate key 'invoices' (first defined at line 3)"),
        ("invalid-yaml.yaml",
         "invalid-yaml.yaml:4:1: invalid YAML: expected ',' or '}', but got '<stream end>'"),
        ("top-level-list.yaml", "top-level-list.yaml:1:1: a spec file must be a mapping"),
        ("page-schema-on-convert.yaml",
         "page-schema-on-convert.yaml:9:36: pipelines.md.page_schema: "
         "page_schema is for extract pipelines, not convert"),
        ("extract-without-schema.yaml",
         "extract-without-schema.yaml:9:3: matrix: pipeline 'invoice' is extract and needs a "
         "page_schema (cell collection=invoices, pipeline=invoice, rubric=fields)"),
        ("segment-without-schema.yaml",
         "segment-without-schema.yaml:9:3: matrix: pipeline 'sections' is segment and needs a "
         "segmentation_schema (cell collection=invoices, pipeline=sections, rubric=fields)"),
        ("no-rubric-without-pipeline-id.yaml",
         "no-rubric-without-pipeline-id.yaml:9:3: matrix: a cell without a rubric needs a custom "
         "pipeline (pipeline_id); 'md' has none (cell collection=invoices, pipeline=md, rubric=null)"),
        # an include that fits no combination adds one; it lacks a collection, and the error
        # points at the include entry that produced it
        ("combination-without-collection.yaml",
         "combination-without-collection.yaml:10:7: matrix.include[0]: a combination needs a "
         "collection (cell pipeline=md, rubric=fields)"),
        ("exclude-key-not-axis.yaml",
         "exclude-key-not-axis.yaml:13:39: matrix.exclude[0].output_format: exclude key "
         "'output_format' is not a matrix axis (axes: collection, pipeline, rubric)"),
        # 3 collections x 2 pipelines x 2 rubrics = 12 > 10
        ("max-cells-exceeded.yaml",
         "max-cells-exceeded.yaml:13:3: matrix: the matrix expands to 12 cells, above the ceiling "
         "of 10; raise it with `settings: {max_cells: 12}`"),
    ],
)
def test_one_problem_per_fixture(fixture: str, expected: str) -> None:
    assert problems(fixture) == [expected]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("recursive-alias.yaml", ["recursive-alias.yaml:2:11: invalid YAML: an alias refers to itself"]),
        ("recursive-alias-list.yaml",
         ["recursive-alias-list.yaml:2:8: invalid YAML: an alias refers to itself"]),
        ("deep-nesting.yaml", ["deep-nesting.yaml:2:74: invalid YAML: nested deeper than 64 levels"]),
        ("malformed-tags.yaml", ["malformed-tags.yaml:3:11: invalid YAML: 'x' is not a valid !!int"]),
        ("nul-in-paths.yaml", [
            "nul-in-paths.yaml:2:14: schemas.s: 'z\\x00': a path cannot contain a NUL byte",
            "nul-in-paths.yaml:4:28: rubrics.r.definition: 'x\\x00y': a path cannot contain a NUL byte",
        ]),
        # what the shipped JSON Schema refuses, the loader refuses: no coercion
        ("strict-types.yaml", [
            "strict-types.yaml:3:17: collections.by-true.id: Input should be a valid integer",
            "strict-types.yaml:4:19: collections.by-string.id: Input should be a valid integer",
            "strict-types.yaml:5:21: collections.by-binary.name: Input should be a valid string",
            "strict-types.yaml:12:30: gates[0].min_score: Input should be a valid number",
            "strict-types.yaml:13:23: settings.max_cells: Input should be a valid integer",
        ]),
    ],
)
def test_hostile_yaml_is_refused_where_it_is(fixture: str, expected: list[str]) -> None:
    assert problems(fixture) == expected


def test_unknown_names_are_all_reported_with_suggestions() -> None:
    assert problems("unknown-names.yaml") == [
        "unknown-names.yaml:11:41: pipelines.extract.page_schema: unknown schema 'invoise' "
        "(did you mean 'invoice'?)",
        "unknown-names.yaml:13:16: matrix.collection[0]: unknown collection 'invoice' "
        "(did you mean 'invoices'?)",
        "unknown-names.yaml:14:14: matrix.pipeline[0]: unknown pipeline 'mdd' (did you mean 'md'?)",
        "unknown-names.yaml:15:12: matrix.rubric[0]: unknown rubric 'field' (did you mean 'fields'?)",
    ]


def test_a_name_defined_in_two_files_points_at_both() -> None:
    assert problems("name-defined-twice") == [
        "name-defined-twice/a.yaml:3:13: collections.invoices: collection 'invoices' is defined "
        "again at name-defined-twice/b.yaml:5:13",
        "name-defined-twice/b.yaml:5:13: collections.invoices: collection 'invoices' is also "
        "defined at name-defined-twice/a.yaml:3:13",
    ]


def test_errors_across_files_are_reported_together() -> None:
    assert problems("errors-across-files") == [
        "errors-across-files/a.yaml:3:14: collections.invoices.idd: unknown key 'idd' (did you mean 'id'?)",
        "errors-across-files/a.yaml:5:14: pipelines.md.type: "
        "Input should be 'convert', 'extract' or 'segment'",
        "errors-across-files/b.yaml:4:1: invalid YAML: expected ',' or '}', but got '<stream end>'",
        "errors-across-files/c.yaml:1:10: version: Input should be 1",
    ]


def test_alias_bomb() -> None:
    [message] = problems("alias-bomb.yaml")
    assert message.startswith("alias-bomb.yaml:")
    assert message.endswith(": document expands to more than 100000 values (alias bomb?)")


def test_oversized_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.yaml").write_text("version: 1\n" + "#" * (1 << 20))
    with pytest.raises(SpecError) as info:
        load_spec([Path("big.yaml")], root=tmp_path)
    assert [str(d) for d in info.value.diagnostics] == [
        f"big.yaml: file is {(1 << 20) + 11} bytes, above the limit of 1048576"
    ]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("schema-not-json.yaml",
         "schema-not-json.yaml:3:12: schemas.invoice: {schemas}/not-json.json:1:63: not valid JSON: "
         "Expecting property name enclosed in double quotes"),
        ("page-schema-without-properties.yaml",
         "page-schema-without-properties.yaml:3:12: schemas.invoice: used as a page schema: "
         "{schemas}/no-properties.json: a page schema must be a JSON Schema object with `properties`"),
        ("segmentation-schema-without-sections.yaml",
         "segmentation-schema-without-sections.yaml:3:13: schemas.sections: used as a segmentation "
         "schema: {schemas}/no-sections.json: a segmentation schema needs a non-empty `sections` list"),
    ],
)
def test_schema_file_problems_name_the_spec_line_and_the_file(fixture: str, expected: str) -> None:
    assert problems(fixture) == [expected.format(schemas=FIXTURES / "schemas")]


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        discover([Path("no-such-spec.yaml")])
    assert [str(d) for d in info.value.diagnostics] == ["no-such-spec.yaml: no such file or directory"]
    with pytest.raises(SpecError) as info:
        discover([tmp_path])
    assert [str(d) for d in info.value.diagnostics] == [f"{tmp_path}: no spec files"]


def test_directory_takes_yaml_and_yml_files_directly_in_it(tmp_path: Path) -> None:
    for name in ("b.yml", "a.yaml", "notes.txt", "sub/c.yaml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("version: 1\n")
    assert discover([tmp_path]) == [tmp_path / "a.yaml", tmp_path / "b.yml"]


def test_settings_defined_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("version: 1\nsettings: {max_cells: 5}\n")
    (tmp_path / "b.yaml").write_text("version: 1\nsettings: {max_cells: 6}\n")
    with pytest.raises(SpecError) as info:
        load_spec([tmp_path], root=tmp_path)
    assert [str(d) for d in info.value.diagnostics] == [
        "b.yaml:2:11: settings: settings defined again (first at a.yaml:2:11)"
    ]


def test_valid_fixture_loads() -> None:
    spec = load_spec([Path("plan-basic.yaml")], root=FIXTURES)
    assert spec.files == ("plan-basic.yaml",)
    assert sorted(spec.collections) == ["invoices", "receipts"]
    assert spec.pipelines["md"].pipeline.output_format == ("markdown", "json")
    assert spec.schemas["invoice"].canonical == (
        '{"properties":{"number":{"description":"Invoice number","type":"string"},'
        '"total":{"type":"number"}},"type":"object"}'
    )
    assert spec.settings.max_cells == 256


def test_an_invalid_part_does_not_hide_the_problems_of_the_rest() -> None:
    """The valid parts of a file are still checked; the invalid pipeline's uses are not
    reported a second time as unknown names."""
    assert problems("invalid-parts-and-bad-names.yaml") == [
        "invalid-parts-and-bad-names.yaml:8:9: pipelines.bad.typ: unknown key 'typ' (did you mean 'type'?)",
        "invalid-parts-and-bad-names.yaml:10:26: matrix.collection[1]: "
        "unknown collection 'recepts' (defined: invoices)",
        "invalid-parts-and-bad-names.yaml:14:30: gates[0].min_score: Input should be less than or equal to 1",
    ]
