"""Polling many runs with few requests, against the local service in-process; the poll schedule."""

from __future__ import annotations

import asyncio
from pathlib import Path

from evalspec.api.inprocess import in_process_client
from evalspec.apply.follow import PollSchedule, Tracked, poll_round, wait_unless
from evalspec.local import LocalService

DEADLINE = 30.0  # an hour-long wait that was not cut short fails here
DEFINITION = {"evaluations": [{"kind": "text_contains", "text": "hello"}]}


async def _runs(tmp_path: Path, count: int, extra_collection: bool = False) -> dict[str, object]:
    with LocalService(tmp_path / "data", api_key=None) as service:
        async with in_process_client(service.app) as client:
            collection = await client.collections.create("poll")
            file_id = await client.files.upload("a.txt", "text/plain", b"hello")
            await client.collections.add_files(collection.id, [file_id])
            rubric = await client.rubrics.create("r", None, DEFINITION)
            body = {"collection_id": collection.id, "eval_rubric_id": rubric.id, "pipeline_type": "convert",
                    "pipeline_id": None, "page_schema": None, "segmentation_schema": None,
                    "output_format": None}
            runs = [await client.runs.start(body) for _ in range(count)]
            lone = None
            if extra_collection:
                other = await client.collections.create("lone")
                await client.collections.add_files(other.id, [file_id])
                lone = await client.runs.start({**body, "collection_id": other.id})
            client.stats.reset()
            tracked = {r.id: Tracked(r.id, "k", collection.id) for r in runs[-5:]}  # older runs: history
            if lone is not None:
                tracked[lone.id] = Tracked(lone.id, "lone", lone.collection_id)
            polled = await poll_round(client, tracked, page_size=2)
            return {"polled": sorted(r.id for r in polled), "tracked": sorted(tracked),
                    "stats": client.stats.snapshot()}


def test_runs_are_read_from_the_team_list_and_the_history_beyond_them_is_not(tmp_path: Path) -> None:
    result = asyncio.run(_runs(tmp_path, count=9, extra_collection=True))
    assert result["polled"] == result["tracked"]
    # 6 of ours (the lone run of another collection included), newest first, pages of 2: three
    # list requests, no GET, and the 4 older runs beyond are never read.
    assert result["stats"] == {"runs.list": 3}


def test_the_wait_grows_while_nothing_changes_and_snaps_back() -> None:
    schedule = PollSchedule(first_wait=1.0, ceiling=3.0, factor=2.0)
    assert [schedule.next(changed) for changed in (False, False, False, True, False)] == [2, 3, 3, 1, 2]


def test_a_wait_ends_when_woken_or_stopped_and_otherwise_lasts_its_time() -> None:
    async def waits() -> list[bool]:
        stop, wake = asyncio.Event(), asyncio.Event()
        ended = []
        for setter in (wake.set, stop.set):
            waiting = asyncio.create_task(wait_unless(stop, 3600.0, wake))
            setter()
            await asyncio.wait_for(waiting, DEADLINE)
            ended.append(waiting.done())
            wake.clear()
            stop.clear()
        await wait_unless(stop, 0.0, wake)  # neither set: the wait lasts its time, then ends
        return ended

    assert asyncio.run(waits()) == [True, True]
