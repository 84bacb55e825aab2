"""A plan that says what changed: after an apply, edit a rubric file, a schema, a collection file and
a gate, and each replaced cell names its cause (in the table and in --json), and the managed objects
section says which objects are new, changed or unchanged since the lock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import applied_copy
from conftest import FIXTURES

from evalspec.lock.io import read_lock
from evalspec.plan.explain import changed_paths, gate_moves

# plan counts pages through a cache in the state directory
pytestmark = pytest.mark.usefixtures("state_dir")

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Run) -> Path:
    """The plan-explain fixture, applied on the local backend."""
    work, state = tmp_path / "work", tmp_path / "state"
    return applied_copy(FIXTURES / "plan-explain", work, state, run_evalspec, monkeypatch)


def plan(run_evalspec: Run) -> str:
    code, out, err = run_evalspec("plan", "spec.yaml")
    assert code == 0, err
    return out


def test_the_lock_keeps_the_gates_and_the_inputs(applied: Path) -> None:
    lock = read_lock(applied / "evalspec.lock")
    assert lock is not None and lock.inputs is not None
    assert lock.gate_rules == {"md-floor": {"min_score": 0.8, "where": {"pipeline": "md"}}}
    assert set(lock.inputs["collections"]["docs"]["files"]) == {"alpha.md", "beta.md"}
    assert lock.inputs["rubrics"]["words"]["file"] == "rubrics/words.yaml"
    [schema] = lock.inputs["schemas"].values()
    assert schema["name"] == "sections" and schema["file"] == "sections.json"


def test_nothing_changed_nothing_explained(applied: Path, run_evalspec: Run) -> None:
    out = plan(run_evalspec)
    assert out.splitlines()[-1] == "Plan: 0 to create, 0 to replace, 2 unchanged, 0 to remove"
    assert "managed objects" not in out and "gate" not in out


def test_a_rubric_edit_names_the_rubric_with_a_diff(applied: Path, run_evalspec: Run) -> None:
    rubric = applied / "rubrics" / "words.yaml"
    rubric.write_text(rubric.read_text().replace("text: TODO", "text: FIXME"))
    lines = plan(run_evalspec).splitlines()
    assert lines[0].startswith("managed objects (content-addressed")
    assert lines[1].startswith("  = collection docs -> explain-docs@")
    assert lines[1].endswith(": 2 documents")  # unchanged: no files moved, no sidecar note
    assert lines[2].startswith("  ~ rubric words -> explain-words@")
    assert lines[2].endswith(": definition changes (rubrics/words.yaml)")
    assert '      -      "text": "TODO"' in lines[3:9] and '      +      "text": "FIXME"' in lines[3:9]
    assert not any("sidecar" in line for line in lines)
    at = next(i for i, line in enumerate(lines) if line.startswith("  ~ docs/md/words "))
    assert lines[at].startswith("  ~ docs/md/words   changed: rubric words  [lookup: ")
    # Both cells use the rubric: each names the cause and where its diff is, printed once above.
    for key in ("docs/md/words ", "docs/seg/words"):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  ~ {key}"))
        assert lines[at + 1] == ("      rubric words: definition changed (rubrics/words.yaml)"
                                 " (diff shown in managed objects)")
    assert sum('"text": "FIXME"' in line for line in lines) == 1


def test_a_schema_edit_names_the_json_paths(applied: Path, run_evalspec: Run) -> None:
    (applied / "sections.json").write_text(
        '{"sections": [{"name": "Summary", "description": "what it is for"}, {"name": "Next Steps"}]}'
    )
    out = plan(run_evalspec)
    assert "  ~ docs/seg/words  changed: segmentation_schema sections  [lookup: " in out
    assert "      segmentation_schema sections: sections.json changed at sections.0.description" in out
    assert "docs/md/words" not in out.split("to replace")[1].split("Plan:")[0]


def test_a_collection_edit_names_the_files(applied: Path, run_evalspec: Run) -> None:
    (applied / "docs" / "alpha.md").write_text("# Alpha, rewritten\n")
    (applied / "docs" / "beta.md").unlink()
    (applied / "docs" / "gamma.md").write_text("Gamma.\n")
    out = plan(run_evalspec)
    assert ": 2 documents; files since the lock: 1 added, 1 removed, 1 changed\n" in out
    assert "      collection docs: added gamma.md; removed beta.md; changed alpha.md" in out
    code, text, _ = run_evalspec("plan", "spec.yaml", "--json")
    assert code == 0
    cells = {c["key"]: c for c in json.loads(text)["cells"]}
    assert cells["docs/md/words"]["causes"] == [{
        "input": "collection docs", "summary": "added gamma.md; removed beta.md; changed alpha.md",
        "detail": [], "added": ["gamma.md"], "removed": ["beta.md"],
    }]
    [docs, words] = json.loads(text)["managed"]
    assert docs["server_name"].startswith("explain-docs@") and docs["server_name"] in out
    assert {k: v for k, v in docs.items() if k != "server_name"} == {
        "kind": "collection", "name": "docs", "action": "~", "documents": 2, "sidecars": 0,
        "files": {"added": 1, "removed": 1, "changed": 1},
    }
    assert (words["kind"], words["name"], words["action"], words["diff"]) == ("rubric", "words", "=", [])
    assert "managed_objects" not in json.loads(text)  # one section, one key
    assert "lookups" in cells["docs/md/words"]  # replaced: apply will look the names up


def test_a_moved_gate_is_named_with_old_and_new(applied: Path, run_evalspec: Run) -> None:
    spec = applied / "spec.yaml"
    spec.write_text(spec.read_text().replace("min_score: 0.8", "min_score: 0.95"))
    out = plan(run_evalspec)
    assert "gates moved since the lock was applied:\n  gate md-floor: min_score 0.8 -> 0.95\n" in out
    code, text, _ = run_evalspec("plan", "spec.yaml", "--json")
    assert code == 0
    document = json.loads(text)
    assert document["gate_moves"] == ["gate md-floor: min_score 0.8 -> 0.95"]
    assert all("lookups" not in c for c in document["cells"])  # kept cells need no lookup


def test_a_request_field_shows_old_and_new(applied: Path, run_evalspec: Run) -> None:
    spec = applied / "spec.yaml"
    spec.write_text(spec.read_text().replace("output_format: [markdown]", "output_format: [markdown, json]"))
    out = plan(run_evalspec)
    assert "      output_format: markdown -> markdown,json" in out


def test_gate_moves_name_added_and_removed_gates() -> None:
    old = {"a": {"min_score": 0.8, "where": {}}, "b": {"max_drop": 0.02, "where": {}}}
    new = {"a": {"min_score": 0.8, "where": {"pipeline": "md"}}, "c": {"min_score": 0.5, "where": {}}}
    assert gate_moves(old, new) == (
        "gate a: where all cells -> pipeline=md",
        "gate b: removed (was max_drop 0.02, where all cells)",
        "gate c: added (min_score 0.5, where all cells)",
    )
    assert gate_moves(None, new) == ()  # an old lock kept only a digest


def test_changed_paths() -> None:
    old = {"properties": {"a": {"type": "string"}, "b": {}}, "type": "object"}
    new = {"properties": {"a": {"type": "number"}, "c": {}}, "type": "object"}
    assert list(changed_paths(old, new)) == [
        "properties.a.type", "properties.b (removed)", "properties.c (added)",
    ]
