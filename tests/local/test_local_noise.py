"""The noise knob (`--score-noise SD`): a noisy judge on the local service, seeded.

Over loopback against real servers: two runs of one cell differ with noise and agree without;
a fresh server with the same seed replays the same scores; and in-process for `--backend local`.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import httpx
import pytest
from apply_helpers import lock_of, write_spec
from local_server import make_collection, make_rubric, running_server, sample_files, wait_run

from evalspec.backend.connect import score_noise_from_env
from evalspec.errors import UsageError
from evalspec.local.engine.filetask import FileOutcome
from evalspec.local.engine.noise import ScoreNoise


def test_draws_are_fixed_by_seed_run_and_file_and_look_standard_normal() -> None:
    noise = ScoreNoise(0.05, seed=3)
    assert noise.draw(1, "a.pdf") == ScoreNoise(0.2, seed=3).draw(1, "a.pdf")
    assert len({noise.draw(1, "a.pdf"), noise.draw(2, "a.pdf"), noise.draw(1, "b.pdf"),
                ScoreNoise(0.05, seed=4).draw(1, "a.pdf")}) == 4
    draws = [noise.draw(run, f"f{i}.pdf") for run in range(1, 5) for i in range(1000)]
    assert abs(statistics.fmean(draws)) < 0.06 and abs(statistics.stdev(draws) - 1) < 0.05
    assert sum(abs(d) > 1.96 for d in draws) / len(draws) == pytest.approx(0.05, abs=0.012)


def test_scores_stay_in_0_to_1_and_failed_files_are_left_alone() -> None:
    noise = ScoreNoise(1.0)
    scores = [noise.perturb(score, run, "x.pdf") for run in range(200) for score in (0.0, 1.0)]
    assert min(scores) == 0.0 and max(scores) == 1.0 and 0 < statistics.fmean(scores) < 1
    failed = FileOutcome(1, "x.pdf", "failed", 0.0, {"error": "boom", "checks": []})
    assert noise.outcome(9, failed) is failed
    done = FileOutcome(1, "x.pdf", "completed", 0.5, {"checks": []})
    noisy = noise.outcome(9, done)
    assert noisy.score == noise.perturb(0.5, 9, "x.pdf") != 0.5
    assert noisy.results["score_noise"] == {"sd": 1.0, "seed": 0, "unperturbed": 0.5}
    with pytest.raises(ValueError, match=r"0\.\.1"):
        ScoreNoise(1.5)


def test_the_environment_setting_of_the_in_process_backend() -> None:
    assert score_noise_from_env({}) is None
    assert score_noise_from_env({"EVALSPEC_SCORE_NOISE": "0"}) is None
    assert score_noise_from_env({"EVALSPEC_SCORE_NOISE": "0.05"}) == ScoreNoise(0.05, 0)
    assert score_noise_from_env({"EVALSPEC_SCORE_NOISE": "0.05",
                                 "EVALSPEC_SCORE_NOISE_SEED": "7"}) == ScoreNoise(0.05, 7)
    for bad in ({"EVALSPEC_SCORE_NOISE": "loud"}, {"EVALSPEC_SCORE_NOISE": "2"},
                {"EVALSPEC_SCORE_NOISE": "0.1", "EVALSPEC_SCORE_NOISE_SEED": "x"}):
        with pytest.raises(UsageError, match="EVALSPEC_SCORE_NOISE"):
            score_noise_from_env(bad)


def _two_runs(url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The same cell (the sample reports, report-quality, markdown) run twice: each run's files."""
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        cid = make_collection(client, "reports", sample_files("reports"))
        rid = make_rubric(client, "report-quality", "report-quality.yaml")
        body = {"collection_id": cid, "eval_rubric_id": rid, "output_format": "markdown"}
        ids = [client.post("/api/v1/eval_batch_runs", json=body).json()["id"] for _ in range(2)]
        for run_id in ids:
            assert wait_run(client, run_id)["status"] == "completed"
        return [{"id": run_id, "files": client.get(f"/api/v1/eval_batch_runs/{run_id}/results")
                 .json()["file_results"]} for run_id in ids]


def _scores(run: dict[str, Any]) -> dict[str, float]:
    return {f["filename"]: f["eval_score"] for f in run["files"]}


@pytest.mark.slow
def test_a_noisy_server_scores_two_runs_apart_and_replays_them_from_its_seed(tmp_path: Path) -> None:
    noisy_args = ("--score-noise", "0.1", "--score-noise-seed", "7")
    with running_server(tmp_path / "quiet") as quiet:
        plain = _two_runs(quiet.url, quiet.headers)
    with running_server(tmp_path / "noisy", args=noisy_args) as noisy:
        first = _two_runs(noisy.url, noisy.headers)
    with running_server(tmp_path / "noisy-again", args=noisy_args) as again:
        replay = _two_runs(again.url, again.headers)
    assert _scores(plain[0]) == _scores(plain[1])  # the engine alone is deterministic
    assert not any("score_noise" in f["eval_results"] for f in plain[0]["files"])
    assert _scores(first[0]) != _scores(first[1])  # a noisy judge: the same cell, other scores
    assert [_scores(run) for run in replay] == [_scores(run) for run in first]
    judge = ScoreNoise(0.1, seed=7)
    for run in first:
        for file in run["files"]:
            unperturbed = _scores(plain[0])[file["filename"]]
            assert file["eval_results"]["score_noise"]["unperturbed"] == unperturbed
            assert file["eval_score"] == judge.perturb(unperturbed, run["id"], file["filename"])


@pytest.mark.slow
def test_apply_on_the_local_backend_takes_the_noise_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state_dir: Path, run_evalspec: Any,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, pipelines=2)

    def averages(lock: str, *noise: str) -> list[float | None]:
        code, _, err = run_evalspec("apply", "--backend", "local", "--poll-interval", "0.05",
                                    "--lock", lock, *noise)
        assert code == 0, err
        return [cell.avg_score for _, cell in sorted(lock_of(tmp_path / lock).cells.items())]

    plain = averages("plain.lock")
    assert averages("plain-again.lock") == plain
    noisy = averages("noisy.lock", "--score-noise", "0.2")
    assert noisy != plain and averages("noisy-again.lock", "--score-noise", "0.2") != noisy
    monkeypatch.setenv("EVALSPEC_SCORE_NOISE", "0.2")
    assert averages("from-env.lock") != plain
    code, _, err = run_evalspec("apply", "--backend", "datalab", "--score-noise", "0.1")
    assert code == 2 and "--score-noise rehearses on the local service" in err, err
