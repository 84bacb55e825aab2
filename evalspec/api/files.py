"""Uploading a file: ask for a presigned URL, PUT the bytes there, confirm."""

from __future__ import annotations

from evalspec.api.answers import fetch_model
from evalspec.api.sender import Call, Sender, fetch_json
from evalspec.api.shapes import UploadTicket

FILES = "/api/v1/files"


class Files:
    """`/api/v1/files`."""

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

    async def request_upload(self, filename: str, content_type: str) -> UploadTicket:
        """Step 1: register the file and get where to put its bytes."""
        body = {"filename": filename, "content_type": content_type}
        call = Call("POST", f"{FILES}/upload", "files.upload", json=body)
        return await fetch_model(self._sender, call, UploadTicket)

    async def confirm(self, file_id: int) -> None:
        """Step 3: tell the service the bytes are in place."""
        await fetch_json(self._sender, Call("GET", f"{FILES}/{file_id}/confirm", "files.confirm"))
