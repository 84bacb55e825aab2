"""`/api/v1/files`: upload slots, the signed byte upload, confirmation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from evalspec.local.http.deps import store_of
from evalspec.local.http.requests import UploadRequest
from evalspec.local.http.responses import ConfirmResponse, UploadResponse
from evalspec.local.problems import ApiProblem
from evalspec.local.store.files import UPLOAD_EXPIRES_IN, file_out

MAX_FILE_BYTES = 200 * 1024 * 1024  # Datalab's documented per-file limit

router = APIRouter(prefix="/api/v1/files")
# The upload URL is a capability (a secret token in the path), so it takes no API key,
# like a presigned storage URL.
signed_router = APIRouter(prefix="/api/v1/files")


@router.post("/upload", response_model=UploadResponse)
def request_upload(body: UploadRequest, request: Request) -> dict[str, Any]:
    """An upload slot and the URL to PUT its bytes to."""
    content_type = body.content_type or "application/octet-stream"
    file_id, token = store_of(request).files.create(body.filename, content_type)
    url = str(request.url_for("put_upload", token=token))
    return {"file_id": file_id, "upload_url": url, "reference": f"local://files/{file_id}",
            "expires_in": UPLOAD_EXPIRES_IN}


@signed_router.put("/upload/{token}", name="put_upload")
async def put_upload(token: str, request: Request) -> dict[str, Any]:
    data = await request.body()
    if len(data) > MAX_FILE_BYTES:
        raise ApiProblem(413, f"File too large: at most {MAX_FILE_BYTES} bytes")
    await run_in_threadpool(store_of(request).files.put_bytes, token, data)
    return {"success": True, "size": len(data)}


@router.get("/{file_id}/confirm", response_model=ConfirmResponse)
def confirm(file_id: int, request: Request) -> dict[str, Any]:
    return file_out(store_of(request).files.confirm(file_id))
