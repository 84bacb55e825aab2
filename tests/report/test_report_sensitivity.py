"""`validate` and `plan` warn when a gate with confidence asks more than its collection can tell."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import write_spec

from evalspec.lock.lockfile import FileEvidence, LockCell, Lockfile
from evalspec.plan.cells import expand_spec
from evalspec.report.sensitivity import sensitivity_warnings
from evalspec.report.stats import min_detectable_drop
from evalspec.spec.load import load_spec

Run = Callable[..., tuple[int, str, str]]


def _spec_with_gate(tmp_path: Path, gate: str, documents: int) -> Path:
    specs = write_spec(tmp_path, pipelines=1)
    folder = specs / "data" / "c0"
    for i in range(documents - 2):  # write_spec writes two
        (folder / f"extra-{i:02d}.md").write_text(f"# Extra {i}\n\nSummary. Next Steps.\n", encoding="utf-8")
    spec = specs / "spec.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + f"gates:\n  - {gate}\n", encoding="utf-8")
    return specs


def test_validate_warns_where_the_documents_can_show_nothing(
    tmp_path: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = _spec_with_gate(tmp_path, "{name: g, max_drop: 0.02, confidence: 0.95}", documents=4)
    code, _, err = run_evalspec("validate", str(specs))
    assert code == 0
    assert ("spec.yaml:15:5: warning: gate 'g': collection 'c0' has 4 documents: at 95 % they can show "
            "nothing") in err


@pytest.mark.parametrize("gate", [
    "{name: g, max_drop: 0.02, confidence: 0.95}",  # 5 documents: 2**-5 < 0.05
    "{name: g, max_drop: 0.02}",  # the raw rule needs no sample
    "{name: g, max_drop: 0.02, confidence: 0.9}",
])
def test_no_warning_where_the_documents_can_tell(
    gate: str, tmp_path: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = _spec_with_gate(tmp_path, gate, documents=5)
    code, _, err = run_evalspec("validate", str(specs))
    assert code == 0 and "warning" not in err


def test_plan_warns_when_the_last_runs_spread_hides_drops_of_the_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = _spec_with_gate(tmp_path, "{name: g, max_drop: 0.02, confidence: 0.95}", documents=12)
    spec = load_spec([specs])
    cells = expand_spec(spec)
    scores = [0.2, 0.9, 0.5, 1.0, 0.3, 0.7, 0.6, 0.95, 0.4, 0.8, 0.1, 0.65]
    files = {f"f{i}.md": FileEvidence(status="completed", score=s) for i, s in enumerate(scores)}
    lock = Lockfile(lineage="a" * 32, serial=1, cells={cells[0].key: LockCell(
        fingerprint=cells[0].request.fingerprint, request={}, run_id=1, status="completed", files=files)})
    [warning] = sensitivity_warnings(spec, cells, lock)
    expected = min_detectable_drop(12, statistics.stdev(scores), confidence=0.95)
    assert expected is not None
    assert f"12 files with scores spread like its last run's (sd {statistics.stdev(scores):.2f})" in warning
    assert f"the gate catches drops above {0.02 + expected:.2f} at 95 % (80% of the time)" in warning
    tight = {name: item.model_copy(update={"score": 0.9}) for name, item in files.items()}
    calm = lock.model_copy(update={"cells": {cells[0].key: lock.cells[cells[0].key].model_copy(
        update={"files": tight})}})
    assert sensitivity_warnings(spec, cells, calm) == []
