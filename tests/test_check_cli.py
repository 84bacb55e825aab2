"""`evalspec check` through the CLI: verdict lines, exit 0 when every gate passes, 1 when one fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from report_fixtures import REPORT_FIXTURES

import evalspec.base.paths
from evalspec.cli import cli


@pytest.fixture(autouse=True)
def _state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """check reads cached per-file results from the state directory: give it an empty one."""
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: tmp_path / "state")

SPEC = """\
version: 1
collections:
  invoices: {id: 101}
  reports: {id: 102}
rubrics:
  invoice-fields: {id: 7}
  report-sections: {id: 9}
pipelines:
  invoice: {type: convert}
  sections: {type: convert}
matrix:
  - {collection: [invoices], pipeline: [invoice], rubric: [invoice-fields]}
  - {collection: [reports], pipeline: [sections], rubric: [report-sections]}
gates:
"""


def check(tmp_path: Path, gates: str, *extra: str) -> Result:
    (tmp_path / "spec.yaml").write_text(SPEC + gates)
    shutil.copy(REPORT_FIXTURES / "current.lock", tmp_path / "evalspec.lock")
    args = ["check", str(tmp_path / "spec.yaml"), "--lock", str(tmp_path / "evalspec.lock"), *extra]
    return CliRunner().invoke(cli, args)


def test_passing_gates_exit_0(tmp_path: Path) -> None:
    result = check(tmp_path, "  - {name: invoice-floor, where: {pipeline: invoice}, min_score: 0.8}\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "gate invoice-floor (pipeline=invoice): min_score >= 0.8",
        "  PASS invoices/invoice/invoice-fields: min_score >= 0.8: score 0.850 >= 0.8",
        "OK: all 1 gates passed (1 checks).",
    ]


def test_a_failing_gate_exits_1(tmp_path: Path) -> None:
    gates = (
        "  - {name: invoice-floor, where: {pipeline: invoice}, min_score: 0.8}\n"
        "  - {name: sections-floor, where: {rubric: report-sections}, min_score: 0.8}\n"
    )
    result = check(tmp_path, gates)
    assert result.exit_code == 1, result.output
    assert "  FAIL reports/sections/report-sections: min_score >= 0.8: score 0.600 < 0.8" in result.output
    assert result.output.splitlines()[-1] == "FAILED: 1 of 2 gates failed (1 of 2 checks)."


def test_max_drop_against_a_baseline_file(tmp_path: Path) -> None:
    gates = "  - {name: no-regression, where: {pipeline: invoice}, max_drop: 0.02}\n"
    assert check(tmp_path, gates).exit_code == 0  # no baseline: passes, with a note
    result = check(tmp_path, gates, "--baseline", str(REPORT_FIXTURES / "baseline.lock"))
    assert result.exit_code == 1, result.output
    assert "dropped 0.050 (0.900 -> 0.850) > 0.02" in result.output


def test_no_gates_exits_0(tmp_path: Path) -> None:
    result = check(tmp_path, "  []\n")
    assert result.exit_code == 0 and "No gates in the spec" in result.output


def test_a_bad_baseline_is_exit_2(tmp_path: Path) -> None:
    result = check(tmp_path, "  []\n", "--baseline", str(tmp_path / "missing.lock"))
    assert result.exit_code == 2 and "missing.lock" in result.output


def test_a_missing_lock_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC + "  []\n")
    args = ["check", str(tmp_path / "spec.yaml"), "--lock", str(tmp_path / "x.lock")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "run `evalspec apply` first" in result.output
