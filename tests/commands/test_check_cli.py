"""`evalspec check` through the CLI: verdict lines, exit 0 when every gate passes, 1 when one fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from report_fixtures import GATES_SPEC, REPORT_FIXTURES

import evalspec.base.paths
from evalspec.cli import cli
from evalspec.commands import report as report_command
from evalspec.commands.report import ReportRequest


@pytest.fixture(autouse=True)
def _state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """check reads cached per-file results from the state directory: give it an empty one."""
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: tmp_path / "state")



def check(tmp_path: Path, gates: str, *extra: str) -> Result:
    (tmp_path / "spec.yaml").write_text(GATES_SPEC + gates)
    shutil.copy(REPORT_FIXTURES / "current.lock", tmp_path / "evalspec.lock")
    args = ["check", str(tmp_path / "spec.yaml"), "--lock", str(tmp_path / "evalspec.lock"), *extra]
    return CliRunner().invoke(cli, args)


def test_passing_gates_exit_0(tmp_path: Path) -> None:
    result = check(tmp_path, "  - {name: invoice-floor, where: {pipeline: invoice}, min_score: 0.8}\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "gate invoice-floor (pipeline=invoice): min_score >= 0.8",
        "  PASS invoices/invoice/invoice-fields: min_score >= 0.8: score 0.850 >= 0.8",
        "OK: 1 gate passed (1 check).",
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
    (tmp_path / "spec.yaml").write_text(GATES_SPEC + "  []\n")
    args = ["check", str(tmp_path / "spec.yaml"), "--lock", str(tmp_path / "x.lock")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "run `evalspec apply` first" in result.output


FLOOR = "  - {name: floor, min_score: 0.8}\n"


def test_select_narrows_check_to_the_chosen_cells(tmp_path: Path) -> None:
    failing = check(tmp_path, FLOOR)
    assert failing.exit_code == 1  # reports/sections scored 0.6
    narrowed = check(tmp_path, FLOOR, "--select", "pipeline=invoice")
    assert narrowed.exit_code == 0, narrowed.output
    assert "reports/" not in narrowed.output and "invoices/invoice/invoice-fields" in narrowed.output


def test_check_json(tmp_path: Path) -> None:
    result = check(tmp_path, FLOOR, "--json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["format_version"] == 1 and body["passed"] is False
    (gate,) = body["gates"]
    verdicts = {v["cell"]: v["passed"] for v in gate["verdicts"]}
    assert verdicts["invoices/invoice/invoice-fields"] is True
    assert verdicts["reports/sections/report-sections"] is False


def test_status_and_report_take_paths_and_select(tmp_path: Path) -> None:
    check(tmp_path, FLOOR)  # writes the spec and the lock
    spec, lock = str(tmp_path / "spec.yaml"), str(tmp_path / "evalspec.lock")
    status = CliRunner().invoke(cli, ["status", spec, "--lock", lock, "--select", "pipeline=sections"])
    assert status.exit_code == 0, status.output
    rows = [line.split()[0] for line in status.output.splitlines()[1:-1]]
    assert rows == ["reports/sections/report-sections"]
    out_file = tmp_path / "report.json"
    request = ReportRequest([Path(spec)], Path(lock), fmt="json", out_file=out_file,
                            state_dir=tmp_path / "state", environ={}, selects=("pipeline=invoice",))
    assert report_command.run(request) == 0
    text = out_file.read_text()
    assert "reports/sections" not in text and "invoices/invoice/invoice-fields" in text


def test_status_lists_spec_cells_not_applied_and_survives_broken_default_specs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(tmp_path, FLOOR)
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec.read_text().replace("pipeline: [sections]", "pipeline: [sections, invoice]"))
    listed = CliRunner().invoke(cli, ["status", str(spec), "--lock", str(tmp_path / "evalspec.lock")])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[-1] == "reports/invoice/report-sections  not applied"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "broken.yaml").write_text("version: 1\nmatrix: {collection: [nope]}\n")
    plain = CliRunner().invoke(cli, ["status"])
    assert plain.exit_code == 0, plain.output
    assert "specs/ does not load" in plain.output
