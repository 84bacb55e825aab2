"""`repeat: N`: a matrix axis of repeats, aggregated by reports and judged once by gates.

The keys and the matrix rules are checked on the planner; the rest end to end on the local backend
with its noisy judge, so that repeats really differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import lock_of, write_spec

from evalspec.plan.cells import expand_spec, repeat_of
from evalspec.spec.load import load_spec

Run = Callable[..., tuple[int, str, str]]
NOISY = ("--backend", "local", "--score-noise", "0.1", "--score-noise-seed", "5")


def _with_matrix_lines(specs: Path, *lines: str) -> None:
    spec = specs / "spec.yaml"
    text = spec.read_text(encoding="utf-8").replace("  rubric: [checks]\n", "  rubric: [checks]\n" + "".join(
        f"{line}\n" for line in lines))
    spec.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("key", "expected"), [
    ("c/p/r", ("c/p/r", 1)),
    ("c/p/r[repeat=2]", ("c/p/r", 2)),
    ("c/p/r[output_format=html,repeat=12]", ("c/p/r[output_format=html]", 12)),
    ("c/p/r[output_format=html]", ("c/p/r[output_format=html]", 1)),
])
def test_a_key_names_its_first_repeat_and_its_number(key: str, expected: tuple[str, int]) -> None:
    assert repeat_of(key) == expected


def test_repeats_are_an_axis_that_exclude_sees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    specs = write_spec(tmp_path, pipelines=2)
    _with_matrix_lines(specs, "  repeat: 3",
                       "  exclude: [{pipeline: p1, repeat: 2}, {pipeline: p1, repeat: 3}]")
    cells = expand_spec(load_spec([specs]))
    assert [cell.key for cell in cells] == [
        "c0/p0/checks", "c0/p0/checks[repeat=2]", "c0/p0/checks[repeat=3]", "c0/p1/checks"]
    assert len({cell.request.fingerprint for cell in cells if cell.pipeline == "p0"}) == 1  # one request
    assert [cell.repeat for cell in cells] == [1, 2, 3, 1]


def test_a_repeat_beyond_the_limit_names_the_key(tmp_path: Path, run_evalspec: Run,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    specs = write_spec(tmp_path, pipelines=1)
    _with_matrix_lines(specs, "  repeat: 0")
    code, _, err = run_evalspec("validate", str(specs))
    assert code == 2 and "spec.yaml:12:11: matrix.repeat: Input should be greater than or equal to 1" in err


def test_repeats_run_are_aggregated_and_judged_once(
    tmp_path: Path, state_dir: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = write_spec(tmp_path, pipelines=1)
    spec = specs / "spec.yaml"
    spec.write_text(spec.read_text(encoding="utf-8")
                    + "gates:\n  - {name: floor, min_score: 0.1}\n", encoding="utf-8")
    lock = tmp_path / "evalspec.lock"
    assert run_evalspec("apply", str(specs), "--lock", str(lock), *NOISY)[0] == 0
    first_run = lock_of(lock).cells["c0/p0/checks"].run_id

    _with_matrix_lines(specs, "  repeat: 3")
    _, out, _ = run_evalspec("plan", str(specs), "--lock", str(lock), "--backend", "local")
    assert "Plan: 2 to create, 0 to replace, 1 unchanged" in out, out  # the first repeat keeps its run
    assert run_evalspec("apply", str(specs), "--lock", str(lock), *NOISY)[0] == 0
    cells = lock_of(lock).cells
    assert cells["c0/p0/checks"].run_id == first_run
    assert {cells[f"c0/p0/checks[repeat={n}]"].run_id for n in (2, 3)}.isdisjoint({first_run})

    _, out, _ = run_evalspec("report", str(specs), "--lock", str(lock), "--format", "json")
    [group] = json.loads(out)["repeats"]
    scores = [cells[key].avg_score for key in group["repeat_keys"]]
    assert group["repeats"] == 3 and group["key"] == "c0/p0/checks"
    assert group["score"] == pytest.approx(sum(s for s in scores if s is not None) / 3)
    assert group["flaky_files"], "a judge with noise 0.1 scored every file the same three times"
    spreads = [f["spread"] for f in group["flaky_files"]]
    assert spreads == sorted(spreads, reverse=True)

    _, out, _ = run_evalspec("check", str(specs), "--lock", str(lock))
    verdicts = [line for line in out.splitlines() if line.lstrip().startswith(("PASS", "FAIL"))]
    assert len(verdicts) == 1 and "c0/p0/checks: min_score >= 0.1: 3 repeats: score" in verdicts[0]
