"""Turning the spec's references into server ids: by id, by name (looked up), or managed (synced)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from evalspec.api import DatalabClient
from evalspec.api import shapes as api
from evalspec.apply.events import Note
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.managed import T, single_match, sync_collection, sync_rubric
from evalspec.errors import ReferenceLookupError
from evalspec.plan.cells import Cell
from evalspec.spec.spec import Spec


@dataclass
class ResolvedIds:
    """Server ids of the spec's collections and rubrics, by spec name."""

    collections: dict[str, int] = field(default_factory=dict)
    rubrics: dict[str, int] = field(default_factory=dict)

    def for_cell(self, cell: Cell) -> dict[str, int]:
        """The ids to fill into the cell's request, by request field."""
        ids = {"collection_id": self.collections[cell.collection]}
        if cell.rubric is not None:
            ids["eval_rubric_id"] = self.rubrics[cell.rubric]
        return ids


async def resolve_ids(
    client: DatalabClient, spec: Spec, cells: Iterable[Cell], ledger: UploadLedger, note: Note,
    *, sidecars: bool = False,
) -> ResolvedIds:
    """Ids for every collection and rubric the cells use; syncs managed ones on the way.

    `sidecars`: the backend evaluates truth sidecars, so managed collections carry them.
    """
    cells = list(cells)
    ids = ResolvedIds()
    collections = sorted({cell.collection for cell in cells})
    rubrics = sorted({cell.rubric for cell in cells if cell.rubric is not None})
    if any(spec.collections[name].ref.id is None for name in collections):
        listed = [c async for c in client.collections.list()]
        for name in collections:
            ids.collections[name] = await _collection_id(
                client, spec, name, listed, ledger, note, sidecars=sidecars
            )
    else:
        ids.collections = {name: _known_id(spec.collections[name].ref.id) for name in collections}
    if any(spec.rubrics[name].ref.id is None for name in rubrics):
        found = [r async for r in client.rubrics.list()]
        for name in rubrics:
            ids.rubrics[name] = await _rubric_id(client, spec, name, found, note)
    else:
        ids.rubrics = {name: _known_id(spec.rubrics[name].ref.id) for name in rubrics}
    return ids


def _known_id(value: int | None) -> int:
    assert value is not None  # guarded by the caller: references by id
    return value


async def _collection_id(
    client: DatalabClient, spec: Spec, name: str, listed: list[api.Collection], ledger: UploadLedger,
    note: Note, *, sidecars: bool,
) -> int:
    collection = spec.collections[name]
    if collection.ref.id is not None:
        return collection.ref.id
    if collection.files is not None:
        return await sync_collection(client, collection, listed, ledger, note, sidecars=sidecars)
    return _by_name("collection", name, collection.ref.name, listed, str(collection.where), "files")


async def _rubric_id(
    client: DatalabClient, spec: Spec, name: str, listed: list[api.Rubric], note: Note
) -> int:
    rubric = spec.rubrics[name]
    if rubric.ref.id is not None:
        return rubric.ref.id
    if rubric.definition is not None:
        return await sync_rubric(client, rubric, listed, note)
    return _by_name("rubric", name, rubric.ref.name, listed, str(rubric.where), "definition")


def _by_name(
    kind: str, name: str, server_name: str | None, listed: Sequence[T], where: str, managed_key: str
) -> int:
    """The id of the one server object called `server_name`; exit 2 naming the spec line if none."""
    found = single_match(kind, server_name or name, listed, where)
    if found is None:
        raise ReferenceLookupError(
            f"{where}: {kind}s.{name}: no {kind} named {server_name!r} on the server "
            f"(give `{managed_key}` to have evalspec manage it, or refer to it by `id`)"
        )
    return found.id


async def lookup_ids(client: DatalabClient, spec: Spec, cells: Iterable[Cell]) -> dict[tuple[str, str], int]:
    """Read-only lookup for `plan --refresh`: ids by (request field, server name).

    Nothing is created or synced; a managed collection or rubric that does not exist yet stays a
    lookup (apply creates it), an unmanaged name that matches nothing is an error (exit 2).
    """
    cells = list(cells)
    collections: dict[str, tuple[str, bool, str]] = {}
    rubrics: dict[str, tuple[str, bool, str]] = {}
    for cell in cells:
        coll = spec.collections[cell.collection]
        if coll.server_name:
            collections[cell.collection] = (coll.server_name, coll.files is not None, str(coll.where))
        rubric = spec.rubrics[cell.rubric] if cell.rubric is not None else None
        if rubric is not None and rubric.server_name:
            rubrics[rubric.name] = (rubric.server_name, rubric.definition is not None, str(rubric.where))
    known: dict[tuple[str, str], int] = {}
    if collections:
        listed_collections = [c async for c in client.collections.list()]
        known.update(_known("collection", "collection_id", collections, listed_collections))
    if rubrics:
        listed_rubrics = [r async for r in client.rubrics.list()]
        known.update(_known("rubric", "eval_rubric_id", rubrics, listed_rubrics))
    return known


def _known(
    kind: str, field: str, named: dict[str, tuple[str, bool, str]], listed: Sequence[T]
) -> dict[tuple[str, str], int]:
    known: dict[tuple[str, str], int] = {}
    for name, (server_name, managed, where) in sorted(named.items()):
        if managed:
            found = single_match(kind, server_name, listed, where)
            if found is not None:
                known[(field, server_name)] = found.id
        else:
            managed_key = "files" if kind == "collection" else "definition"
            known[(field, server_name)] = _by_name(kind, name, server_name, listed, where, managed_key)
    return known
