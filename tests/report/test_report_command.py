"""`evalspec report` end to end: spec, lock, baseline, cache, output file and job summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from report_fixtures import GATES_SPEC, REPORT_FIXTURES, STATE_DIR

from evalspec.commands import report as command


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(GATES_SPEC + "  - {name: floor, min_score: 0.8}\n")
    shutil.copy(REPORT_FIXTURES / "current.lock", tmp_path / "evalspec.lock")
    return tmp_path


def run(project: Path, **options: object) -> int:
    defaults: dict[str, object] = {
        "baseline": str(REPORT_FIXTURES / "baseline.lock"), "fmt": "json", "out_file": project / "out.json",
        "state_dir": STATE_DIR, "environ": {},
    }
    return command.run(command.ReportRequest(
        [project / "spec.yaml"], project / "evalspec.lock", **{**defaults, **options},  # type: ignore[arg-type]
    ))


def test_report_to_a_file_with_a_job_summary(project: Path) -> None:
    summary = project / "summary.md"
    assert run(project, environ={"GITHUB_STEP_SUMMARY": str(summary)}) == 0
    document = json.loads((project / "out.json").read_text())
    assert document["baseline"] == {"empty": False, "name": str(REPORT_FIXTURES / "baseline.lock")}
    assert document["summary"]["checks_failed"] == 2  # floor: the running cell and the sections cell
    assert summary.read_text().startswith("## evalspec report")


def test_report_to_stdout(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project, fmt="markdown", out_file=None) == 0
    assert capsys.readouterr().out.startswith("## evalspec report\n")


def test_a_remote_failure_while_fetching_is_a_warning(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # run 14 is finished but not cached; with no DATALAB_API_KEY the fetch fails, the report goes on
    state = project / "state"
    shutil.copytree(STATE_DIR, state)
    assert run(project, backend="datalab", state_dir=state) == 0
    assert "could not fetch the per-file results of 1 cell" in capsys.readouterr().err
    cells = json.loads((project / "out.json").read_text())["cells"]
    rich = next(c for c in cells if c["key"].startswith("reports/rich/"))
    assert rich["failed_files"] is None and rich["files"] == []


def test_a_user_template(project: Path) -> None:
    template = project / "t.txt"
    template.write_text("{{ report.summary.cells }} cells")
    assert run(project, template=template, out_file=project / "out.txt") == 0
    assert (project / "out.txt").read_text() == "5 cells"  # the removed cell is not counted
