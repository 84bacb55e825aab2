"""Budget, pages in flight and page-limit refusals, against the real local server."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
from apply_helpers import DEADLINE, evalspec_env, lock_is_valid, lock_of, run_cli, server_runs, start_cli
from datalab_variants import serving
from gated_parsers import GatedParsers
from gated_proxy import gated_proxy
from local_server import running_server
from pdf_fixtures import pdf_bytes

from evalspec.base.runstatus import PAGE_LIMITED
from evalspec.local import LocalService
from evalspec.local.store.pages import PAGE_LIMIT_MESSAGE

KEY = "pages-key"

SPEC = """\
version: 1
collections:
  docs: {{name: {prefix}-docs, files: [data/*]}}
rubrics:
  r: {{name: {prefix}-r, definition: rubric.yaml}}
pipelines:
  md: {{type: convert, output_format: markdown}}
  js: {{type: convert, output_format: json}}
settings:
  prices: {{convert: 6}}
  pages_in_flight: {pages_in_flight}
{budget}matrix:
  collection: [docs]
  pipeline: [md, js]
  rubric: [r]
"""


def _project(root: Path, *, prefix: str = "p", budget: str = "", pages_in_flight: int = 5000) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "three.pdf").write_bytes(pdf_bytes(3, "three"))
    (root / "data" / "ten.pdf").write_bytes(pdf_bytes(10, "ten"))
    (root / "rubric.yaml").write_text("evaluations:\n  - {kind: text_contains, text: page}\n")
    spec = SPEC.format(prefix=prefix, budget=budget, pages_in_flight=pages_in_flight)
    (root / "spec.yaml").write_text(spec)
    return root


def test_over_budget_refuses_before_any_request(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", budget="  budget: {pages: 20}\n")
    with running_server(tmp_path / "data") as server, gated_proxy(server.url) as proxy:
        proxy.open()  # everything passes, and is counted
        env = evalspec_env(tmp_path / "state", proxy.url, server.api_key)
        refused = run_cli(root, env, "apply", "spec.yaml", "--backend", "datalab")
        assert refused.returncode == 2, refused.stderr
        assert "over budget: 26 pages to evaluate, budget 20 pages" in refused.stderr
        assert "Largest cells: docs/js/r (13 pages, $0.08), docs/md/r (13 pages, $0.08)" in refused.stderr
        assert proxy.forwarded == []  # not a lookup, not an upload, not a run
        assert not (root / "evalspec.lock").exists()

        once = ("--budget", "pages=26,usd=0.16")  # this run only
        done = run_cli(root, env, "apply", "spec.yaml", "--backend", "datalab", *once)
        assert done.returncode == 0, done.stderr
        assert sum(path.startswith("POST /api/v1/eval_batch_runs") for path in proxy.forwarded) == 2
        cells = lock_of(root / "evalspec.lock").cells
        assert {k: (c.pages, c.usd) for k, c in cells.items()} == {
            "docs/js/r": (13, 0.08), "docs/md/r": (13, 0.08)}
        assert "Spent: 26 pages, about $0.16." in run_cli(root, env, "status").stdout
        report = run_cli(root, env, "report", "spec.yaml")
        assert "This lock evaluated 26 pages, about $0.16." in report.stdout, report.stderr
        (root / "base.lock").write_text((root / "evalspec.lock").read_text())
        # Against itself: no run is new, so nothing was spent.
        against = run_cli(root, env, "report", "spec.yaml", "--baseline", "base.lock")
        assert against.returncode == 0 and "pages" not in against.stdout, against.stderr


def test_a_cell_the_limit_always_refuses_is_never_a_score(tmp_path: Path) -> None:
    # 13 pages against a team limit of 12: the ten-page file is refused at every attempt.
    root = _project(tmp_path / "p", prefix="q", pages_in_flight=12)
    (root / "spec.yaml").write_text((root / "spec.yaml").read_text().replace("[md, js]", "[md]"))
    with running_server(tmp_path / "data", args=("--pages-in-flight", "12")) as server:
        env = evalspec_env(tmp_path / "state", server.url, server.api_key)
        failed = run_cli(root, env, "apply", "spec.yaml", "--backend", "datalab", "--poll-interval", "0.05")
        assert failed.returncode == 3, failed.stderr
        assert "docs/md/r: the service's page limit refused its files 4 times" in failed.stderr
        cell = lock_of(root / "evalspec.lock").cells["docs/md/r"]
        assert cell.status == PAGE_LIMITED and cell.completed_at is None and cell.avg_score is None
        assert cell.files is None and "refused by the service's page or rate limit" in (cell.error or "")
        with httpx.Client(base_url=server.url, headers=server.headers) as client:
            assert len(server_runs(client)) == 4  # the first submission and three more, no further

        plan = run_cli(root, env, "plan", "spec.yaml")
        assert "~ docs/md/r" in plan.stdout and "refused by the page limit: submitted again" in plan.stdout


def test_pages_in_flight_holds_the_second_cell_until_the_first_is_done(tmp_path: Path) -> None:
    # Two cells of 13 pages each and a team limit of 13: at once, the second would be refused.
    root = _project(tmp_path / "p", prefix="s", pages_in_flight=13)
    with running_server(tmp_path / "data", args=("--pages-in-flight", "13")) as server:
        env = evalspec_env(tmp_path / "state", server.url, server.api_key)
        done = run_cli(root, env, "apply", "spec.yaml", "--backend", "datalab", "--poll-interval", "0.05")
        assert done.returncode == 0, done.stderr
        with httpx.Client(base_url=server.url, headers=server.headers) as client:
            runs = server_runs(client)
            assert len(runs) == 2  # no refusal, so no resubmission
            for run in runs:
                results = client.get(f"/api/v1/eval_batch_runs/{run['id']}/results").json()["file_results"]
                assert {r["status"] for r in results} == {"completed"}
        assert {c.status for c in lock_of(root / "evalspec.lock").cells.values()} == {"completed"}


def test_refused_files_are_resubmitted_and_never_scored(tmp_path: Path) -> None:
    # The client believes in 1,000 pages, the service allows 13. The first run's files wait at
    # the service's parser gate, so that run is in flight, however loaded the machine, when the
    # second starts: the second's files are refused. Its cell is held back until the first run
    # has ended, then submitted again. (The gate sits in the service's parser pool, a seam only
    # in-process: the same app as `evalspec server`, served by uvicorn on loopback.)
    root = _project(tmp_path / "p", prefix="r", pages_in_flight=1000)
    parsers, ended = GatedParsers(), threading.Event()
    with LocalService(tmp_path / "data", api_key=KEY, pages_in_flight=13, parsers=parsers) as service, \
            serving(service.app) as url, \
            httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=30) as client:
        service.on_run_finished(lambda run_id: ended.set())
        env = evalspec_env(tmp_path / "state", url, KEY)
        apply = start_cli(root, env, "apply", "spec.yaml", "--backend", "datalab", "--poll-interval", "0.05")
        try:
            parsers.wait_held()
            assert ended.wait(DEADLINE), "the second run did not end"
            held, refused = _held_and_refused(client)
            assert held["status"] == "running" and held["completed_files"] == 0
            assert refused["status"] == "completed"  # as the service sees it: the client must not
            # Held back while the first run holds the pages: no third run, and no score recorded.
            assert len(server_runs(client)) == 2
            lock = lock_is_valid(root / "evalspec.lock")
            assert lock is None or not any(c.status == "completed" for c in lock.cells.values())
            parsers.open()
            _, err = apply.communicate(timeout=60)
        finally:
            if apply.poll() is None:
                apply.kill()
                apply.communicate(timeout=10)
        assert apply.returncode == 0, err
        assert len(server_runs(client)) == 3  # the refused cell, again, once the gate let the first end
    assert {task.filename for task in parsers.parked} == {"three.pdf", "ten.pdf"}  # the first run's
    cells = lock_of(root / "evalspec.lock").cells
    assert refused["id"] not in {c.run_id for c in cells.values()}
    for cell in cells.values():
        assert cell.status == "completed" and cell.files is not None
        assert {f.status for f in cell.files.values()} == {"completed"}


def _held_and_refused(client: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run held at the gate and the run whose every file the page limit refused."""
    held, refused = sorted(server_runs(client), key=lambda run: run["completed_at"] is not None)
    results = client.get(f"/api/v1/eval_batch_runs/{refused['id']}/results").json()["file_results"]
    refusal = {"success": False, "error": PAGE_LIMIT_MESSAGE.format(limit=13)}
    assert len(results) == 2 and all(r["eval_results"] == refusal for r in results)
    return held, refused


def test_the_local_backend_plays_the_team_page_limit_when_told(tmp_path: Path) -> None:
    # --local-pages-in-flight is the in-process service's limit, not apply's scheduling (5,000
    # here): the 13-page cell is submitted at once, and the service refuses its ten-page file.
    root = _project(tmp_path / "p")
    (root / "spec.yaml").write_text((root / "spec.yaml").read_text().replace("[md, js]", "[md]"))
    env = evalspec_env(tmp_path / "state")
    failed = run_cli(root, env, "apply", "spec.yaml", "--backend", "local", "--local-pages-in-flight", "12")
    assert failed.returncode == 3, failed.stderr
    assert "docs/md/r: the service's page limit refused its files 4 times" in failed.stderr
    cell = lock_of(root / "evalspec.lock").cells["docs/md/r"]
    assert cell.status == PAGE_LIMITED and cell.avg_score is None and cell.run_id == 4
    # Without it the local service has no page limit: the same cell is a result.
    done = run_cli(root, env, "apply", "spec.yaml", "--backend", "local")
    assert done.returncode == 0, done.stderr
    assert lock_of(root / "evalspec.lock").cells["docs/md/r"].status == "completed"


def test_the_local_page_limit_from_the_environment_and_apply_scheduling_under_it(tmp_path: Path) -> None:
    # The service allows 13 pages (EVALSPEC_LOCAL_PAGES_IN_FLIGHT) and apply schedules for 13:
    # the second cell waits for the first run's end, so the service never refuses a file.
    root = _project(tmp_path / "p", pages_in_flight=13)
    env = {**evalspec_env(tmp_path / "state"), "EVALSPEC_LOCAL_PAGES_IN_FLIGHT": "13"}
    done = run_cli(root, env, "apply", "spec.yaml", "--backend", "local")
    assert done.returncode == 0, done.stderr
    cells = lock_of(root / "evalspec.lock").cells
    assert sorted(c.run_id or 0 for c in cells.values()) == [1, 2]  # no run refused, none again
    assert {c.status for c in cells.values()} == {"completed"}
    # A limit that is not a number of pages is refused before anything runs.
    once = run_cli(root, {**env, "EVALSPEC_LOCAL_PAGES_IN_FLIGHT": "nine"}, "apply", "spec.yaml",
                   "--backend", "local", "--replace", "all")
    assert once.returncode == 2 and "EVALSPEC_LOCAL_PAGES_IN_FLIGHT='nine'" in once.stderr


def test_the_local_page_limit_is_refused_for_datalab(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    env = evalspec_env(tmp_path / "state", "http://127.0.0.1:9", "key")  # nothing listens there
    refused = run_cli(root, env, "apply", "spec.yaml", "--backend", "datalab", "--local-pages-in-flight", "5")
    assert refused.returncode == 2, refused.stderr
    assert "--local-pages-in-flight sets the local service's team page limit" in refused.stderr
    assert "`evalspec server --pages-in-flight N`" in refused.stderr
    assert not (root / "evalspec.lock").exists()
