"""`plan --refresh`: names looked up (read-only) on the backend, so requests show real ids."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from apply_helpers import evalspec_env, run_cli

REPO_ROOT = Path(__file__).parent.parent


def _project(tmp_path: Path) -> dict[str, str]:
    shutil.copytree(REPO_ROOT / "specs", tmp_path / "specs")
    shutil.copytree(REPO_ROOT / "schemas", tmp_path / "schemas")
    return evalspec_env(tmp_path / "state")


def _cells(tmp_path: Path, env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    done = run_cli(tmp_path, env, "plan", "--json", *args)
    assert done.returncode == 0, done.stderr
    cells: list[dict[str, Any]] = json.loads(done.stdout)["cells"]
    return cells


def test_refresh_fills_ids_of_existing_objects_and_leaves_managed_ones_to_create(tmp_path: Path) -> None:
    env = _project(tmp_path)
    before = _cells(tmp_path, env, "--refresh", "--backend", "local")
    assert len(before) == 5
    assert all(cell["request"]["collection_id"] is None and "lookups" in cell for cell in before)
    assert not (tmp_path / "evalspec.lock").exists()  # a plan writes nothing

    applied = run_cli(tmp_path, env, "apply", "--backend", "local", "--poll-interval", "0.05")
    assert applied.returncode == 0, applied.stderr
    after = _cells(tmp_path, env, "--refresh")  # the lock says: backend local
    for cell in after:
        assert "lookups" not in cell
        assert isinstance(cell["request"]["collection_id"], int)
        assert isinstance(cell["request"]["eval_rubric_id"], int)
    offline = _cells(tmp_path, env)
    assert [c["fingerprint"] for c in offline] == [c["fingerprint"] for c in after]


def test_refresh_refuses_a_name_that_matches_nothing(tmp_path: Path) -> None:
    env = _project(tmp_path)
    spec = tmp_path / "specs" / "collections.yaml"
    spec.write_text(spec.read_text().replace(
        "collections:\n", "collections:\n  elsewhere: {name: not-on-the-server}\n", 1,
    ))
    matrix = tmp_path / "specs" / "matrix.yaml"
    matrix.write_text(matrix.read_text().replace(
        "  - collection: [invoices]", "  - collection: [invoices, elsewhere]", 1,
    ))
    done = run_cli(tmp_path, env, "plan", "--refresh", "--backend", "local")
    assert done.returncode == 2, done.stderr
    assert "specs/collections.yaml:" in done.stderr and "not-on-the-server" in done.stderr
    assert "Traceback" not in done.stderr
