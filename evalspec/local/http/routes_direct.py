"""`POST /api/v1/files/upload_batch`: a local extension, many confirmed files per request.

Datalab's upload is three requests per file (ask for a slot, PUT the bytes, confirm). For the
service in the client's own process those round trips are pure overhead, so the in-process
client sends a batch of files here at once, base64 in a JSON body, and gets them back
confirmed, in order. Not in the OpenAPI document: Datalab has no such endpoint.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from evalspec.local.http.deps import store_of
from evalspec.local.problems import bad_request
from evalspec.local.store.files import file_out

MAX_BATCH_FILES = 1000

router = APIRouter(prefix="/api/v1/files")


class BatchFile(BaseModel):
    filename: str = Field(min_length=1, max_length=1000)
    content_type: str = "application/octet-stream"
    data: str  # base64


class UploadBatch(BaseModel):
    files: list[BatchFile] = Field(min_length=1, max_length=MAX_BATCH_FILES)


@router.post("/upload_batch", include_in_schema=False)
def upload_batch(body: UploadBatch, request: Request) -> dict[str, Any]:
    """Store every file of the batch as a new, confirmed file, in one transaction."""
    items = [(f.filename, f.content_type, _decoded(f)) for f in body.files]
    rows = store_of(request).files.create_confirmed(items)
    return {"files": [file_out(row) for row in rows]}


def _decoded(item: BatchFile) -> bytes:
    try:
        data = base64.b64decode(item.data, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"{item.filename}: data is not base64") from None
    return data  # the store enforces the size limit, as for an upload URL
