"""A poll round reads the team's run list, whatever its order, and GETs only what it misses.

Datalab does not document the order of `GET /api/v1/eval_batch_runs`, so the round is driven
both by our local service (newest first, in-process) and by `TeamRuns`, a double of the run
endpoints whose list is oldest first, newest first, shuffled on every request, or capped below
the page size asked for, and which holds other users' runs of the team besides ours.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException, Query

from evalspec.api import DatalabClient
from evalspec.api.inprocess import in_process_client
from evalspec.apply.follow import Tracked, poll_round
from evalspec.apply.listing import RunLister
from evalspec.local import LocalService

ORDERS = ("newest", "oldest", "shuffled")
DEFINITION = {"evaluations": [{"kind": "text_contains", "text": "hello"}]}


@dataclass
class TeamRuns:
    """The team's runs in memory, listed in `order`; `cap` bounds a page whatever limit is asked."""

    order: str
    cap: int = 200
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def add(self, count: int, collection_id: int) -> list[int]:
        """`count` new runs in a collection; returns their ids."""
        ids = []
        for _ in range(count):
            run_id = len(self.runs) + 1
            self.runs[run_id] = {"id": run_id, "collection_id": collection_id, "status": "running",
                                 "total_files": 2, "completed_files": 0, "completed_at": None}
            ids.append(run_id)
        return ids

    def finish(self, run_id: int) -> None:
        self.runs[run_id].update(status="completed", completed_files=2, completed_at="2026-11-30T10:00:00Z")

    def listed(self) -> list[dict[str, Any]]:
        rows = sorted(self.runs.values(), key=lambda run: run["id"], reverse=self.order == "newest")
        if self.order == "shuffled":
            self.rng.shuffle(rows)
        return rows


def team_app(team: TeamRuns) -> FastAPI:
    """Only the run endpoints a poll round uses."""
    app = FastAPI()

    @app.get("/api/v1/eval_batch_runs")
    def list_runs(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> dict[str, Any]:
        rows = team.listed()
        return {"batch_runs": rows[offset : offset + min(limit, team.cap)], "total": len(rows)}

    @app.get("/api/v1/eval_batch_runs/{run_id}")
    def get_run(run_id: int) -> dict[str, Any]:
        if run_id not in team.runs:
            raise HTTPException(404, "Batch run not found")
        return team.runs[run_id]

    return app


async def poll(client: DatalabClient, team: TeamRuns, ours: list[int], lister: RunLister) -> dict[str, int]:
    """One round over `ours`: checks it returned exactly their current state; the requests it sent."""
    client.stats.reset()
    tracked = {run_id: Tracked(run_id, f"k{run_id}", None) for run_id in ours}
    polled = await poll_round(client, tracked, lister=lister)
    assert [run.id for run in polled] == sorted(ours)
    for run in polled:
        current = team.runs[run.id]
        assert (run.status, run.completed_files, run.completed_at) == (
            current["status"], current["completed_files"], current["completed_at"])
    return client.stats.snapshot()


def history_with_ours(team: TeamRuns) -> list[int]:
    """30 runs of other users, then 12 of ours interleaved with 6 more of theirs."""
    team.add(30, collection_id=9)
    ours = []
    for _ in range(6):
        ours += team.add(2, collection_id=1)
        team.add(1, collection_id=9)
    return ours


Between = Callable[[TeamRuns, list[int]], list[int]]


async def _two_rounds(order: str, between: Between) -> list[dict[str, int]]:
    """A round over our runs of `history_with_ours`; `between` changes the team and says which of
    ours the second round follows. The requests of each round."""
    team = TeamRuns(order)
    ours = history_with_ours(team)
    lister = RunLister(page_size=5)
    async with in_process_client(team_app(team)) as client:
        first = await poll(client, team, ours, lister)
        still = between(team, ours)
        return [first, await poll(client, team, still, lister)]


def _four_finish_and_others_submit(team: TeamRuns, ours: list[int]) -> list[int]:
    for finished in ours[:4]:
        team.finish(finished)
    team.add(4, collection_id=9)
    return ours


@pytest.mark.parametrize("order", ORDERS)
def test_every_tracked_run_is_found_with_its_current_state_whatever_the_order(order: str) -> None:
    for stats in asyncio.run(_two_rounds(order, _four_finish_and_others_submit)):
        # A list in any order is read a bounded number of pages; what it misses costs one GET each.
        assert stats.get("runs.list", 0) <= 52 // 5 + 2
        assert stats.get("runs.get", 0) <= 12
        if order != "shuffled":
            assert "runs.get" not in stats  # a stable order finds every run in the list


def _older_half_leaves_and_others_submit(team: TeamRuns, ours: list[int]) -> list[int]:
    team.finish(ours[0])
    team.add(3, collection_id=9)  # other users keep submitting: at the tail of an oldest-first list
    return ours[6:]


def test_an_oldest_first_list_is_read_from_its_tail_and_the_next_round_starts_there() -> None:
    # ours at list offsets 30..46 of 48
    first, second = asyncio.run(_two_rounds("oldest", _older_half_leaves_and_others_submit))
    # The first two pages (0..9) hold none of ours; the tail page (43..47) does, and so do the
    # pages before it down to 28..32, where the last of ours is found.
    assert first == {"runs.list": 2 + 4}
    # The next round starts at the tail: 43..47, then 48..50 (none of ours), then 38..42.
    assert second == {"runs.list": 3}


def _others_submit(team: TeamRuns, ours: list[int]) -> list[int]:
    team.add(4, collection_id=9)  # ahead of ours in a newest-first list
    return ours


def test_a_newest_first_list_keeps_finding_our_runs_as_others_push_them_down() -> None:
    # ours at list offsets 1..17 of 48
    first, second = asyncio.run(_two_rounds("newest", _others_submit))
    assert first == {"runs.list": 4}  # 0..4, 5..9, 10..14, 15..19
    assert second == {"runs.list": 5}  # a page of other users' runs (0..4), then ours at 5..21


async def _capped() -> dict[str, int]:
    team = TeamRuns("newest", cap=3)
    ours = history_with_ours(team)
    async with in_process_client(team_app(team)) as client:
        return await poll(client, team, ours, RunLister(page_size=5))


def test_a_server_capping_the_page_below_the_limit_asked_is_paged_by_what_it_sent() -> None:
    assert asyncio.run(_capped()) == {"runs.list": 6}  # 17 runs deep, 3 to a page


async def _single() -> dict[str, int]:
    team = TeamRuns("newest")
    ours = team.add(1, collection_id=1)
    async with in_process_client(team_app(team)) as client:
        return await poll(client, team, ours, RunLister())


def test_a_single_run_is_fetched_directly() -> None:
    assert asyncio.run(_single()) == {"runs.get": 1}


async def _local_round(tmp_path: Path) -> tuple[list[int], list[int], dict[str, int]]:
    with LocalService(tmp_path / "data", api_key=None) as service:
        async with in_process_client(service.app) as client:
            file_id = await client.files.upload("a.txt", "text/plain", b"hello")
            rubric = await client.rubrics.create("r", None, DEFINITION)
            runs = []
            for name in ("ours-1", "theirs", "ours-2", "ours-3"):
                collection = await client.collections.create(name)
                await client.collections.add_files(collection.id, [file_id])
                body = {"collection_id": collection.id, "eval_rubric_id": rubric.id,
                        "pipeline_type": "convert", "pipeline_id": None, "page_schema": None,
                        "segmentation_schema": None, "output_format": None}
                runs += [(name, await client.runs.start(body)) for _ in range(3)]
            client.stats.reset()
            tracked = {run.id: Tracked(run.id, name, run.collection_id)
                       for name, run in runs if name != "theirs"}
            polled = await poll_round(client, tracked)
            return sorted(tracked), [run.id for run in polled], client.stats.snapshot()


def test_runs_of_several_collections_cost_one_list_request_on_the_local_service(tmp_path: Path) -> None:
    tracked, polled, stats = asyncio.run(_local_round(tmp_path))
    assert polled == tracked
    assert stats == {"runs.list": 1}  # not one per collection, and the other user's runs ignored
