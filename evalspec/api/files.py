"""Uploading a file: ask for a presigned URL, PUT the bytes there, confirm.

The local service in this process takes a batch of files in one request instead
(`DirectFiles`, its `upload_batch` extension).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from evalspec.api.answers import fetch_model
from evalspec.api.sender import Call, Sender, fetch_json
from evalspec.api.shapes import UploadTicket

FILES = "/api/v1/files"


@dataclass(frozen=True)
class Upload:
    """One file to upload."""

    filename: str
    content_type: str
    data: bytes


class Files:
    """`/api/v1/files`."""

    batch_files = 1  # files per `upload_many` request

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    async def upload(self, filename: str, content_type: str, data: bytes) -> int:
        """Upload `data` and return its file id, ready to link into a collection."""
        ticket = await self.request_upload(filename, content_type)
        # The URL is presigned storage, not the API: it must never see the API key.
        put = Call(
            "PUT",
            ticket.upload_url,
            "files.put",
            content=data,
            headers={"Content-Type": content_type},
            authenticated=False,
        )
        await self._sender.send(put)
        await self.confirm(ticket.file_id)
        return ticket.file_id

    async def upload_many(self, uploads: Sequence[Upload]) -> list[int]:
        """Upload each file; their ids in the same order."""
        return [await self.upload(u.filename, u.content_type, u.data) for u in uploads]

    async def request_upload(self, filename: str, content_type: str) -> UploadTicket:
        """Step 1: register the file and get where to put its bytes."""
        body = {"filename": filename, "content_type": content_type}
        call = Call("POST", f"{FILES}/upload", "files.upload", json=body)
        return await fetch_model(self._sender, call, UploadTicket)

    async def confirm(self, file_id: int) -> None:
        """Step 3: tell the service the bytes are in place."""
        await fetch_json(self._sender, Call("GET", f"{FILES}/{file_id}/confirm", "files.confirm"))



class DirectFiles(Files):
    """Uploads to the local service in this process: a batch of files per request, confirmed.

    Three round trips per file buy nothing inside one process.
    """

    batch_files = 100

    async def upload(self, filename: str, content_type: str, data: bytes) -> int:
        """Upload `data` and return its file id, confirmed and ready to link."""
        return (await self.upload_many([Upload(filename, content_type, data)]))[0]

    async def upload_many(self, uploads: Sequence[Upload]) -> list[int]:
        """Upload the files in one request; their ids in the same order."""
        body = {"files": [{"filename": u.filename, "content_type": u.content_type,
                           "data": base64.b64encode(u.data).decode("ascii")} for u in uploads]}
        call = Call("POST", f"{FILES}/upload_batch", "files.upload_batch", json=body)
        answer = await fetch_json(self._sender, call)
        return [int(item["file_id"]) for item in answer["files"]]
