"""Benchmark: the per-request overhead of `evalspec server`, a GET of one run.

    python benchmarks/server_bench.py [--requests 200]

Starts `python -m evalspec.local --port 0` on a fresh data dir, makes one collection of one
document and one run, waits for it, then times REQUESTS GETs of `/api/v1/eval_batch_runs/{id}`
two ways in the same run: over one kept-alive httpx connection (what every client does), and
over a fresh connection each time (a new httpx.Client, whose own set-up dominates). Prints the
median and p95 of each, in milliseconds. A server without TCP_NODELAY on its accepted
connections takes ~40 ms per kept-alive request: the body waits for the client's delayed ACK.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

READY_RE = re.compile(r"listening on (http://\S+)")
KEY = "bench-key"
RUBRIC = {"evaluations": [{"kind": "text_contains", "text": "summary"}]}


def start(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "evalspec.local", "--port", "0", "--data-dir",
                             str(data_dir), "--api-key", KEY], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ})
    assert proc.stdout is not None
    for line in proc.stdout:
        if match := READY_RE.search(line):
            return proc, match.group(1)
    sys.exit("the server did not start")


def one_run(client: httpx.Client) -> int:
    """A collection of one document, a rubric and a finished run: its id."""
    cid = client.post("/api/v1/collections", json={"name": "bench"}).json()["id"]
    ticket = client.post("/api/v1/files/upload",
                         json={"filename": "a.md", "content_type": "text/markdown"}).json()
    httpx.put(ticket["upload_url"], content=b"# Summary\n\nwords\n").raise_for_status()
    client.get(f"/api/v1/files/{ticket['file_id']}/confirm").raise_for_status()
    client.post(f"/api/v1/collections/{cid}/files", json={"uploaded_file_ids": [ticket["file_id"]]})
    rid = client.post("/api/v1/eval_rubrics", json={"name": "r", "eval_definition": RUBRIC}).json()["id"]
    run_id = int(client.post("/api/v1/eval_batch_runs",
                             json={"collection_id": cid, "eval_rubric_id": rid}).json()["id"])
    while client.get(f"/api/v1/eval_batch_runs/{run_id}").json()["completed_at"] is None:
        time.sleep(0.05)
    return run_id


def timed(get: Callable[[], object], count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(label: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[18]
    return f"{label:<34}median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    headers = {"X-API-Key": KEY}
    with tempfile.TemporaryDirectory(prefix="evalspec-server-bench-") as tmp:
        proc, url = start(Path(tmp))
        try:
            with httpx.Client(base_url=url, headers=headers) as client:
                run_id = one_run(client)
                path = f"/api/v1/eval_batch_runs/{run_id}"
                client.get(path).raise_for_status()
                kept = timed(lambda: client.get(path).raise_for_status(), args.requests)

            def fresh_get() -> None:
                with httpx.Client(base_url=url, headers=headers) as fresh:
                    fresh.get(path).raise_for_status()

            fresh = timed(fresh_get, args.requests)
        finally:
            proc.terminate()
            proc.wait(15)
    print(f"GET {path}, {args.requests} requests each")
    print(line("kept-alive connection", kept))
    print(line("fresh connection per request", fresh))


if __name__ == "__main__":
    main()
