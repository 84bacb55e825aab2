"""The issue's scenario on the local backend: a branch adds one harder document and changes nothing else.

The raw gate sees the cell's mean drop and now says it comes from the added document; the gate with
confidence compares the shared files only. `show --baseline` and the json report carry the same
paired delta, and two report processes write it byte for byte alike (the bootstrap is seeded).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import evalspec_env, write_spec

HARD = "# Gamma\n\nNothing the rubric asks for.\n"
GATES = (
    "gates:\n"
    "  - {name: raw, max_drop: 0.05}\n"
    "  - {name: paired, max_drop: 0.05, confidence: 0.95}\n"
)

Run = Callable[..., tuple[int, str, str]]


def _branch_adds_a_harder_document(tmp_path: Path, run_evalspec: Run) -> tuple[Path, str]:
    specs = write_spec(tmp_path, pipelines=1)
    spec = specs / "spec.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + GATES, encoding="utf-8")
    lock = tmp_path / "evalspec.lock"
    code, _, err = run_evalspec("apply", str(specs), "--lock", str(lock), "--backend", "local")
    assert code == 0, err
    shutil.copy(lock, tmp_path / "base.lock")
    (specs / "data" / "c0" / "gamma.md").write_text(HARD, encoding="utf-8")
    assert run_evalspec("apply", str(specs), "--lock", str(lock), "--backend", "local")[0] == 0
    return specs, "c0/p0/checks"


def test_a_harder_added_document_is_named_as_the_cause_and_the_paired_gate_passes(
    tmp_path: Path, state_dir: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # specs are read below the working directory
    specs, key = _branch_adds_a_harder_document(tmp_path, run_evalspec)
    lock, base = str(tmp_path / "evalspec.lock"), str(tmp_path / "base.lock")
    code, out, _ = run_evalspec("check", str(specs), "--lock", lock, "--baseline", base)
    assert code == 1, out
    raw = next(line for line in out.splitlines() if "FAIL" in line and "max_drop <= 0.05:" in line)
    assert "paired: Δ +0.000 on 2 shared files" in raw and "1 added" in raw
    paired = next(line for line in out.splitlines() if "max_drop <= 0.05 at 95 %" in line and key in line)
    assert paired.lstrip().startswith("PASS") and "2 shared files: too few to tell" in paired

    code, out, _ = run_evalspec("show", key, "--lock", lock, "--baseline", base)
    assert code == 0
    assert "paired: Δ +0.000 on 2 shared files (too few for a 95 % interval), p 1.000; 1 added" in out

    code, out, _ = run_evalspec("report", str(specs), "--lock", lock, "--baseline", base, "--format", "json")
    [cell] = [c for c in json.loads(out)["cells"] if c["key"] == key]
    assert cell["paired"]["shared_files"] == 2 and cell["paired"]["delta"] == 0
    [added] = cell["paired"]["added"]
    assert added["filename"] == "gamma.md" and added["score"] < 1


def test_two_report_processes_write_the_same_paired_figures(
    tmp_path: Path, state_dir: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # specs are read below the working directory
    specs = write_spec(tmp_path, pipelines=2)
    lock = tmp_path / "evalspec.lock"
    noisy = ("--backend", "local", "--score-noise", "0.05", "--score-noise-seed", "3")
    assert run_evalspec("apply", str(specs), "--lock", str(lock), *noisy)[0] == 0
    shutil.copy(lock, tmp_path / "base.lock")
    assert run_evalspec("apply", str(specs), "--lock", str(lock), *noisy, "--replace", "all")[0] == 0
    command = [sys.executable, "-m", "evalspec", "report", str(specs), "--lock", str(lock),
               "--baseline", str(tmp_path / "base.lock"), "--format", "json"]
    outputs = [subprocess.run(command, capture_output=True, check=True, env=evalspec_env(state_dir)).stdout
               for _ in range(2)]
    assert outputs[0] == outputs[1]
    cells = json.loads(outputs[0])["cells"]
    assert any(cell["paired"]["delta"] for cell in cells), "the noisy judge moved no shared file"
    assert all(cell["paired"]["method"].startswith("exact sign-flip") for cell in cells)
