"""The diff against the lock, the plan around it, and how it is rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.plan.cells import Cell, expand_spec
from evalspec.plan.diff import Rules, diff_cells
from evalspec.plan.display import render_plan
from evalspec.plan.plan import gates_digest, make_plan
from evalspec.spec.load import load_spec
from evalspec.spec.spec import Spec

SPEC = """version: 1
collections: {c: {id: 1}, d: {name: dee}}
rubrics: {r: {id: 2}}
pipelines: {a: {}, b: {output_format: json}, p: {}, q: {}}
matrix:
  {collection: [c], pipeline: [a, b, p, q], rubric: [r], include: [{collection: d, pipeline: a, rubric: r}]}
gates: [{name: floor, min_score: 0.5}]
"""


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "spec.yaml").write_text(SPEC)
    return load_spec([tmp_path / "spec.yaml"], root=tmp_path)


def locked(cell: Cell, **fields: object) -> LockCell:
    base: dict[str, object] = {"fingerprint": cell.request.fingerprint, "request": cell.request.lock_form()}
    return LockCell.model_validate({**base, **fields})


def lock_for(spec: Spec) -> Lockfile:
    cells = {c.key: c for c in expand_spec(spec)}
    entries = {
        # c/a/r: not in the lock -> create
        "c/b/r": locked(
            cells["c/b/r"], fingerprint="sha256:old", run_id=1, status="completed",
            request={**cells["c/b/r"].request.lock_form(), "output_format": "markdown"},
        ),
        "c/p/r": locked(cells["c/p/r"], run_id=2, status="completed", avg_score=0.91234),
        "c/q/r": locked(cells["c/q/r"], run_id=3, status="running"),
        "d/a/r": locked(cells["d/a/r"]),  # submitted, id not recorded yet
        "gone/a/r": LockCell(fingerprint="sha256:gone", request={}, run_id=9, status="completed"),
    }
    return Lockfile(lineage="L", serial=4, gates=gates_digest(spec.gates), cells=entries)


def test_every_action(spec: Spec) -> None:
    plan = make_plan(spec, lock_for(spec))
    assert [(c.key, c.action, c.reason) for c in plan.changes] == [
        ("c/a/r", "create", "new cell"),
        ("c/b/r", "replace", "changed: output_format"),
        ("c/p/r", "keep", "run 2 completed, avg_score 0.912"),
        ("c/q/r", "poll", "run 3 is running"),
        ("d/a/r", "poll", "submitted, run id not recorded yet: apply adopts or resubmits it"),
        ("gone/a/r", "remove", "no longer in the specs"),
    ]
    assert plan.action_counts == {"create": 1, "replace": 1, "keep": 1, "poll": 2, "remove": 1}
    assert plan.pending
    assert (plan.lineage, plan.serial, plan.gates_changed) == ("L", 4, False)


def test_nothing_pending_when_everything_is_kept(spec: Spec) -> None:
    cells = expand_spec(spec)
    lock = Lockfile(lineage="L", serial=1, cells={
        c.key: locked(c, run_id=i, status="completed") for i, c in enumerate(cells, 1)
    })
    plan = make_plan(spec, lock)
    assert plan.action_counts == {"create": 0, "replace": 0, "keep": 5, "poll": 0, "remove": 0}
    assert not plan.pending
    assert not plan.gates_changed  # the lock holds no gates digest yet


def test_failed_runs_are_kept_unless_retried(spec: Spec) -> None:
    cell = expand_spec(spec)[0]
    previous = {cell.key: locked(cell, run_id=5, status="failed")}
    assert diff_cells([cell], previous)[0].action == "keep"
    [change] = diff_cells([cell], previous, Rules(retry_failed=True))
    assert (change.action, change.reason) == ("replace", "run 5 ended failed; retrying")


def test_replace_with_no_visible_field_change(spec: Spec) -> None:
    cell = expand_spec(spec)[0]
    previous = locked(cell, fingerprint="sha256:x", run_id=1, status="completed")
    [change] = diff_cells([cell], {cell.key: previous})
    assert change.reason == "inputs changed (collection files, rubric definition or a reference)"


def test_gates_change_is_noted(spec: Spec) -> None:
    lock = Lockfile(lineage="L", serial=1, gates="sha256:other")
    plan = make_plan(spec, lock)
    assert plan.gates_changed
    assert "Note: the spec's gates changed since the lock was last written." in render_plan(plan)


def test_render_groups_by_action_and_ends_with_the_summary(spec: Spec) -> None:
    text = render_plan(make_plan(spec, lock_for(spec)))
    assert text.splitlines() == [
        "to create (1):",
        "  + c/a/r     new cell",
        "",
        "to replace (1):",
        "  ~ c/b/r     changed: output_format",
        "      output_format: markdown -> json",
        "",
        "to follow (submitted, not finished) (2):",
        "  > c/q/r     run 3 is running",
        "  > d/a/r     submitted, run id not recorded yet: apply adopts or resubmits it  [lookup: dee]",
        "",
        "to remove from the lock (1):",
        "  - gone/a/r  no longer in the specs",
        "",
        "Plan: 1 to create, 1 to replace, 2 to follow, 1 unchanged, 1 to remove",
    ]


def test_summary_line_without_lock(spec: Spec) -> None:
    text = render_plan(make_plan(spec, None))
    assert text.splitlines()[-1] == "Plan: 5 to create, 0 to replace, 0 unchanged, 0 to remove"


def test_plan_json_form(spec: Spec) -> None:
    document = make_plan(spec, lock_for(spec)).to_json()
    assert document["format_version"] == 1
    assert document["summary"] == {"create": 1, "replace": 1, "keep": 1, "poll": 2, "remove": 1}
    by_key = {c["key"]: c for c in document["cells"]}
    assert by_key["gone/a/r"] == {
        "key": "gone/a/r", "action": "remove", "reason": "no longer in the specs",
        "fingerprint": "sha256:gone", "request": None,
    }
    assert by_key["d/a/r"]["request"]["collection_id"] is None
    assert by_key["d/a/r"]["lookups"] == {"collection_id": "dee"}
    assert "lookups" not in by_key["c/a/r"]


def test_a_moved_gate_shows_in_the_plan(spec: Spec) -> None:
    lock = lock_for(spec).model_copy(update={"gates": gates_digest(())})
    plan = make_plan(spec, lock)
    assert plan.gates_changed
    assert "Note: the spec's gates changed since the lock was last written." in render_plan(plan)
    assert "gates changed" not in render_plan(make_plan(spec, lock_for(spec)))
