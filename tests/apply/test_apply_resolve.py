"""Spec references to server ids: by id (no request), by name (looked up), managed (synced).

Against the local service in-process; a reference by id is checked with a transport that fails
the test on any request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from evalspec.api import DatalabClient
from evalspec.api.inprocess import in_process_client
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.resolve import lookup_ids, resolve_ids
from evalspec.errors import ReferenceLookupError
from evalspec.local import LocalService
from evalspec.plan.cells import Cell, expand_spec
from evalspec.spec.load import load_spec
from evalspec.spec.spec import Spec

SPEC = """\
version: 1
collections:
  byid: {id: 101}
  byname: {name: shared-docs}
  managed: {name: demo, files: [data/*]}
rubrics:
  rid: {id: 7}
  rname: {name: shared-checks}
  rmanaged: {name: demo-checks, definition: checks.yaml}
pipelines:
  md: {type: convert}
matrix:
  collection: [byid, byname, managed]
  pipeline: [md]
  rubric: [rid, rname, rmanaged]
"""
NO_CHECKS: dict[str, Any] = {"evaluations": []}
CHECKS = "evaluations:\n  - {kind: text_contains, text: summary}\n"

NOTES: list[str] = []  # what apply would tell the user; not asserted here


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.md").write_text("# A\n\nSummary.\n")
    (tmp_path / "checks.yaml").write_text(CHECKS)
    (tmp_path / "spec.yaml").write_text(SPEC)
    return load_spec([tmp_path / "spec.yaml"], root=tmp_path)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[DatalabClient]:
    with LocalService(tmp_path / "server", api_key=None) as service:
        yield in_process_client(service.app)


def cells(spec: Spec, collection: str, rubric: str) -> list[Cell]:
    return [c for c in expand_spec(spec) if c.collection == collection and c.rubric == rubric]


def ledger(tmp_path: Path) -> UploadLedger:
    return UploadLedger("http://evalspec.local", tmp_path / "state")


async def names(client: DatalabClient) -> tuple[list[str], list[str]]:
    return ([c.name async for c in client.collections.list()], [r.name async for r in client.rubrics.list()])


def test_references_by_id_send_no_request(spec: Spec, tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a reference by id sent {request.method} {request.url}")

    offline = DatalabClient("k", "https://nowhere.test", transport=httpx.MockTransport(refuse))
    ids = asyncio.run(resolve_ids(offline, spec, cells(spec, "byid", "rid"), ledger(tmp_path), NOTES.append))
    assert (ids.collections, ids.rubrics) == ({"byid": 101}, {"rid": 7})
    assert ids.for_cell(cells(spec, "byid", "rid")[0]) == {"collection_id": 101, "eval_rubric_id": 7}


def test_names_are_looked_up_and_archived_namesakes_ignored(
    spec: Spec, client: DatalabClient, tmp_path: Path
) -> None:
    async def main() -> dict[str, Any]:
        old = await client.collections.create("shared-docs")
        await client.collections.delete(old.id)  # archived: not a second match
        docs = await client.collections.create("shared-docs")
        await client.collections.create("shared-docs-v2")
        checks = await client.rubrics.create("shared-checks", None, NO_CHECKS)
        ids = await resolve_ids(client, spec, cells(spec, "byname", "rname"), ledger(tmp_path), NOTES.append)
        return {"got": (ids.collections, ids.rubrics), "want": ({"byname": docs.id}, {"rname": checks.id})}

    found = asyncio.run(main())
    assert found["got"] == found["want"]


def test_a_name_that_matches_nothing_points_at_the_spec_line(
    spec: Spec, client: DatalabClient, tmp_path: Path
) -> None:
    with pytest.raises(ReferenceLookupError) as raised:
        asyncio.run(resolve_ids(client, spec, cells(spec, "byname", "rid"), ledger(tmp_path), NOTES.append))
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'spec.yaml'}:4:")
    assert "no collection named 'shared-docs'" in message and "give `files`" in message


def test_two_objects_of_one_name_are_refused_naming_both(
    spec: Spec, client: DatalabClient, tmp_path: Path
) -> None:
    async def main() -> list[int]:
        return [(await client.rubrics.create("shared-checks", None, NO_CHECKS)).id for _ in range(2)]

    ids = asyncio.run(main())
    both = rf"2 rubrics are named 'shared-checks' \(ids {ids[0]}, {ids[1]}\)"
    with pytest.raises(ReferenceLookupError, match=both):
        asyncio.run(resolve_ids(client, spec, cells(spec, "byid", "rname"), ledger(tmp_path), NOTES.append))


def test_managed_objects_are_created_once_then_found(
    spec: Spec, client: DatalabClient, tmp_path: Path
) -> None:
    async def main() -> None:
        wanted = cells(spec, "managed", "rmanaged")
        first = await resolve_ids(client, spec, wanted, ledger(tmp_path), NOTES.append)
        again = await resolve_ids(client, spec, wanted, ledger(tmp_path), NOTES.append)
        assert (first.collections, first.rubrics) == (again.collections, again.rubrics)
        collections, rubrics = await names(client)
        assert [c.partition("@")[0] for c in collections] == ["demo"]  # content-addressed: demo@<digest>
        assert [r.partition("@")[0] for r in rubrics] == ["demo-checks"]
        assert spec.collections["managed"].server_name in collections
        listed = client.collections.list_files(first.collections["managed"])
        assert [f.original_filename async for f in listed] == ["a.md"]
        rubric = await client.rubrics.get(first.rubrics["rmanaged"])
        assert rubric.eval_definition == {"evaluations": [{"kind": "text_contains", "text": "summary"}]}

    asyncio.run(main())


def test_lookup_for_plan_refresh_creates_nothing(spec: Spec, client: DatalabClient) -> None:
    async def main() -> None:
        docs = await client.collections.create("shared-docs")
        checks = await client.rubrics.create("shared-checks", None, NO_CHECKS)
        every = expand_spec(spec)
        known = await lookup_ids(client, spec, every)
        # Names that exist are known; managed ones that do not yet exist stay lookups.
        assert known == {("collection_id", "shared-docs"): docs.id,
                         ("eval_rubric_id", "shared-checks"): checks.id}
        assert await names(client) == (["shared-docs"], ["shared-checks"])

    asyncio.run(main())


def test_lookup_for_plan_refresh_refuses_an_unmanaged_name_that_matches_nothing(
    spec: Spec, client: DatalabClient
) -> None:
    with pytest.raises(ReferenceLookupError, match="no rubric named 'shared-checks'"):
        asyncio.run(lookup_ids(client, spec, cells(spec, "byid", "rname")))
