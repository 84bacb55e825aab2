"""`/api/v1/collections`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from evalspec.local.http.deps import store_of
from evalspec.local.http.errors import answers
from evalspec.local.http.limits import Limit, Offset, RowId
from evalspec.local.http.requests import AddFilesRequest, CreateCollectionRequest, UpdateCollectionRequest
from evalspec.local.http.responses import (
    CollectionResponse,
    ListCollectionFilesResponse,
    ListCollectionsResponse,
)
from evalspec.local.problems import bad_request

router = APIRouter(prefix="/api/v1/collections")
# A cursor is a link number: ASCII digits only (str.isdigit also takes "²"), within 64 bits.
CURSOR = re.compile(r"[0-9]{1,18}")
# The document says so too (a pattern the 400 below enforces), so that a client drawing cursors
# from the document draws only ones the service can read.
Cursor = Annotated[str | None, Query(json_schema_extra={"pattern": f"^{CURSOR.pattern}$"})]


@router.post("", response_model=CollectionResponse)
def create(body: CreateCollectionRequest, request: Request) -> dict[str, Any]:
    return store_of(request).collections.create(body.name, body.description)


@router.get("", response_model=ListCollectionsResponse)
def list_collections(request: Request, limit: Limit = 50,
                     offset: Offset = 0, include_archived: bool = False) -> dict[str, Any]:
    items, total = store_of(request).collections.page(limit, offset, include_archived)
    return {"collections": items, "total": total}


@router.get("/{collection_id}", response_model=CollectionResponse)
def get(collection_id: RowId, request: Request) -> dict[str, Any]:
    """A local convenience: Datalab documents no single-collection GET."""
    return store_of(request).collections.get(collection_id)


@router.put("/{collection_id}", response_model=CollectionResponse)
def update(collection_id: RowId, body: UpdateCollectionRequest, request: Request) -> dict[str, Any]:
    return store_of(request).collections.update(collection_id, body.model_dump())


@router.delete("/{collection_id}", response_model=CollectionResponse)
def archive(collection_id: RowId, request: Request) -> dict[str, Any]:
    """Soft delete: the collection is archived, its files and runs stay."""
    return store_of(request).collections.update(collection_id, {"archived": True})


@router.post("/{collection_id}/files", response_model=CollectionResponse,
             responses=answers(400, 409))
def add_files(collection_id: RowId, body: AddFilesRequest, request: Request) -> dict[str, Any]:
    return store_of(request).collections.add_files(collection_id, body.uploaded_file_ids)


@router.get("/{collection_id}/files", response_model=ListCollectionFilesResponse,
            responses=answers(400))
def list_files(collection_id: RowId, request: Request, limit: Limit = 50,
               cursor: Cursor = None) -> dict[str, Any]:
    """Cursor pagination: pass the previous page's `next_cursor` until it is null."""
    if cursor is not None and not CURSOR.fullmatch(cursor):
        raise bad_request(f"invalid cursor {cursor[:40]!r}: pass a next_cursor as it came")
    store = store_of(request)
    rows, total = store.collections.page_files(collection_id, limit + 1, int(cursor or 0))
    more = len(rows) > limit
    # Pages as Datalab bills them: a local extension, read by `plan --refresh` where told.
    rows = [{**row, "page_count": store.pages.pages(row["sha256"], row["original_filename"])}
            for row in rows[:limit]]
    return {"files": rows, "total": total,
            "next_cursor": str(rows[-1]["sort_order"]) if more else None}


@router.delete("/{collection_id}/files/{uploaded_file_id}")
def remove_file(collection_id: RowId, uploaded_file_id: RowId, request: Request) -> dict[str, Any]:
    """Unlink a file; the upload itself stays."""
    store_of(request).collections.remove_file(collection_id, uploaded_file_id)
    return {"success": True}
