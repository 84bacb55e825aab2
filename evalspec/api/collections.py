"""The collection endpoints: list, create, update, delete, and the files linked into one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from evalspec.api.answers import fetch_model, fetch_page
from evalspec.api.paging import MAX_PAGE, CursorPage, cursor_of, cursor_pages, offset_pages
from evalspec.api.sender import Call, Sender, fetch_json
from evalspec.api.shapes import Collection, CollectionFile

COLLECTIONS = "/api/v1/collections"
# The service links at most 100 files per call.
LINK_CHUNK = 100


class Collections:
    """`/api/v1/collections`."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    def list(
        self, *, include_archived: bool = False, page_size: int = MAX_PAGE
    ) -> AsyncIterator[Collection]:
        """Every collection, page by page."""

        async def fetch(limit: int, offset: int) -> tuple[list[Collection], int | None]:
            params = {"limit": limit, "offset": offset, "include_archived": include_archived}
            call = Call("GET", COLLECTIONS, "collections.list", params=params)
            items, total, _ = await fetch_page(self._sender, call, Collection, "collections")
            return items, total

        return offset_pages(fetch, limit=page_size)

    async def create(self, name: str, description: str | None = None) -> Collection:
        """Create a collection. Not idempotent: after a failure, look it up by name first."""
        body = {"name": name, "description": description}
        call = Call("POST", COLLECTIONS, "collections.create", json=body)
        return await fetch_model(self._sender, call, Collection)

    async def update(
        self,
        collection_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        archived: bool | None = None,
    ) -> Collection:
        """Change the given fields of a collection; fields left as None are not sent."""
        given = {"name": name, "description": description, "archived": archived}
        body = {key: value for key, value in given.items() if value is not None}
        call = Call("PUT", f"{COLLECTIONS}/{collection_id}", "collections.update", json=body)
        return await fetch_model(self._sender, call, Collection)

    async def delete(self, collection_id: int) -> None:
        """Archive a collection (the service's delete is soft)."""
        call = Call("DELETE", f"{COLLECTIONS}/{collection_id}", "collections.delete")
        await fetch_json(self._sender, call)

    async def add_files(self, collection_id: int, file_ids: Sequence[int]) -> None:
        """Link uploaded files into a collection, 100 per request."""
        url = f"{COLLECTIONS}/{collection_id}/files"
        for start in range(0, len(file_ids), LINK_CHUNK):
            chunk = list(file_ids[start : start + LINK_CHUNK])
            call = Call("POST", url, "collections.add_files", json={"uploaded_file_ids": chunk})
            await fetch_json(self._sender, call)

    def list_files(
        self, collection_id: int, *, page_size: int = MAX_PAGE
    ) -> AsyncIterator[CollectionFile]:
        """Every file linked into a collection, following the server's cursor."""
        url = f"{COLLECTIONS}/{collection_id}/files"

        async def fetch(cursor: str | None) -> CursorPage[CollectionFile]:
            params: dict[str, Any] = {"limit": page_size}
            if cursor is not None:
                params["cursor"] = cursor
            call = Call("GET", url, "collections.files", params=params)
            files, total, body = await fetch_page(self._sender, call, CollectionFile, "files")
            return CursorPage(files, cursor_of(body), total)

        return cursor_pages(fetch, f"GET {url}")

    async def remove_file(self, collection_id: int, file_id: int) -> None:
        """Unlink one file from a collection (the upload itself stays)."""
        url = f"{COLLECTIONS}/{collection_id}/files/{file_id}"
        await fetch_json(self._sender, Call("DELETE", url, "collections.remove_file"))
