"""`plan --refresh`: names looked up (read-only) on the backend, so requests show real ids."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).parents[2]
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state_dir: Path, run_evalspec: Run) -> Run:
    """`evalspec ARGS...` in-process in a copy of the example project."""
    shutil.copytree(REPO_ROOT / "specs", tmp_path / "specs")
    shutil.copytree(REPO_ROOT / "schemas", tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    return run_evalspec


def _cells(cli: Run, *args: str) -> list[dict[str, Any]]:
    code, out, err = cli("plan", "--json", *args)
    assert code == 0, err
    cells: list[dict[str, Any]] = json.loads(out)["cells"]
    return cells


def test_refresh_fills_ids_of_existing_objects_and_leaves_managed_ones_to_create(
    tmp_path: Path, cli: Run
) -> None:
    before = _cells(cli, "--refresh", "--backend", "local")
    assert len(before) == 5
    assert all(cell["request"]["collection_id"] is None and "lookups" in cell for cell in before)
    assert not (tmp_path / "evalspec.lock").exists()  # a plan writes nothing

    code, _, err = cli("apply", "--backend", "local", "--poll-interval", "0.05")
    assert code == 0, err
    after = _cells(cli, "--refresh")  # the lock says: backend local
    for cell in after:
        assert "lookups" not in cell
        assert isinstance(cell["request"]["collection_id"], int)
        assert isinstance(cell["request"]["eval_rubric_id"], int)
    offline = _cells(cli)
    assert [c["fingerprint"] for c in offline] == [c["fingerprint"] for c in after]


def test_refresh_refuses_a_name_that_matches_nothing(tmp_path: Path, cli: Run) -> None:
    spec = tmp_path / "specs" / "collections.yaml"
    spec.write_text(spec.read_text().replace(
        "collections:\n", "collections:\n  elsewhere: {name: not-on-the-server}\n", 1,
    ))
    matrix = tmp_path / "specs" / "matrix.yaml"
    matrix.write_text(matrix.read_text().replace(
        "  - collection: [invoices]", "  - collection: [invoices, elsewhere]", 1,
    ))
    code, _, err = cli("plan", "--refresh", "--backend", "local")
    assert code == 2, err
    assert "specs/collections.yaml:" in err and "not-on-the-server" in err
    assert "Traceback" not in err
