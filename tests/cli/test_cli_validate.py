"""`evalspec validate`: exit codes and messages, in-process and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO_ROOT

# plan counts pages through a cache in the state directory
pytestmark = pytest.mark.usefixtures("state_dir")

Run = Callable[..., tuple[int, str, str]]


def test_example_specs_validate(run_evalspec: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    code, out, err = run_evalspec("validate")  # PATH defaults to specs/
    # A fresh checkout's first command is clean: every rubric finds the sidecars it reads.
    assert (code, err) == (0, "")
    assert out == (
        "OK: 3 spec files, 5 cells, 2 collections, 4 rubrics, 4 pipelines, 4 gates\n"
    )


def test_valid_fixture(run_evalspec: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    code, out, _ = run_evalspec("validate", "plan-basic.yaml")
    assert code == 0
    assert out.startswith("OK: 1 spec file, 8 cells,")


def test_every_problem_then_a_count(run_evalspec: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    code, out, err = run_evalspec("validate", "unknown-names.yaml", "duplicate-key.yaml")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "error: duplicate-key.yaml:4:3: duplicate key 'invoices' (first defined at line 3)"
    assert len(lines) == 6
    assert all(line.startswith("error: unknown-names.yaml:") for line in lines[1:5])
    assert lines[-1] == "5 problems found."


def test_expansion_problem_exit_2(run_evalspec: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    code, _, err = run_evalspec("validate", "max-cells-exceeded.yaml")
    assert code == 2
    assert "the matrix expands to 12 cells, above the ceiling of 10" in err
    assert err.endswith("1 problem found.\n")


def test_missing_path(run_evalspec: Run, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert run_evalspec("validate", "no-such.yaml") == (
        2, "", "error: no-such.yaml: no such file or directory\n1 problem found.\n",
    )


def test_unknown_option_is_usage_error(run_evalspec: Run) -> None:
    code, _, err = run_evalspec("validate", "--frobnicate")
    assert code == 2
    assert "Error: No such option '--frobnicate'." in err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fixture", "first_line"),
    [
        ("unknown-key-typo.yaml", "error: unknown-key-typo.yaml:5:23: pipelines.md.output_formt: "
                                  "unknown key 'output_formt' (did you mean 'output_format'?)"),
        ("alias-bomb.yaml", "error: alias-bomb.yaml:"),
    ],
)
def test_real_process_exit_2_without_traceback(fixture: str, first_line: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "evalspec", "validate", fixture],
        cwd=FIXTURES, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(first_line)
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_real_process_version_and_success() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "evalspec", "--version"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert (result.returncode, result.stdout) == (0, "evalspec, version 0.1.0\n")


def test_unused_gates_and_pipelines_are_warned_about(
    run_evalspec: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES)
    code, out, err = run_evalspec("validate", "gate-and-pipeline-unused.yaml")
    assert code == 0 and out.startswith("OK: 1 spec file, 1 cell,")
    assert err.splitlines() == [
        "gate-and-pipeline-unused.yaml:15:5: warning: gate 'html-floor': its `where` matches no cell",
        "gate-and-pipeline-unused.yaml:8:9: warning: pipeline 'html' is used by no cell",
    ]


def test_a_missing_schema_file_is_reported_once_at_its_root(
    run_evalspec: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES)
    code, _, err = run_evalspec("validate", "schema-file-missing.yaml")
    assert code == 2
    problems = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(problems) == 1, err
    assert problems[0].startswith("error: schema-file-missing.yaml:7:") and "file not found" in problems[0]


def test_a_long_value_is_cut_in_the_message(
    run_evalspec: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    long = "x" * 500_000
    (tmp_path / "s.yaml").write_text(
        "version: 1\ncollections: {c: {id: 1}}\nrubrics: {r: {id: 1}}\npipelines: {p: {}}\n"
        f"matrix: {{collection: [{long}], pipeline: [p], rubric: [r]}}\nsettings: {{rate_limit: '{long}'}}\n"
    )
    code, _, err = run_evalspec("validate", "s.yaml")
    assert code == 2 and len(err) < 500
    assert f"matrix.collection[0]: unknown collection '{'x' * 36}[...]{'x' * 36}' (defined: c)" in err
    assert f"settings.rate_limit: rate limit '{'x' * 36}[...]" in err


def test_a_fifo_as_spec_file_is_refused_without_blocking(
    run_evalspec: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    os.mkfifo(tmp_path / "specs" / "pipe.yaml")  # no writer will ever come
    expected = "error: specs/pipe.yaml: not a regular file\n1 problem found.\n"
    assert run_evalspec("validate") == (2, "", expected)
    assert run_evalspec("validate", "specs/pipe.yaml") == (2, "", expected)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "s.yaml").write_text("version: 1\n")
    os.mkfifo(tmp_path / "pipe.lock")
    code, _, err = run_evalspec("plan", "--lock", "pipe.lock", "ok")
    assert code == 2 and err.startswith("error: pipe.lock: not a regular file")


def test_the_workflow_init_writes_fails_validate_until_its_action_is_named(
        run_evalspec: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, state_dir: Path) -> None:
    from evalspec.spec.workflows import ACTION_PLACEHOLDER

    monkeypatch.chdir(tmp_path)
    code, out, _ = run_evalspec("init")
    assert code == 0 and f"replace `uses: {ACTION_PLACEHOLDER}`" in out
    workflow = tmp_path / ".github" / "workflows" / "evalspec.yml"
    lines = workflow.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if f"uses: {ACTION_PLACEHOLDER}" in text)
    code, out, err = run_evalspec("validate")
    assert (code, out) == (2, "")
    assert err.startswith(f"error: .github/workflows/evalspec.yml:{line}:15: uses: the workflow still names "
                          f"the placeholder '{ACTION_PLACEHOLDER}'; replace it with the evalspec action")
    workflow.write_text(workflow.read_text().replace(ACTION_PLACEHOLDER, "./tools/evalspec"))
    code, out, _ = run_evalspec("validate")
    assert code == 0 and out.startswith("OK:")
