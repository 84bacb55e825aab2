"""`evalspec server`'s socket: every accepted connection has TCP_NODELAY.

Without it a kept-alive response's body waits for the client's delayed ACK (~40 ms per request).
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from pathlib import Path

import httpx
import pytest
from local_server import running_server

from evalspec.local.http.server import _listen


def test_connections_accepted_on_the_listening_socket_get_tcp_nodelay() -> None:
    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        # uvicorn hands our socket to asyncio's create_server exactly like this.
        server = await asyncio.start_server(on_connect, sock=_listen("127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay()) != 0


@pytest.mark.slow
def test_kept_alive_requests_do_not_wait_for_a_delayed_ack(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server, \
            httpx.Client(base_url=server.url, headers=server.headers) as client:
        client.get("/api/v1/collections").raise_for_status()  # opens the one connection
        times = []
        for _ in range(50):
            start = time.perf_counter()
            client.get("/api/v1/collections").raise_for_status()
            times.append(time.perf_counter() - start)
    # A delayed ACK costs ~40 ms on every request; a shared, loaded machine costs far less
    # on the median.
    assert statistics.median(times) < 0.030, f"median {statistics.median(times) * 1000:.1f} ms"
