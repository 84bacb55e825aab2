"""Saved plans: written by `plan --out`, read back, refused once stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalspec.errors import StalePlanError, UsageError
from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.plan.cells import expand_spec
from evalspec.plan.plan import Plan, make_plan
from evalspec.plan.saved import check_not_stale, read_saved_plan, saved_plan_json
from evalspec.spec.load import load_spec

SPEC = """version: 1
collections: {c: {id: 1}}
rubrics: {r: {id: 2}, q: {id: 3}}
pipelines: {md: {output_format: markdown}}
matrix: {collection: [c], pipeline: [md], rubric: [r, q]}
"""


def plan_of(root: Path, lock: Lockfile | None) -> Plan:
    return make_plan(load_spec([root / "spec.yaml"], root=root), lock)


def save(root: Path, plan: Plan) -> Path:
    path = root / "plan.json"
    path.write_text(json.dumps(saved_plan_json(plan, [root / "spec.yaml"], ["rubric=r"], "1/2")))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(SPEC)
    return tmp_path


def test_round_trip_and_fresh_plan_passes(root: Path) -> None:
    lock = Lockfile(lineage="L", serial=3)
    path = save(root, plan_of(root, lock))
    saved = read_saved_plan(path)
    assert (saved.spec_paths, saved.selects, saved.shard, saved.retry_failed) == (
        (root / "spec.yaml",), ("rubric=r",), "1/2", False,
    )
    check_not_stale(saved, plan_of(root, lock), path)  # nothing moved: no error


def test_stale_when_the_lock_moved_on(root: Path) -> None:
    lock = Lockfile(lineage="L", serial=3)
    path = save(root, plan_of(root, lock))
    cell = expand_spec(load_spec([root / "spec.yaml"], root=root))[0]
    moved = lock.with_cells({cell.key: LockCell(fingerprint=cell.request.fingerprint, request={}, run_id=1)})
    with pytest.raises(StalePlanError) as info:
        check_not_stale(read_saved_plan(path), plan_of(root, moved), path)
    assert str(info.value) == (
        f"{path}: the plan was made against lock serial 3 (lineage L), the lock is now at serial 4 "
        "(lineage L); run `evalspec plan --out` again"
    )


def test_stale_when_another_lock_replaced_it(root: Path) -> None:
    path = save(root, plan_of(root, None))
    with pytest.raises(StalePlanError, match="made against lock serial None"):
        check_not_stale(read_saved_plan(path), plan_of(root, Lockfile(lineage="M", serial=0)), path)


def test_stale_when_the_specs_changed(root: Path) -> None:
    path = save(root, plan_of(root, None))
    (root / "spec.yaml").write_text(SPEC.replace("output_format: markdown", "output_format: html"))
    with pytest.raises(StalePlanError) as info:
        check_not_stale(read_saved_plan(path), plan_of(root, None), path)
    assert str(info.value) == (
        f"{path}: the specs changed since the plan was saved; run `evalspec plan --out` again"
    )


@pytest.mark.parametrize("text", ["not json", "{}", '{"kind": "other", "made_with": {}}', "[]"])
def test_not_a_saved_plan(tmp_path: Path, text: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(UsageError, match="not a plan saved by `evalspec plan --out`"):
        read_saved_plan(path)


def test_missing_saved_plan(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such saved plan"):
        read_saved_plan(tmp_path / "nope.json")
