"""The client over a real socket: the fake Datalab under uvicorn on 127.0.0.1, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from faults import FaultInjector, drop, matching
from test_api_endpoints import KEY, FakeDatalab, build_app

from evalspec.api import ApiNetworkError, DatalabClient, RetryPolicy

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def no_sleep(seconds: float) -> None:
    pass


FAST = RetryPolicy(sleep=no_sleep, random=lambda: 0.0)


class Served:
    """An ASGI app served by uvicorn on a loopback port until `stop`."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, lifespan="off", ws="none", log_level="critical")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started, "uvicorn did not start"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def served() -> Iterator[tuple[Served, FakeDatalab, FaultInjector]]:
    state = FakeDatalab()
    injector = FaultInjector(build_app(state), match=matching("POST", "/api/v1/eval_batch_runs"))
    server = Served(injector)
    yield server, state, injector
    server.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_plain_http_to_loopback_works(
    served: tuple[Served, FakeDatalab, FaultInjector], host: str
) -> None:
    server, state, _ = served
    async with DatalabClient(KEY, f"http://{host}:{server.port}", retry=FAST) as client:
        run = await client.runs.start({"collection_id": 4})
        assert (await client.runs.get(run.id)).collection_id == 4
    assert [entry[2] for entry in state.log] == [True, True]


async def test_dropped_post_response_is_reported_not_retried(
    served: tuple[Served, FakeDatalab, FaultInjector],
) -> None:
    server, state, injector = served
    injector.faults = {1: drop()}
    async with DatalabClient(KEY, f"http://127.0.0.1:{server.port}", retry=FAST) as client:
        with pytest.raises(ApiNetworkError) as info:
            await client.runs.start({"collection_id": 4})
        assert info.value.may_have_acted
        # The executor's next move: look before resubmitting. The run is there, exactly once.
        runs, total = await client.runs.list(collection_id=4)
        assert [r.collection_id for r in runs] == [4]
    assert total == 1 and len(state.runs) == 1


async def test_connection_refused_names_the_host_after_retries() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on `port` now.
    async with DatalabClient(KEY, f"http://127.0.0.1:{port}", retry=FAST) as client:
        with pytest.raises(ApiNetworkError, match=rf"cannot reach 127.0.0.1:{port} .*6 attempts"):
            await client.runs.start({"collection_id": 1})
    assert client.stats.total == 6
