"""Cells: keys, override axes, per-cell rules, and independence from the order of spec files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from evalspec.errors import SpecError
from evalspec.plan.cells import cell_key, expand_spec
from evalspec.spec.load import load_spec


def test_cell_key_forms() -> None:
    assert cell_key("invoices", "md", "fields", {}) == "invoices/md/fields"
    assert cell_key("invoices", "custom", None, {}) == "invoices/custom/-"
    assert cell_key("reports", "rich", "report-quality", {"output_format": ("markdown", "html")}) == (
        "reports/rich/report-quality[output_format=markdown+html]"
    )
    # override keys in sorted order, whatever order they come in
    overrides = {"page_schema": "b", "output_format": ("json",)}
    assert cell_key("c", "p", None, overrides) == "c/p/-[output_format=json,page_schema=b]"


def test_plan_basic_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    cells = expand_spec(load_spec([Path("plan-basic.yaml")], root=FIXTURES))
    # 2 collections x {md, invoice} x {fields, layout} minus md/fields = 6, the two md cells get
    # the output_format include, and two includes that fit nothing are added: 8.
    assert [c.key for c in cells] == [
        "invoices/invoice/fields",
        "invoices/invoice/layout",
        "invoices/md/layout[output_format=markdown+html]",
        "invoices/sections/layout",
        "receipts/custom-v2/-",
        "receipts/invoice/fields",
        "receipts/invoice/layout",
        "receipts/md/layout[output_format=markdown+html]",
    ]
    md = cells[2]
    assert (md.collection, md.pipeline, md.rubric) == ("invoices", "md", "layout")
    assert md.overrides == (("output_format", ("markdown", "html")),)
    assert md.request.body["output_format"] == "markdown,html"


def write_spec(root: Path, text: str) -> Path:
    path = root / "spec.yaml"
    path.write_text(text)
    return path


BASE = """version: 1
collections: {c: {id: 1}}
rubrics: {r: {id: 2}}
schemas: {a: a.json, b: b.json}
"""


def test_override_axis_in_the_matrix(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"properties": {"x": {}}}')
    (tmp_path / "b.json").write_text('{"properties": {"y": {}}}')
    write_spec(tmp_path, BASE + """pipelines: {e: {type: extract, page_schema: a}}
matrix: {collection: [c], pipeline: [e], rubric: [r], page_schema: [a, b]}
""")
    cells = expand_spec(load_spec([tmp_path / "spec.yaml"], root=tmp_path))
    assert [c.key for c in cells] == ["c/e/r[page_schema=a]", "c/e/r[page_schema=b]"]
    assert [c.request.body["page_schema"] for c in cells] == [
        '{"properties":{"x":{}}}', '{"properties":{"y":{}}}',
    ]


def test_the_same_cell_from_two_matrices_is_one_cell(tmp_path: Path) -> None:
    write_spec(tmp_path, """version: 1
collections: {c: {id: 1}}
rubrics: {r: {id: 2}, q: {id: 3}}
pipelines: {md: {}}
matrix:
  - {collection: [c], pipeline: [md], rubric: [r]}
  - {collection: [c], pipeline: [md], rubric: [r, q]}
""")
    cells = expand_spec(load_spec([tmp_path / "spec.yaml"], root=tmp_path))
    assert [c.key for c in cells] == ["c/md/q", "c/md/r"]


def test_every_bad_combination_is_reported_at_its_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, """version: 1
collections: {c: {id: 1}, d: {id: 2}}
rubrics: {r: {id: 2}}
pipelines: {e: {type: extract}, md: {}}
matrix:
  - {collection: [c, d], pipeline: [e], rubric: [r]}
  - collection: [c]
    pipeline: [md]
    rubric: [r]
    include: [{rubric: null}]
""")
    with pytest.raises(SpecError) as info:
        expand_spec(load_spec([Path("spec.yaml")], root=tmp_path))
    assert [str(d) for d in info.value.diagnostics] == [
        "spec.yaml:6:5: matrix[0]: pipeline 'e' is extract and needs a page_schema "
        "(cell collection=c, pipeline=e, rubric=r)",
        "spec.yaml:6:5: matrix[0]: pipeline 'e' is extract and needs a page_schema "
        "(cell collection=d, pipeline=e, rubric=r)",
        # the include merged `rubric: null` over... nothing: rubric is an axis, so it is added
        "spec.yaml:10:15: matrix[1].include[0]: a combination needs a collection (cell rubric=null)",
        "spec.yaml:10:15: matrix[1].include[0]: a combination needs a pipeline (cell rubric=null)",
    ]


# --- independence from the order of spec files -------------------------------------------

FILES = {
    "1-collections.yaml": "version: 1\ncollections: {c: {id: 1}, d: {name: dee}}\n",
    "2-rubrics.yaml": "version: 1\nrubrics: {r: {id: 2}, q: {name: queue}}\nschemas: {s: s.json}\n",
    "3-pipelines.yaml": "version: 1\npipelines: {md: {output_format: json}, x: {type: segment, "
    "segmentation_schema: s, pipeline_id: cp_1}}\n",
    "4-matrix-a.yaml": "version: 1\nmatrix: {collection: [c, d], pipeline: [md, x], rubric: [r, q], "
    "exclude: [{pipeline: x, rubric: q}], include: [{collection: c, pipeline: x, rubric: null}]}\n",
    "5-matrix-b.yaml": "version: 1\nmatrix: {collection: [d], pipeline: [md], rubric: [q], "
    "output_format: [[markdown, html], json]}\n",
}


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("order")
    for name, text in FILES.items():
        (root / name).write_text(text)
    (root / "s.json").write_text('{"sections": [{"name": "A"}]}')
    return root


def snapshot(spec_dir: Path, names: list[str]) -> list[tuple[str, str, object]]:
    cells = expand_spec(load_spec([spec_dir / n for n in names], root=spec_dir))
    return [(c.key, c.request.fingerprint, dict(c.request.body)) for c in cells]


def test_order_fixture_expands_as_reasoned(spec_dir: Path) -> None:
    keys = [key for key, _, _ in snapshot(spec_dir, list(FILES))]
    assert keys == [
        "c/md/q", "c/md/r", "c/x/-", "c/x/r",
        "d/md/q", "d/md/q[output_format=json]", "d/md/q[output_format=markdown+html]", "d/md/r", "d/x/r",
    ]


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(FILES)))
def test_expansion_is_independent_of_file_order(spec_dir: Path, names: list[str]) -> None:
    assert snapshot(spec_dir, names) == snapshot(spec_dir, list(FILES))


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(FILES)))
def test_keys_are_unique(spec_dir: Path, names: list[str]) -> None:
    keys = [key for key, _, _ in snapshot(spec_dir, names)]
    assert len(keys) == len(set(keys))



def test_a_value_listed_twice_on_an_axis_is_refused_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, """version: 1
collections: {c: {id: 1}}
rubrics: {r: {id: 2}}
pipelines: {md: {}}
matrix:
  collection: [c, c, c]
  pipeline: [md]
  rubric: [r, null, null]
  output_format: [[markdown, json], "json, markdown"]
""")
    with pytest.raises(SpecError) as info:
        expand_spec(load_spec([Path("spec.yaml")], root=tmp_path))
    assert [str(d) for d in info.value.diagnostics] == [
        "spec.yaml:6:19: matrix.collection[1]: 'c' is listed 3 times on the collection axis (first at [0])",
        "spec.yaml:8:21: matrix.rubric[2]: null is listed 2 times on the rubric axis (first at [1])",
        "spec.yaml:9:37: matrix.output_format[1]: 'markdown+json' is listed 2 times on the output_format "
        "axis (first at [0])",
    ]


def test_a_matrix_too_large_to_expand_is_refused_at_the_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    names = [f"n{i}" for i in range(30)]
    defined = "".join(f"  {n}: {{id: {i + 1}}}\n" for i, n in enumerate(names))
    axis = "[" + ", ".join(names) + "]"
    write_spec(tmp_path, f"""version: 1
collections:
{defined}rubrics:
{defined}pipelines:
{"".join(f"  {n}: {{}}" + chr(10) for n in names)}matrix:
  collection: {axis}
  pipeline: {axis}
  rubric: {axis}
  exclude: [{{collection: n1}}]
""")
    with pytest.raises(SpecError) as info:
        expand_spec(load_spec([Path("spec.yaml")], root=tmp_path))
    [diagnostic] = info.value.diagnostics
    assert str(diagnostic) == (
        "spec.yaml:96:3: matrix: the matrix axes make 27000 combinations before excludes, above the "
        "limit of 20000: split it into several matrices"
    )
