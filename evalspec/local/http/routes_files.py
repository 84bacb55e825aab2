"""`/api/v1/files`: upload slots, the signed byte upload, confirmation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from evalspec.local.http.deps import store_of
from evalspec.local.http.errors import answers
from evalspec.local.http.limits import RowId
from evalspec.local.http.requests import UploadRequest
from evalspec.local.http.responses import ConfirmResponse, UploadResponse
from evalspec.local.problems import ApiProblem, bad_request
from evalspec.local.store.files import file_out

router = APIRouter(prefix="/api/v1/files")
# The upload URL is a capability (a secret token in the path), so it takes no API key,
# like a presigned storage URL.
signed_router = APIRouter(prefix="/api/v1/files")


@router.post("/upload", response_model=UploadResponse)
def request_upload(body: UploadRequest, request: Request) -> dict[str, Any]:
    """An upload slot and the URL to PUT its bytes to (once, within `expires_in` seconds)."""
    content_type = body.content_type or "application/octet-stream"
    files = store_of(request).files
    file_id, token = files.create(body.filename, content_type)
    url = str(request.url_for("put_upload", token=token))
    return {"file_id": file_id, "upload_url": url, "reference": f"local://files/{file_id}",
            "expires_in": files.rules.expires_in}


@signed_router.put("/upload/{token}", name="put_upload",
                   responses=answers(400, 403, 409, 413))
async def put_upload(token: str, request: Request) -> dict[str, Any]:
    """The file's bytes, written to disk as they arrive; refused past the size limit."""
    files = store_of(request).files
    file_id = await run_in_threadpool(files.open_slot, token)
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > files.rules.max_bytes:
        # Refused before a byte is read; the server drops the rest of the body unread.
        raise ApiProblem(413, f"File too large: at most {files.rules.max_bytes} bytes")
    with files.receiver() as blob:
        try:
            async for piece in request.stream():
                blob.write(piece)
        except ClientDisconnect:
            raise bad_request("the upload was cut off before its end") from None
        digest, size = await run_in_threadpool(blob.commit)
    await run_in_threadpool(files.fill_slot, file_id, digest, size)
    return {"success": True, "size": size}


@router.get("/{file_id}/confirm", response_model=ConfirmResponse, responses=answers(409))
def confirm(file_id: RowId, request: Request) -> dict[str, Any]:
    return file_out(store_of(request).files.confirm(file_id))
