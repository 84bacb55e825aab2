"""Run the local eval service (`python -m evalspec.local`) in a subprocess on a free port.

    with running_server(tmp_path / "data", file_delay=0.2) as server:
        httpx.get(server.url + "/api/v1/collections", headers=server.headers)
        server.kill()          # kill -9, for durability tests
"""

from __future__ import annotations

import mimetypes
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO_ROOT = Path(__file__).parent.parent
READY_RE = re.compile(r"listening on (http://\S+)")
STARTUP_DEADLINE = 20.0


@dataclass
class LocalServer:
    """A started server: its URL and key, and the process to stop."""

    url: str
    api_key: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run (a crash)."""
        self.process.kill()
        self.process.wait(10)

    def terminate(self) -> int:
        """SIGTERM and wait: the graceful path. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(15)


def start_server(data_dir: Path, *, api_key: str = "test-key", rate_limit: str | None = None,
                 file_delay: float = 0.0, args: tuple[str, ...] = ()) -> LocalServer:
    """Start the server (with more command-line `args`) and wait (with a deadline) for its
    `listening on` line."""
    cmd = [sys.executable, "-m", "evalspec.local", "--port", "0", "--data-dir", str(data_dir),
           "--api-key", api_key, "--file-delay", str(file_delay), *args]
    if rate_limit:
        cmd += ["--rate-limit", rate_limit]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=REPO_ROOT)
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []
    threading.Thread(target=_pump, args=(proc, lines, output), daemon=True).start()
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        match = READY_RE.search(line)
        if match:
            return LocalServer(match.group(1), api_key, proc, output)
    proc.kill()
    proc.wait(10)
    raise RuntimeError("local server did not start:\n" + "".join(output))


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None], out: list[str]) -> None:
    assert proc.stdout is not None
    with proc.stdout:
        for line in proc.stdout:
            out.append(line)
            lines.put(line)
    lines.put(None)


@contextmanager
def running_server(data_dir: Path, **options: object) -> Iterator[LocalServer]:
    """A server for the duration of the block; terminated (or already killed) at the end."""
    server = start_server(data_dir, **options)  # type: ignore[arg-type]  # options pass through
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.terminate()


# Helpers for driving a server through its API (the tests' own tiny client, on purpose
# independent of evalspec.api so the server is tested against the documented shapes).

SAMPLES = REPO_ROOT / "specs" / "data"
RUN_DEADLINE = 30.0


def upload(client: httpx.Client, name: str, data: bytes) -> int:
    """Upload slot, PUT of the bytes (no key), confirm: the new file id."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    slot = client.post("/api/v1/files/upload", json={"filename": name,
                                                      "content_type": content_type})
    slot.raise_for_status()
    put = httpx.put(slot.json()["upload_url"], content=data)
    put.raise_for_status()
    client.get(f"/api/v1/files/{slot.json()['file_id']}/confirm").raise_for_status()
    return int(slot.json()["file_id"])


def make_collection(client: httpx.Client, name: str, files: dict[str, bytes]) -> int:
    """A collection holding `files` (name -> bytes)."""
    created = client.post("/api/v1/collections", json={"name": name})
    created.raise_for_status()
    cid = int(created.json()["id"])
    ids = [upload(client, fname, data) for fname, data in files.items()]
    client.post(f"/api/v1/collections/{cid}/files",
                json={"uploaded_file_ids": ids}).raise_for_status()
    return cid


def sample_files(folder: str) -> dict[str, bytes]:
    """Every file of specs/data/<folder> (documents and truth sidecars) by name."""
    return {p.name: p.read_bytes() for p in sorted((SAMPLES / folder).iterdir())}


def make_rubric(client: httpx.Client, name: str, rubric_file: str) -> int:
    definition = yaml.safe_load((REPO_ROOT / "specs" / "rubrics" / rubric_file).read_text())
    made = client.post("/api/v1/eval_rubrics", json={"name": name, "eval_definition": definition})
    made.raise_for_status()
    return int(made.json()["id"])


def wait_run(client: httpx.Client, run_id: int, deadline: float = RUN_DEADLINE) -> dict[str, Any]:
    """Poll until the run is completed or failed (or fail the test at the deadline)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        run: dict[str, Any] = client.get(f"/api/v1/eval_batch_runs/{run_id}").json()
        if run["status"] in ("completed", "failed"):
            return run
        time.sleep(0.02)
    raise AssertionError(f"run {run_id} did not finish within {deadline}s")
