"""Upload URLs: one file each, refused after they expire, size-limited while the body streams in."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from evalspec.local import LocalService
from evalspec.local.problems import ApiProblem
from evalspec.local.store.files import MAX_FILE_BYTES, UploadRules
from evalspec.local.store.state import Store

KIB = 1024
MIB = 1024 * KIB


def _slot(client: httpx.Client) -> dict[str, Any]:
    made = client.post("/api/v1/files/upload", json={"filename": "a.txt",
                                                     "content_type": "text/plain"})
    made.raise_for_status()
    slot: dict[str, Any] = made.json()
    return slot


def _refused(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_an_upload_url_takes_one_file(local_client: httpx.Client) -> None:
    slot = _slot(local_client)
    url, first = slot["upload_url"], b"the first bytes"
    assert httpx.put(url, content=first).status_code == 200
    # A retry of the same bytes (a client that lost the answer) changes nothing and succeeds.
    assert httpx.put(url, content=first).status_code == 200
    _refused(httpx.put(url, content=b"other bytes"), 409, "already used")
    confirmed = local_client.get(f"/api/v1/files/{slot['file_id']}/confirm").json()
    assert confirmed["sha256"] == hashlib.sha256(first).hexdigest()
    cid = local_client.post("/api/v1/collections", json={"name": "linked"}).json()["id"]
    local_client.post(f"/api/v1/collections/{cid}/files",
                      json={"uploaded_file_ids": [slot["file_id"]]}).raise_for_status()
    for after_confirm in (first, b"replacement"):
        _refused(httpx.put(url, content=after_confirm), 409, "already used")
    linked = local_client.get(f"/api/v1/collections/{cid}/files").json()["files"]
    assert [f["sha256"] for f in linked] == [confirmed["sha256"]]
    assert linked[0]["file_size"] == len(first)


def test_a_declared_oversize_body_is_answered_before_it_is_sent(
        local_client: httpx.Client) -> None:
    slot = _slot(local_client)
    target = urlsplit(slot["upload_url"])
    head = (f"PUT {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\n"
            f"Content-Length: {MAX_FILE_BYTES + 10 * MIB}\r\n\r\n").encode()
    with socket.create_connection((target.hostname, target.port), timeout=10) as sock:
        sock.sendall(head + b"x" * KIB)  # and nothing more: an answer now was sent unread
        status, body = _read_answer(sock)
    assert status == 413 and str(MAX_FILE_BYTES) in body
    # The refused body left the URL unused.
    assert httpx.put(slot["upload_url"], content=b"small").status_code == 200


def _read_answer(sock: socket.socket) -> tuple[int, str]:
    """The status and body of one HTTP/1.1 answer with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines
                  if line.lower().startswith("content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1]), body.decode()


class Clock:
    """The upload rules' clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def _in_process(tmp_path: Path, rules: UploadRules,
                body: Callable[[httpx.AsyncClient], Awaitable[None]]) -> LocalService:
    """Run `body` against an in-process service with these upload rules."""
    service = LocalService(tmp_path / "data", api_key=None, uploads=rules)

    async def main() -> None:
        transport = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
            await body(client)

    with service:
        asyncio.run(main())
    return service


async def _async_slot(client: httpx.AsyncClient) -> dict[str, Any]:
    slot: dict[str, Any] = (await client.post("/api/v1/files/upload",
                                              json={"filename": "f.bin"})).json()
    return slot


def test_an_upload_url_is_refused_once_expires_in_has_passed(tmp_path: Path) -> None:
    clock = Clock()

    async def body(client: httpx.AsyncClient) -> None:
        early, late = await _async_slot(client), await _async_slot(client)
        assert early["expires_in"] == 60
        clock.now += timedelta(seconds=59.999)
        assert (await client.put(early["upload_url"], content=b"in time")).status_code == 200
        clock.now += timedelta(milliseconds=1)
        _refused(await client.put(late["upload_url"], content=b"too late"), 403, "expired")
        assert (await client.get(f"/api/v1/files/{late['file_id']}/confirm")).status_code == 409

    _in_process(tmp_path, UploadRules(expires_in=60, clock=clock), body)


def test_an_oversize_body_is_refused_while_it_streams_in(tmp_path: Path) -> None:
    limit, piece = 256 * KIB, 16 * KIB
    sent = 0

    async def endless() -> AsyncIterator[bytes]:  # no Content-Length: only the stream tells
        nonlocal sent
        while sent < 64 * MIB:
            sent += piece
            yield b"x" * piece

    async def body(client: httpx.AsyncClient) -> None:
        slot = await _async_slot(client)
        _refused(await client.put(slot["upload_url"], content=endless()), 413, str(limit))
        assert sent <= limit + piece  # reading stopped at the first piece past the limit
        fits = await client.put(slot["upload_url"], content=b"y" * limit)
        assert fits.status_code == 200 and fits.json()["size"] == limit

    service = _in_process(tmp_path, UploadRules(max_bytes=limit), body)
    assert not list((service.data_dir / "blobs").glob(".tmp-*"))  # the refused bytes are gone


def test_an_upload_is_written_to_disk_as_it_arrives(tmp_path: Path) -> None:
    size, piece = 24 * MIB, 64 * KIB
    digest = hashlib.sha256(b"z" * size).hexdigest()

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(size // piece):
            yield b"z" * piece

    async def body(client: httpx.AsyncClient) -> None:
        slot = await _async_slot(client)
        tracemalloc.start()
        try:
            put = await client.put(slot["upload_url"], content=stream())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert put.status_code == 200 and put.json()["size"] == size
        assert peak < 4 * MIB, peak  # a body read in full would take 24 MiB at least
        confirmed = (await client.get(f"/api/v1/files/{slot['file_id']}/confirm")).json()
        assert confirmed["sha256"] == digest and confirmed["file_size"] == size

    service = _in_process(tmp_path, UploadRules(max_bytes=size), body)
    assert (service.data_dir / "blobs" / digest[:2] / digest).stat().st_size == size


def test_the_stores_own_put_keeps_the_same_rules(tmp_path: Path) -> None:
    store = Store(tmp_path, UploadRules(max_bytes=10))
    try:
        file_id, token = store.files.create("a.txt", "text/plain")
        with pytest.raises(ApiProblem) as too_big:
            store.files.put_bytes(token, b"x" * 11)
        assert too_big.value.status_code == 413
        store.files.put_bytes(token, b"0123456789")
        store.files.put_bytes(token, b"0123456789")  # the same bytes again: no change
        with pytest.raises(ApiProblem) as other:
            store.files.put_bytes(token, b"abc")
        store.files.confirm(file_id)
        with pytest.raises(ApiProblem) as confirmed:
            store.files.put_bytes(token, b"0123456789")
        assert other.value.status_code == confirmed.value.status_code == 409
        assert store.files.read(file_id) == b"0123456789"
    finally:
        store.close()
