"""Managed collections and rubrics: immutable, content-addressed objects on the server.

A managed object is named `name@<short digest>` of its content (the set of file digests, or the
definition). A change of content is a new object; an existing one is never edited, so every lock
in git keeps pointing at what it was scored with. Files already uploaded (to an earlier version
of the collection) are linked into the new one, never uploaded again.

Creation is not idempotent on the server, so every create is preceded by a lookup by name, and
a create whose answer was lost (`may_have_acted`) is followed by another lookup before anything
is tried again: a crash or a dropped response never leaves two collections of one name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
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
    ledger: UploadLedger, note: Note, *, sidecars: bool,
) -> int:
    """The id of the collection holding exactly this content, created (and filled) if missing.

    Truth sidecars go only to a backend that evaluates them (`sidecars`).
    """
    name = collection.server_name or collection.name
    wanted = [f for f in collection.files or () if sidecars or not f.is_truth]

    async def list_all() -> list[api.Collection]:
        return [c async for c in client.collections.list()]

    found, _ = await find_or_create(
        "collection", name, str(collection.where), existing, list_all,
        lambda: client.collections.create(name, collection.ref.description), note,
    )
    # Only a collection whose filling was cut short misses files: complete it, never remove any.
    await fill_collection(client, found.id, wanted, _base_name(name), ledger, note)
    return found.id


def _base_name(server_name: str) -> str:
    return server_name.rpartition("@")[0] or server_name


async def fill_collection(
    client: DatalabClient, collection_id: int, wanted: Sequence[ManagedFile], base: str,
    ledger: UploadLedger, note: Note,
) -> None:
    """Link the wanted files the collection lacks: earlier uploads where they fit, else new ones."""
    present = {item.original_filename async for item in _files_of(client, collection_id)}
    missing = [managed for managed in wanted if managed.upload_name not in present]
    if not missing:
        return
    earlier = await earlier_uploads(client, base, collection_id)
    to_link: list[int] = []
    to_upload: list[ManagedFile] = []
    for managed in missing:
        file_id = _reusable(earlier.get(managed.upload_name, ()), managed, ledger)
        if file_id is None:
            to_upload.append(managed)
        else:
            to_link.append(file_id)
    try:
        for batch in upload_batches(to_upload, client.files.batch_files):
            to_link += await _upload(client, batch, ledger)
    finally:
        ledger.save()
    await repeat_if_lost(lambda: client.collections.add_files(collection_id, to_link))
    note(f"Collection {collection_id}: {len(to_link)} file(s) linked, {len(to_upload)} of them uploaded.")


def _files_of(client: DatalabClient, collection_id: int) -> AsyncIterator[api.CollectionFile]:
    return client.collections.list_files(collection_id)


async def earlier_uploads(
    client: DatalabClient, base: str, exclude: int
) -> dict[str, list[api.CollectionFile]]:
    """Files of the earlier versions of a managed collection (archived ones too), by name.

    The plain-named collection that evalspec kept in sync before names were content-addressed
    counts as an earlier version too, so that upgrading uploads nothing again.
    """
    found: dict[str, list[api.CollectionFile]] = {}
    async for other in client.collections.list(include_archived=True):
        earlier = other.name == base or ("@" in other.name and _base_name(other.name) == base)
        if other.id == exclude or not earlier:
            continue
        async for item in _files_of(client, other.id):
            found.setdefault(item.original_filename, []).append(item)
    return found


def _reusable(
    candidates: Sequence[api.CollectionFile], managed: ManagedFile, ledger: UploadLedger
) -> int | None:
    for item in candidates:
        if _same_content(item, managed, ledger):
            return item.uploaded_file_id
    return None


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
    """The id of the rubric holding exactly this definition, created if missing; never edited."""
    name = rubric.server_name or rubric.name
    definition = dict(rubric.definition or {})

    async def list_all() -> list[api.Rubric]:
        return [r async for r in client.rubrics.list()]

    found, created = await find_or_create(
        "rubric", name, str(rubric.where), existing, list_all,
        lambda: client.rubrics.create(name, rubric.ref.description, definition), note,
    )
    if not created:
        current = found.eval_definition or (await client.rubrics.get(found.id)).eval_definition
        if digest(canonical_json(current)) != rubric.definition_digest:
            raise ReferenceLookupError(
                f"{rubric.where}: rubric {name!r} (id {found.id}) no longer holds the definition its "
                "name was made from (it was edited outside evalspec); archive it, then apply again"
            )
    return found.id
