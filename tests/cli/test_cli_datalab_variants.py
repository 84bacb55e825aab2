"""The real CLI against a Datalab that answers differently from our local service.

Each case runs `apply` (then `check`) in-process against the local service behind
`datalab_variants.Variant`, over loopback, and asserts the three promises: the right exit code,
a lock that parses, and no gate that passes on a wrong number.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from apply_helpers import lock_of, write_spec
from datalab_variants import Variant, serving

import evalspec.base.paths
from evalspec.apply.pages import RESUBMITS
from evalspec.base.runstatus import PAGE_LIMITED
from evalspec.local import LocalService

KEY = "variant-key"
# Three checks pass and one fails on every file: a true score of 0.75.
RUBRIC = (
    "evaluations:\n"
    "  - {kind: text_contains, text: summary}\n"
    "  - {kind: text_absent, text: TODO}\n"
    "  - {kind: order, before: Summary, after: Next Steps}\n"
    "  - {kind: text_contains, text: words nobody wrote}\n"
)
TRUE_SCORE = 0.75
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-cell spec (managed collection and rubric) with a min_score gate at 0.5."""
    specs = write_spec(tmp_path, pipelines=1)
    (specs / "rubrics" / "checks.yaml").write_text(RUBRIC, encoding="utf-8")
    with (specs / "spec.yaml").open("a", encoding="utf-8") as spec:
        spec.write("gates:\n  - {name: floor, min_score: 0.5}\n")
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: tmp_path / "state")
    monkeypatch.setenv("DATALAB_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)  # managed files must lie inside the working directory
    return tmp_path


def settings(project: Path, *lines: str) -> None:
    """Add lines under the spec's `settings:`."""
    spec = project / "specs" / "spec.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("settings:\n", "settings:\n" + "".join(f"  {x}\n" for x in lines)))


@contextmanager
def datalab_like(project: Path, monkeypatch: pytest.MonkeyPatch, *, pages_in_flight: int | None = None,
                 **variant: Any) -> Iterator[LocalService]:
    """The local service (with the team page limit `pages_in_flight`) behind a Variant on a
    loopback port, as DATALAB_BASE_URL."""
    with LocalService(project / "server", api_key=KEY, pages_in_flight=pages_in_flight) as service, \
            serving(Variant(service.app, **variant)) as url:
        monkeypatch.setenv("DATALAB_BASE_URL", url)
        yield service


def apply(cli: Cli, project: Path, *extra: str) -> tuple[int, str, str]:
    return cli("apply", str(project / "specs"), "--lock", str(project / "evalspec.lock"),
               "--poll-interval", "0.05", *extra)


def check(cli: Cli, project: Path) -> tuple[int, str, str]:
    return cli("check", str(project / "specs"), "--lock", str(project / "evalspec.lock"))


def server_runs(service: LocalService) -> list[dict[str, Any]]:
    """The runs as the service behind the variant holds them (not rewritten)."""
    transport = httpx.ASGITransport(app=service.app)

    async def fetch() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(transport=transport, base_url="http://inner",
                                     headers={"X-API-Key": KEY}) as client:
            return list((await client.get("/api/v1/eval_batch_runs")).json()["batch_runs"])

    return asyncio.run(fetch())


def test_our_own_answers_score_the_true_value(project: Path, monkeypatch: pytest.MonkeyPatch,
                                              run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch):
        code, _, err = apply(run_evalspec, project)
    assert code == 0, err
    (cell,) = lock_of(project / "evalspec.lock").cells.values()
    assert cell.avg_score == TRUE_SCORE and cell.error is None
    assert check(run_evalspec, project)[0] == 0


def test_a_percent_scale_without_the_setting_is_an_error_never_a_pass(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, score_scale=100) as service:
        code, _, err = apply(run_evalspec, project)
        assert code == 3
        assert "c0/p0/checks" in err and "75 is outside 0..1" in err and "score_scale: 100" in err
        assert "avg_score 75.000" not in err  # the progress line never shows it as a score
        (cell,) = lock_of(project / "evalspec.lock").cells.values()
        assert cell.avg_score == 75 and cell.error and "score_scale" in cell.error  # raw, with why
        status = run_evalspec("status", "--lock", str(project / "evalspec.lock"))[1]
        assert "invalid: avg_score of run" in status and "75.000" not in status
        code, out, _ = check(run_evalspec, project)
        assert code == 1 and "FAIL c0/p0/checks: min_score >= 0.5: avg_score of run" in out
        # With the setting fixed, the next apply reads the same run's scores again.
        settings(project, "score_scale: 100")
        code, _, err = apply(run_evalspec, project)
        assert code == 0, err
        assert len(server_runs(service)) == 1
    (again,) = lock_of(project / "evalspec.lock").cells.values()
    assert again.run_id == cell.run_id and again.avg_score == TRUE_SCORE and again.error is None
    assert check(run_evalspec, project)[0] == 0


def test_a_percent_scale_with_the_setting_reads_the_true_score(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    settings(project, "score_scale: 100")
    with datalab_like(project, monkeypatch, score_scale=100):
        code, _, err = apply(run_evalspec, project)
    assert code == 0, err
    lock = lock_of(project / "evalspec.lock")
    (cell,) = lock.cells.values()
    assert cell.avg_score == TRUE_SCORE and lock.score_scale == 100
    assert check(run_evalspec, project)[0] == 0


def test_other_status_words_are_understood(project: Path, monkeypatch: pytest.MonkeyPatch,
                                           run_evalspec: Cli) -> None:
    words = {"completed": "succeeded", "running": "in_progress", "queued": "pending"}
    with datalab_like(project, monkeypatch, statuses=words):
        code, _, err = apply(run_evalspec, project)
    assert code == 0, err
    assert "does not know" not in err
    (cell,) = lock_of(project / "evalspec.lock").cells.values()
    assert cell.status == "succeeded" and cell.avg_score == TRUE_SCORE
    assert check(run_evalspec, project)[0] == 0


def test_a_run_that_never_finishes_ends_at_the_timeout_resumable(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, stuck_status="mystery") as service:
        code, _, err = apply(run_evalspec, project, "--timeout", "1s")
        assert code == 3
        assert err.count("status 'mystery'") == 1  # warned once per apply, naming the word
        assert "Timed out with 1 run(s) unfinished" in err and "evalspec apply" in err
        (cell,) = lock_of(project / "evalspec.lock").cells.values()
        assert cell.run_id is not None and cell.status == "mystery" and not cell.is_finished
        code, out, _ = check(run_evalspec, project)
        assert code == 1 and "FAIL c0/p0/checks: min_score >= 0.5: not finished: mystery" in out
        # Resuming follows the same run: nothing is submitted twice.
        assert apply(run_evalspec, project, "--timeout", "1")[0] == 3
        assert len(server_runs(service)) == 1


def test_a_bad_timeout_is_refused_before_anything_runs(project: Path, run_evalspec: Cli) -> None:
    code, _, err = apply(run_evalspec, project, "--timeout", "soon", "--backend", "local")
    assert code == 2 and "90s" in err
    assert not (project / "evalspec.lock").exists()


def test_null_counts_are_unknown_not_a_crash(project: Path, monkeypatch: pytest.MonkeyPatch,
                                             run_evalspec: Cli) -> None:
    with (project / "specs" / "spec.yaml").open("a", encoding="utf-8") as spec:
        spec.write("  - {name: complete, min_completed_ratio: 1}\n")
    with datalab_like(project, monkeypatch, null_counts=True):
        code, _, err = apply(run_evalspec, project)
    assert code == 0, err
    (cell,) = lock_of(project / "evalspec.lock").cells.values()
    assert cell.total_files is None and cell.avg_score == TRUE_SCORE
    code, out, _ = check(run_evalspec, project)
    assert code == 1
    assert "PASS c0/p0/checks: min_score >= 0.5" in out
    assert "FAIL c0/p0/checks: min_completed_ratio >= 1: no file counts" in out


def test_run_ids_that_are_not_numbers_are_a_clear_remote_error_every_time(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, text_ids=True) as service:
        for _ in range(2):  # the next apply meets the same run: the same clear error
            code, _, err = apply(run_evalspec, project)
            assert code == 3, err
            assert "/api/v1/eval_batch_runs answered in an unexpected shape: field" in err
            assert "run_" in err and "Traceback" not in err
            # No run recorded: no lock yet (the intent waits in the journal, for adoption).
            assert not (project / "evalspec.lock").exists()
            assert (project / "evalspec.lock.journal").read_text().count('"op":"intent"') >= 1
        assert len(server_runs(service)) == 1  # never submitted twice
    assert check(run_evalspec, project)[0] == 2  # no lock: nothing applied


def test_an_unreadable_start_answer_is_resolved_by_adoption(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, garbled_start=True) as service:
        code, _, err = apply(run_evalspec, project)
        runs = server_runs(service)
    assert code == 0, err
    assert "adopted run" in err
    (cell,) = lock_of(project / "evalspec.lock").cells.values()
    assert [r["id"] for r in runs] == [cell.run_id] and cell.avg_score == TRUE_SCORE


def test_403_is_permission_denied_with_the_servers_detail(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, forbidden="your plan does not include evals"):
        code, _, err = apply(run_evalspec, project)
    assert code == 3
    assert "permission denied (403)" in err and "your plan does not include evals" in err
    assert "refused the API key" not in err and KEY not in err


def test_no_local_extensions_is_a_clear_error(project: Path, monkeypatch: pytest.MonkeyPatch,
                                              run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, no_extensions=True):
        code, _, err = apply(run_evalspec, project)
    assert code == 3 and "has no call that creates a rubric" in err


# Page-limit refusals in shapes Datalab's docs leave open (ours: status failed, "Page rate limit
# exceeded ..."). A team limit of 1 page and two one-page documents: every run of the cell scores
# one file and the limit refuses the other, which the variant reports without our message.
OTHER_REFUSALS = {
    "a status word, no message": {"status": "rate_limited", "eval_results": {}},
    "a flag": {"status": "failed", "eval_results": {"throttled": True}},
    "a nested message": {"status": "failed",
                         "eval_results": {"detail": {"message": "Too many pages in flight"}}},
}


@pytest.mark.parametrize("shape", OTHER_REFUSALS.values(), ids=OTHER_REFUSALS.keys())
def test_a_refusal_in_another_shape_is_resubmitted_never_scored(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli, shape: dict[str, Any]) -> None:
    with datalab_like(project, monkeypatch, pages_in_flight=1, page_refusal=shape) as service:
        code, _, err = apply(run_evalspec, project)
        runs = server_runs(service)
    assert code == 3, err
    assert f"c0/p0/checks: the service's page limit refused its files {RESUBMITS + 1} times" in err
    assert len(runs) == RESUBMITS + 1  # the first submission and the bounded resubmits
    # To the service each run completed with a score (of the file it admitted).
    assert all(run["status"] == "completed" and run["avg_score"] is not None for run in runs)
    (cell,) = lock_of(project / "evalspec.lock").cells.values()
    assert cell.status == PAGE_LIMITED and cell.completed_at is None
    assert cell.avg_score is None and cell.files is None and cell.run_id == max(r["id"] for r in runs)
    assert "1 file(s) refused by the service's page or rate limit" in (cell.error or "")
    code, out, _ = check(run_evalspec, project)
    assert code == 1 and "FAIL c0/p0/checks: min_score >= 0.5" in out


def test_status_refresh_records_a_refusal_in_another_shape_as_page_limited(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    lock = str(project / "evalspec.lock")
    ended = threading.Event()
    shape = OTHER_REFUSALS["a status word, no message"]
    with datalab_like(project, monkeypatch, pages_in_flight=1, page_refusal=shape) as service:
        service.on_run_finished(lambda run_id: ended.set())
        code, _, err = apply(run_evalspec, project, "--no-wait")
        assert code == 0, err
        assert ended.wait(30), "the run did not end"  # on the service; the lock does not know yet
        (cell,) = lock_of(project / "evalspec.lock").cells.values()
        assert not cell.is_finished
        code, out, err = run_evalspec("status", "--lock", lock, "--refresh")
        assert code == 0, err
        (run,) = server_runs(service)
    assert run["status"] == "completed"  # to the service, which scored the other file
    (cell,) = lock_of(project / "evalspec.lock").cells.values()
    assert cell.run_id == run["id"] and cell.status == PAGE_LIMITED and cell.completed_at is None
    assert cell.avg_score is None and cell.files is None
    assert "refused by the service's page or rate limit" in (cell.error or "")
    assert "page_limited" in out and "completed" not in out
    plan = run_evalspec("plan", str(project / "specs"), "--lock", lock)[1]
    assert "refused by the page limit: submitted again" in plan


def test_doctor_on_our_service_after_a_run(project: Path, monkeypatch: pytest.MonkeyPatch,
                                           run_evalspec: Cli) -> None:
    with LocalService(project / "server", api_key=KEY) as service, serving(service.app) as url:
        monkeypatch.setenv("DATALAB_BASE_URL", url)
        assert apply(run_evalspec, project)[0] == 0
        code, out, _ = run_evalspec("doctor", str(project / "specs"))
    assert code == 0, out
    assert any(line.split()[:3] == ["API", "key", "ok"] for line in out.splitlines()), out
    assert not any(line.split()[2:3] == ["FAIL"] for line in out.splitlines()), out
    assert "status words" in out and "completed" in out
    assert "create rubrics" in out and "offered (evalspec's POST /api/v1/eval_rubrics)" in out
    assert "evalspec can work with this service." in out


def test_doctor_fails_a_service_that_cannot_create_the_specs_rubrics(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, no_extensions=True):
        code, out, _ = run_evalspec("doctor", str(project / "specs"))
        assert code == 3, out
        (row,) = [line for line in out.splitlines() if line.startswith("create rubrics")]
        assert "FAIL" in row and "managed rubrics (checks)" in row and "`id:`" in row
        # Without managed rubrics in the spec, the same service is fine: a note, not a failure.
        code, out, _ = run_evalspec("doctor", str(project / "no-specs-here"))
    assert code == 0, out
    (row,) = [line for line in out.splitlines() if line.startswith("create rubrics")]
    assert "note" in row and "manages no rubric" in row


def test_doctor_reads_rubric_creation_from_the_services_openapi_document(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    """Datalab's docs leave open whether it ever creates rubrics: one that does would list it."""
    with datalab_like(project, monkeypatch, unadvertised=True):
        code, out, _ = run_evalspec("doctor", str(project / "specs"))
    assert code == 0, out
    assert "offered (the service's OpenAPI lists POST /api/v1/eval_rubrics)" in out


def test_doctor_names_a_percent_scale_and_unknown_words(
        project: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch, score_scale=100, stuck_status="mystery"):
        apply(run_evalspec, project, "--timeout", "1")
        code, out, _ = run_evalspec("doctor", str(project / "specs"))
    assert code == 3
    scale = next(line for line in out.splitlines() if line.startswith("score scale"))
    assert "FAIL" in scale and "score_scale: 100" in scale
    words = next(line for line in out.splitlines() if line.startswith("status words"))
    assert "unknown: mystery" in words


def test_doctor_reports_a_refused_key(project: Path, monkeypatch: pytest.MonkeyPatch,
                                      run_evalspec: Cli) -> None:
    with datalab_like(project, monkeypatch):
        monkeypatch.setenv("DATALAB_API_KEY", "wrong-key")
        code, out, _ = run_evalspec("doctor", str(project / "specs"))
    assert code == 3
    (row,) = [line for line in out.splitlines() if line.startswith("API key")]
    assert "FAIL" in row and "401" in row and "wrong-key" not in out
