"""Benchmark: `evalspec apply` against a rate-limited local server, beside a naive client.

    python benchmarks/apply_bench.py [--collections 4] [--pipelines 52] [--rate 100/1] [--file-delay 0.05]

Starts `python -m evalspec.local --rate-limit RATE --file-delay D` twice on free ports with fresh
data dirs. On the first, evalspec's executor applies a spec of COLLECTIONS managed collections (3
small documents each) x PIPELINES convert pipelines x 1 rubric, in-process, so that the client's
request counters are readable. On the second, a naive client does the same work: sequential POST
of each body, then a GET of each unfinished run every second. Prints one table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from evalspec.apply.executor import ApplyOptions, Executor
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.resolve import resolve_ids
from evalspec.backend.connect import open_backend
from evalspec.commands.progress import Progress
from evalspec.lock.store import LockStore
from evalspec.plan.plan import make_plan
from evalspec.plan.select import parse_selection
from evalspec.spec.load import load_spec

KEY = "bench-key"
FORMATS = ["markdown", "json", "html", "chunks", "markdown,json", "markdown,html", "json,chunks"]
DOC = "# Report {n}\n\nSummary of part {n}.\n\nSome body text.\n\nNext Steps: more work.\n"
RUBRIC = ("evaluations:\n  - {kind: text_contains, text: summary}\n"
          "  - {kind: order, before: Summary, after: Next Steps}\n")
LIFECYCLE = ("runs.start", "runs.list", "runs.get")


@dataclass
class Figures:
    """What one client did."""

    name: str
    cells: int
    wall: float
    lifecycle: int
    results: int
    setup: int
    peak_mb: float
    polls: int

    @property
    def total(self) -> int:
        return self.lifecycle + self.results + self.setup


@contextmanager
def server(data_dir: Path, rate: str, file_delay: float) -> Iterator[str]:
    """A local server subprocess; yields its URL."""
    cmd = [sys.executable, "-m", "evalspec.local", "--port", "0", "--data-dir", str(data_dir),
           "--api-key", KEY, "--rate-limit", rate, "--file-delay", str(file_delay)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                yield found.group(1)
                return
        raise RuntimeError("server did not start")
    finally:
        proc.terminate()
        proc.wait(15)


def write_spec(root: Path, collections: int, pipelines: int) -> Path:
    """The benchmark spec; returns its directory."""
    specs = root / "specs"
    (specs / "rubrics").mkdir(parents=True)
    (specs / "rubrics" / "r.yaml").write_text(RUBRIC)
    lines = ["version: 1", "collections:"]
    for c in range(collections):
        folder = specs / "data" / f"c{c}"
        folder.mkdir(parents=True)
        for n in range(3):
            (folder / f"doc{n}.md").write_text(DOC.format(n=f"{c}.{n}"))
        lines.append(f"  c{c}: {{name: bench-c{c}, files: [data/c{c}/*]}}")
    lines += ["rubrics:", "  r: {name: bench-r, definition: rubrics/r.yaml}", "pipelines:"]
    lines += [f"  p{p}: {{type: convert, output_format: \"{FORMATS[p % len(FORMATS)]}\"}}"
              for p in range(pipelines)]
    lines += ["matrix:", f"  collection: [{', '.join(f'c{c}' for c in range(collections))}]",
              f"  pipeline: [{', '.join(f'p{p}' for p in range(pipelines))}]", "  rubric: [r]",
              "settings: {max_cells: 100000}"]
    (specs / "spec.yaml").write_text("\n".join(lines) + "\n")
    return specs


async def evalspec_apply(root: Path, specs: Path, rate: str, poll: float) -> Figures:
    """evalspec's executor, in-process, against the server at DATALAB_BASE_URL."""
    spec = load_spec([specs], root=root)
    store = LockStore.open(root / "evalspec.lock")
    plan = make_plan(spec, store.lock, parse_selection((), None))
    cells = len(plan.changes)
    tracemalloc.start()
    started = time.monotonic()
    async with open_backend("datalab", rate=rate, state_dir=root / "state") as backend:
        progress = Progress(cells, 0, live=False)
        options = ApplyOptions(concurrency=8, poll_base=poll, state_dir=root / "state")
        outcome = await Executor(backend, spec, store, options, progress).run(plan)
        stats = backend.client.stats.snapshot()
    wall = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    store.close()
    assert not outcome.failed_runs and not outcome.cell_errors and outcome.fatal is None, outcome
    assert all(c.status == "completed" for c in store.lock.cells.values())
    lifecycle = sum(stats.get(kind, 0) for kind in LIFECYCLE)
    results = stats.get("runs.results", 0)
    polls = stats.get("runs.list", 0) + stats.get("runs.get", 0)
    return Figures("evalspec", cells, wall, lifecycle, results, sum(stats.values()) - lifecycle - results,
                   peak, polls)


class Counting:
    """A naive httpx client that waits out 429s and counts what it sends."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=60)
        self.sent = 0

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        while True:
            self.sent += 1
            answer = self.http.request(method, path, **kwargs)
            if answer.status_code == 429:
                time.sleep(float(answer.headers.get("retry-after") or 1))
                continue
            answer.raise_for_status()
            return answer.json()


async def bodies_for(root: Path, specs: Path, rate: str) -> list[dict[str, Any]]:
    """The request bodies of every cell, with ids resolved on the server at DATALAB_BASE_URL."""
    spec = load_spec([specs], root=root)
    store = LockStore.open(root / "naive.lock")
    plan = make_plan(spec, store.lock, parse_selection((), None))
    store.close()
    cells = [c.cell for c in plan.changes if c.cell is not None]
    async with open_backend("datalab", rate=rate, state_dir=root / "naive-state") as backend:
        ledger = UploadLedger(backend.client.base_url, root / "naive-state")
        ids = await resolve_ids(backend.client, spec, cells, ledger)
    return [cell.request.resolved(ids.for_cell(cell)) for cell in cells]


def naive_apply(url: str, bodies: list[dict[str, Any]]) -> Figures:
    """Sequential POSTs, then GET every unfinished run once a second."""
    client = Counting(url)
    tracemalloc.start()
    started = time.monotonic()
    runs = [client.call("POST", "/api/v1/eval_batch_runs", json=body)["id"] for body in bodies]
    posts = client.sent
    pending = set(runs)
    while pending:
        time.sleep(1.0)
        for run_id in sorted(pending):
            run = client.call("GET", f"/api/v1/eval_batch_runs/{run_id}")
            if run["status"] in ("completed", "failed"):
                pending.discard(run_id)
    lifecycle = client.sent
    for run_id in runs:
        client.call("GET", f"/api/v1/eval_batch_runs/{run_id}/results")
    wall = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    client.http.close()
    return Figures("naive", len(bodies), wall, lifecycle, client.sent - lifecycle, 0, peak, lifecycle - posts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--collections", type=int, default=4)
    parser.add_argument("--pipelines", type=int, default=52)
    parser.add_argument("--rate", default="100/1")
    parser.add_argument("--file-delay", type=float, default=0.05)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    args = parser.parse_args()
    requests, seconds = (float(x) for x in args.rate.split("/"))
    with tempfile.TemporaryDirectory(prefix="evalspec-bench-") as tmp:
        root = Path(tmp)
        specs = write_spec(root, args.collections, args.pipelines)
        os.environ["DATALAB_API_KEY"] = KEY
        with server(root / "server-a", args.rate, args.file_delay) as url:
            os.environ["DATALAB_BASE_URL"] = url
            ours = asyncio.run(evalspec_apply(root, specs, args.rate, args.poll_interval))
        with server(root / "server-b", args.rate, args.file_delay) as url:
            os.environ["DATALAB_BASE_URL"] = url
            bodies = asyncio.run(bodies_for(root, specs, args.rate))
            naive = naive_apply(url, bodies)
    per_second = requests / seconds
    print(f"{ours.cells} cells ({args.collections} collections x {args.pipelines} pipelines x 1 rubric, "
          f"3 files each); server --rate-limit {args.rate} --file-delay {args.file_delay}")
    header = (f"{'client':<9} {'wall s':>7} {'bound s':>8} {'lifecycle':>9} {'per cell':>8} "
              f"{'polls':>6} {'results':>7} {'setup':>6} {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    for f in (ours, naive):
        bound = f.total / per_second
        print(f"{f.name:<9} {f.wall:>7.1f} {bound:>8.1f} {f.lifecycle:>9} {f.lifecycle / f.cells:>8.2f} "
              f"{f.polls:>6} {f.results:>7} {f.setup:>6} {f.peak_mb:>8.1f}")
    print("bound s: all requests sent / the rate limit; lifecycle: POST + polls (list and get), "
          "results fetches counted apart; setup: lookups, uploads, rubric sync (naive: not timed).")


if __name__ == "__main__":
    main()
