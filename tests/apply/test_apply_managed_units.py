"""Managed collections and rubrics, one call at a time: found or created once, never edited.

The pure helpers are driven with scripted coroutines; syncing runs against the local service
in-process, with tests/faults.py spoiling answers where a lost one is the point. The two-branch
story through the CLI is in test_apply_managed.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from faults import FaultInjector, drop

from evalspec.api import ApiServerError, DatalabClient, RetryPolicy
from evalspec.api import shapes as api
from evalspec.api.inprocess import IN_PROCESS_URL
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.managed import create_once, repeat_if_lost, single_match, sync_collection, sync_rubric
from evalspec.errors import ReferenceLookupError
from evalspec.local import LocalService
from evalspec.spec.load import load_spec
from evalspec.spec.spec import Spec

SPEC = """\
version: 1
collections:
  demo: {name: demo, files: [data/*]}
rubrics:
  checks: {name: demo-checks, definition: checks.yaml}
pipelines:
  md: {type: convert}
matrix: {collection: [demo], pipeline: [md], rubric: [checks]}
"""
CHECKS = "evaluations:\n  - {kind: text_contains, text: summary}\n"
LOST = ApiServerError("POST /x failed (500)", 500, may_have_acted=True)
REFUSED = ApiServerError("POST /x failed (422)", 422, may_have_acted=False)

NOTES: list[str] = []  # what apply would tell the user; not asserted here


def collection(id: int, name: str, archived: bool = False) -> api.Collection:
    return api.Collection(id=id, name=name, archived=archived)


# --- single_match, create_once, repeat_if_lost ------------------------------------------------


def test_single_match_ignores_archived_namesakes_and_refuses_two() -> None:
    listed = [collection(1, "a", archived=True), collection(2, "a"), collection(3, "ab")]
    assert single_match("collection", "a", listed, "spec.yaml:3:5").id == 2  # type: ignore[union-attr]
    assert single_match("collection", "b", listed, "spec.yaml:3:5") is None
    two = r"spec.yaml:3:5: 2 collections are named 'a' \(ids 2, 4\)"
    with pytest.raises(ReferenceLookupError, match=two):
        single_match("collection", "a", [*listed, collection(4, "a")], "spec.yaml:3:5")


class Script:
    """Coroutines that raise or return the next item of a script, counting their calls."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes, self.calls = list(outcomes), 0

    async def __call__(self) -> Any:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_create_once_finds_what_a_lost_answer_created() -> None:
    made = collection(9, "demo")
    create, find = Script(LOST), Script(made)
    assert asyncio.run(create_once(create, find)) is made
    assert (create.calls, find.calls) == (1, 1)


def test_create_once_raises_when_nothing_was_created_after_all() -> None:
    with pytest.raises(ApiServerError) as raised:
        asyncio.run(create_once(Script(LOST), Script(None)))
    assert raised.value is LOST


def test_create_once_does_not_look_after_a_refusal() -> None:
    find = Script()
    with pytest.raises(ApiServerError):
        asyncio.run(create_once(Script(REFUSED), find))
    assert find.calls == 0


def test_repeat_if_lost_repeats_only_lost_answers_and_at_most_attempts_times() -> None:
    assert asyncio.run(repeat_if_lost(Script(LOST, LOST, 7))) == 7
    always_lost = Script(LOST, LOST, LOST, 7)
    with pytest.raises(ApiServerError):
        asyncio.run(repeat_if_lost(always_lost, attempts=3))
    assert always_lost.calls == 3
    refused = Script(REFUSED, 7)
    with pytest.raises(ApiServerError):
        asyncio.run(repeat_if_lost(refused))
    assert refused.calls == 1


# --- syncing against the local service ---------------------------------------------------------


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with LocalService(tmp_path / "server", api_key=None) as started:
        yield started


def client_for(app: Any) -> DatalabClient:
    retry = RetryPolicy(base_delay=0.001, max_delay=0.01)
    return DatalabClient("k", IN_PROCESS_URL, transport=httpx.ASGITransport(app=app), retry=retry)


def project(root: Path, files: dict[str, str], checks: str = CHECKS) -> Spec:
    """The spec in `root` with exactly `files` in its data folder."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for old in data.iterdir():
        old.unlink()
    for name, text in files.items():
        (data / name).write_text(text)
    (root / "checks.yaml").write_text(checks)
    (root / "spec.yaml").write_text(SPEC)
    return load_spec([root / "spec.yaml"], root=root)


class Synced:
    """Syncs the demo collection and reports what the server holds and what was uploaded."""

    def __init__(self, app: Any, root: Path) -> None:
        self.client, self.root = client_for(app), root
        self.ledger = UploadLedger(IN_PROCESS_URL, root / "state")

    async def sync(self, files: dict[str, str]) -> int:
        spec = project(self.root, files)
        listed = [c async for c in self.client.collections.list()]
        before = self.client.stats["files.upload"]
        cid = await sync_collection(
            self.client, spec.collections["demo"], listed, self.ledger, NOTES.append, sidecars=True,
        )
        self.uploads = self.client.stats["files.upload"] - before
        return cid

    async def files(self, cid: int) -> dict[str, int]:
        items = self.client.collections.list_files(cid)
        listed = [(f.original_filename, f.uploaded_file_id) async for f in items]
        assert len(dict(listed)) == len(listed), listed  # one file of each name, never old and new
        return dict(listed)


def test_a_changed_file_set_makes_a_new_collection_and_uploads_only_what_is_new(
    service: LocalService, tmp_path: Path
) -> None:
    async def main() -> None:
        synced = Synced(service.app, tmp_path)
        first_id = await synced.sync({"a.md": "# A\n", "b.md": "# B\n"})
        first = await synced.files(first_id)
        assert sorted(first) == ["a.md", "b.md"] and synced.uploads == 2
        assert await synced.sync({"a.md": "# A\n", "b.md": "# B\n"}) == first_id and synced.uploads == 0
        second_id = await synced.sync({"a.md": "# A, edited\n", "b.md": "# B\n"})
        second = await synced.files(second_id)
        assert second_id != first_id and synced.uploads == 1
        assert second["b.md"] == first["b.md"] and second["a.md"] != first["a.md"]  # b linked, not re-sent
        assert await synced.files(first_id) == first  # the old object still holds what it was made of
        third_id = await synced.sync({"a.md": "# A, edited\n"})
        assert await synced.files(third_id) == {"a.md": second["a.md"]} and synced.uploads == 0
        assert await synced.files(second_id) == second

    asyncio.run(main())


def test_a_file_uploaded_elsewhere_is_trusted_by_name_and_size(service: LocalService, tmp_path: Path) -> None:
    async def main() -> None:
        await Synced(service.app, tmp_path / "elsewhere").sync({"a.md": "# A\n"})
        here = Synced(service.app, tmp_path / "here")  # another machine: its own, empty ledger
        await here.sync({"a.md": "# a\n"})  # same size: not uploaded again
        assert here.uploads == 0
        await here.sync({"a.md": "# A, longer\n"})
        assert here.uploads == 1

    asyncio.run(main())


def test_a_create_whose_answer_was_lost_leaves_one_collection(service: LocalService, tmp_path: Path) -> None:
    async def main() -> None:
        injector = FaultInjector(service.app, faults={1: drop()},
                                 match=lambda m, p: (m, p) == ("POST", "/api/v1/collections"))
        synced = Synced(injector, tmp_path)
        cid = await synced.sync({"a.md": "# A\n"})
        assert injector.injected
        listed = [(c.id, c.name) async for c in synced.client.collections.list()]
        assert len(listed) == 1 and listed[0][0] == cid and listed[0][1].startswith("demo@")

    asyncio.run(main())


def test_a_changed_definition_makes_a_new_rubric_and_never_edits_one(
    service: LocalService, tmp_path: Path
) -> None:
    async def main() -> None:
        client = client_for(service.app)

        async def sync(checks: str) -> int:
            spec = project(tmp_path, {"a.md": "# A\n"}, checks)
            listed = [r async for r in client.rubrics.list()]
            return await sync_rubric(client, spec.rubrics["checks"], listed, NOTES.append)

        rid = await sync(CHECKS)
        assert await sync(CHECKS) == rid
        edited = CHECKS.replace("summary", "totals")
        new_rid = await sync(edited)
        assert new_rid != rid and client.stats["rubrics.update"] == 0
        assert (await client.rubrics.get(rid)).eval_definition["evaluations"][0]["text"] == "summary"
        assert (await client.rubrics.get(new_rid)).eval_definition["evaluations"][0]["text"] == "totals"
        names = sorted([r.name async for r in client.rubrics.list()])
        assert len(names) == 2 and all(n.startswith("demo-checks@") for n in names)

    asyncio.run(main())
