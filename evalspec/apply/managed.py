"""Keeping managed collections and rubrics in sync with the spec.

Creation is not idempotent on the server, so every create is preceded by a lookup by name, and
a create whose answer was lost (`may_have_acted`) is followed by another lookup before anything
is tried again: a crash or a dropped response never leaves two collections of one name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial
from typing import TypeVar

from evalspec.api import DatalabClient, may_have_acted
from evalspec.api import shapes as api
from evalspec.api.files import Upload
from evalspec.apply.events import Note
from evalspec.apply.ledger import UploadLedger
from evalspec.base.canonical import canonical_json, digest
from evalspec.errors import ReferenceLookupError, RemoteError
from evalspec.spec.files import content_type
from evalspec.spec.spec import Collection, ManagedFile, Rubric

UPLOAD_BATCH_BYTES = 16 * 1024 * 1024  # and bytes held in memory for one batch

T = TypeVar("T", api.Collection, api.Rubric)
R = TypeVar("R")


def single_match(kind: str, name: str, found: Sequence[T], where: str) -> T | None:
    """The one server object named `name`; None when there is none; an error when several."""
    matches = [item for item in found if item.name == name and not item.archived]
    if len(matches) > 1:
        ids = ", ".join(str(m.id) for m in matches)
        raise ReferenceLookupError(
            f"{where}: {len(matches)} {kind}s are named {name!r} (ids {ids}); refer to one by `id`"
        )
    return matches[0] if matches else None


async def create_once(
    create: Callable[[], Awaitable[T]], find: Callable[[], Awaitable[T | None]]
) -> T:
    """Create something, unless a lost answer means it was created anyway: then find it."""
    try:
        return await create()
    except RemoteError as exc:
        if not may_have_acted(exc):
            raise
        found = await find()
        if found is None:
            raise
        return found


async def repeat_if_lost(action: Callable[[], Awaitable[R]], attempts: int = 3) -> R:
    """Run an action that is harmless to repeat (an upload, a link) again when its answer was lost.

    The client retries only requests the server surely did not act on; a new upload slot or a
    second link of the same files does no harm, so these are worth another try.
    """
    for _ in range(attempts - 1):
        try:
            return await action()
        except RemoteError as exc:
            if not may_have_acted(exc):
                raise
    return await action()


async def find_or_create(
    kind: str, name: str, where: str, existing: Sequence[T],
    list_all: Callable[[], Awaitable[list[T]]], create: Callable[[], Awaitable[T]], note: Note,
) -> tuple[T, bool]:
    """The one `kind` named `name`, created when there is none; and whether it was created."""
    found = single_match(kind, name, existing, where)
    if found is not None:
        return found, False

    async def find() -> T | None:
        return single_match(kind, name, await list_all(), where)

    created = await create_once(create, find)
    note(f"Created {kind} {name!r} (id {created.id}).")
    return created, True


async def sync_collection(
    client: DatalabClient, collection: Collection, existing: Sequence[api.Collection],
    ledger: UploadLedger, note: Note,
) -> int:
    """The managed collection's id, after creating it if missing and syncing its files."""
    name = collection.ref.name or collection.name

    async def list_all() -> list[api.Collection]:
        return [c async for c in client.collections.list()]

    found, _ = await find_or_create(
        "collection", name, str(collection.where), existing, list_all,
        lambda: client.collections.create(name, collection.ref.description), note,
    )
    await sync_files(client, found.id, collection.files or (), ledger, note)
    return found.id


async def sync_files(
    client: DatalabClient, collection_id: int, wanted: Sequence[ManagedFile], ledger: UploadLedger,
    note: Note,
) -> None:
    """Upload what is new or changed, link it, and unlink what the spec no longer lists."""
    present: dict[str, list[api.CollectionFile]] = {}
    async for item in client.collections.list_files(collection_id):
        present.setdefault(item.original_filename, []).append(item)
    to_upload: list[ManagedFile] = []
    to_unlink: list[int] = []
    for managed in wanted:
        current = present.pop(managed.upload_name, [])
        if any(_same_content(item, managed, ledger) for item in current):
            continue
        to_upload.append(managed)
        to_unlink += [item.uploaded_file_id for item in current]
    try:
        to_link = []
        for batch in upload_batches(to_upload, client.files.batch_files):
            to_link += await _upload(client, batch, ledger)
    finally:
        ledger.save()
    to_unlink += [item.uploaded_file_id for items in present.values() for item in items]
    if to_link:
        await repeat_if_lost(lambda: client.collections.add_files(collection_id, to_link))
    for file_id in to_unlink:
        await client.collections.remove_file(collection_id, file_id)
    if to_link or to_unlink:
        note(f"Collection {collection_id}: {len(to_link)} file(s) uploaded, {len(to_unlink)} unlinked.")


def upload_batches(files: Sequence[ManagedFile], most: int) -> Iterator[list[ManagedFile]]:
    """The files in batches of at most `most` files and UPLOAD_BATCH_BYTES bytes.

    A batch is repeated whole when its answer is lost, so a backend that uploads file by file
    gets batches of one.
    """
    batch: list[ManagedFile] = []
    size = 0
    for managed in files:
        if batch and (len(batch) >= most or size + managed.size > UPLOAD_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(managed)
        size += managed.size
    if batch:
        yield batch


async def _upload(client: DatalabClient, batch: list[ManagedFile], ledger: UploadLedger) -> list[int]:
    """Upload one batch (one request where the backend takes batches) and record each file."""
    uploads = [Upload(m.upload_name, content_type(m.upload_name), m.path.read_bytes()) for m in batch]
    file_ids = await repeat_if_lost(partial(client.files.upload_many, uploads))
    for managed, file_id in zip(batch, file_ids, strict=True):
        ledger.record(file_id, managed.sha256)
    return file_ids


def _same_content(item: api.CollectionFile, managed: ManagedFile, ledger: UploadLedger) -> bool:
    known = ledger.known(item.uploaded_file_id)
    if known is not None:
        return known == managed.sha256
    return item.file_size == managed.size  # not uploaded from here: trust name and size


async def sync_rubric(
    client: DatalabClient, rubric: Rubric, existing: Sequence[api.Rubric], note: Note
) -> int:
    """The managed rubric's id, after creating it if missing or updating a changed definition."""
    name = rubric.ref.name or rubric.name
    definition = dict(rubric.definition or {})

    async def list_all() -> list[api.Rubric]:
        return [r async for r in client.rubrics.list()]

    found, created = await find_or_create(
        "rubric", name, str(rubric.where), existing, list_all,
        lambda: client.rubrics.create(name, rubric.ref.description, definition), note,
    )
    if created:
        return found.id
    current = found.eval_definition or (await client.rubrics.get(found.id)).eval_definition
    if digest(canonical_json(current)) != rubric.definition_digest:
        await client.rubrics.update(found.id, eval_definition=definition)
        note(f"Updated the definition of rubric {name!r} (id {found.id}).")
    return found.id
