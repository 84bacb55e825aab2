"""Benchmark: `evalspec apply` against a rate-limited local server, beside a naive client and
the server's own processing span.

    python benchmarks/apply_bench.py [--collections 4] [--pipelines 50] [--rate 100/1]
                                     [--file-delays 0.02 0.3]

For each file delay (short runs, long runs) it starts `python -m evalspec.local --rate-limit RATE
--file-delay D` twice on free ports with fresh data dirs, and makes the spec's managed
collections (3 small documents each) and rubric on each beforehand, untimed. On the first,
evalspec's executor applies COLLECTIONS x PIPELINES convert cells x 1 rubric in-process (so that
its request counters are readable). On the second, a naive client over keep-alive httpx does the
same work as a user would write it: POST each body in turn, then every second GET each
unfinished run, and its results once it finished. Each side's server span is read from the
server's own timestamps after the run: first `created` to last `completed_at`; the floor no
client can beat. Prints one table per file delay.

External factor: `evalspec server` (before issue 12 item 2) stalls each request on a kept-alive
connection by ~40 ms (no TCP_NODELAY); the naive client's sequential requests pay it in full.
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

from evalspec.apply.events import SilentEvents
from evalspec.apply.executor import ApplyOptions, Executor
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.resolve import ResolvedIds, resolve_ids
from evalspec.backend.connect import open_backend
from evalspec.base.clock import parse_timestamp
from evalspec.lock.store import LockStore
from evalspec.plan.cells import expand_spec
from evalspec.plan.plan import make_plan
from evalspec.plan.select import parse_selection
from evalspec.spec.load import load_spec

KEY = "bench-key"
FORMATS = ["markdown", "json", "html", "chunks", "markdown,json", "markdown,html", "json,chunks"]
DOC = "# Report {n}\n\nSummary of part {n}.\n\nSome body text.\n\nNext Steps: more work.\n"
RUBRIC = ("evaluations:\n  - {kind: text_contains, text: summary}\n"
          "  - {kind: order, before: Summary, after: Next Steps}\n")
LIFECYCLE = ("runs.start", "runs.list", "runs.get")
RUNS = "/api/v1/eval_batch_runs"


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
    span: float = 0.0  # the server's processing span for this client's runs

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


async def make_beforehand(root: Path, specs: Path, rate: str, state: Path) -> tuple[list[Any], ResolvedIds]:
    """Create the spec's managed collections and rubric on the server at DATALAB_BASE_URL."""
    spec = load_spec([specs], root=root)
    cells = list(expand_spec(spec))
    async with open_backend("datalab", rate=rate, state_dir=state) as backend:
        ledger = UploadLedger(backend.client.base_url, state)
        ids = await resolve_ids(backend.client, spec, cells, ledger, lambda text: None)
    return cells, ids


async def evalspec_apply(root: Path, specs: Path, rate: str, lock: Path) -> Figures:
    """evalspec's executor, in-process, against the server at DATALAB_BASE_URL."""
    state = root / f"state-{lock.stem}"
    await make_beforehand(root, specs, rate, state)
    spec = load_spec([specs], root=root)
    store = LockStore.open(lock)
    plan = make_plan(spec, store.lock, parse_selection((), None))
    cells = len(plan.changes)
    tracemalloc.start()
    started = time.monotonic()
    async with open_backend("datalab", rate=rate, state_dir=state) as backend:
        options = ApplyOptions(concurrency=8, state_dir=state)
        # SilentEvents: a benchmark prints its table only.
        outcome = await Executor(backend, spec, store, options, SilentEvents()).run(plan)
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
    """A naive keep-alive httpx client that waits out 429s and counts what it sends."""

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


def naive_apply(url: str, bodies: list[dict[str, Any]]) -> Figures:
    """POST each body in turn; then every second GET each unfinished run, and its results once done."""
    client = Counting(url)
    tracemalloc.start()
    started = time.monotonic()
    pending = {client.call("POST", RUNS, json=body)["id"] for body in bodies}
    posts = client.sent
    results = 0
    while pending:
        time.sleep(1.0)
        for run_id in sorted(pending):
            if client.call("GET", f"{RUNS}/{run_id}")["status"] in ("completed", "failed"):
                pending.discard(run_id)
                client.call("GET", f"{RUNS}/{run_id}/results")
                results += 1
    wall = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    client.http.close()
    lifecycle = client.sent - results
    return Figures("naive", len(bodies), wall, lifecycle, results, 0, peak, lifecycle - posts)


def server_span(url: str) -> float:
    """Seconds from the first run's `created` to the last one's `completed_at`, by the server's clock."""
    client = Counting(url)
    runs: list[dict[str, Any]] = []
    while True:
        page = client.call("GET", RUNS, params={"limit": 200, "offset": len(runs)})["batch_runs"]
        runs += page
        if len(page) < 200:
            break
    client.http.close()
    created = [parse_timestamp(run["created"]) for run in runs]
    completed = [parse_timestamp(run["completed_at"]) for run in runs]
    first, last = min(t for t in created if t), max(t for t in completed if t)
    return (last - first).total_seconds()


def bench(root: Path, specs: Path, rate: str, file_delay: float) -> tuple[Figures, Figures]:
    """Both clients against their own fresh server, and each server's span."""
    with server(root / f"server-a-{file_delay}", rate, file_delay) as url:
        os.environ["DATALAB_BASE_URL"] = url
        ours = asyncio.run(evalspec_apply(root, specs, rate, root / f"evalspec-{file_delay}.lock"))
        ours.span = server_span(url)
    with server(root / f"server-b-{file_delay}", rate, file_delay) as url:
        os.environ["DATALAB_BASE_URL"] = url
        cells, ids = asyncio.run(make_beforehand(root, specs, rate, root / f"naive-state-{file_delay}"))
        naive = naive_apply(url, [cell.request.resolved(ids.for_cell(cell)) for cell in cells])
        naive.span = server_span(url)
    return ours, naive


def print_table(title: str, rows: tuple[Figures, Figures]) -> None:
    print(title)
    header = (f"{'client':<9} {'wall s':>7} {'span s':>7} {'wall/span':>9} {'lifecycle':>9} "
              f"{'per cell':>8} {'polls':>6} {'results':>7} {'setup':>6} {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    for f in rows:
        print(f"{f.name:<9} {f.wall:>7.1f} {f.span:>7.1f} {f.wall / f.span:>9.2f} {f.lifecycle:>9} "
              f"{f.lifecycle / f.cells:>8.2f} {f.polls:>6} {f.results:>7} {f.setup:>6} {f.peak_mb:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--collections", type=int, default=4)
    parser.add_argument("--pipelines", type=int, default=50)
    parser.add_argument("--rate", default="100/1")
    parser.add_argument("--file-delays", type=float, nargs="+", default=[0.02, 0.3])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evalspec-bench-") as tmp:
        root = Path(tmp)
        specs = write_spec(root, args.collections, args.pipelines)
        os.environ["DATALAB_API_KEY"] = KEY
        for delay in args.file_delays:
            rows = bench(root, specs, args.rate, delay)
            print_table(f"\n{rows[0].cells} cells ({args.collections} collections x {args.pipelines} "
                        f"pipelines x 1 rubric, 3 files each); server --rate-limit {args.rate} "
                        f"--file-delay {delay}", rows)
    print("\nspan: the server's first `created` to last `completed_at` for that client's runs; "
          "wall: the client's, from before its first request (evalspec: lookups included) to its "
          "last results; lifecycle: POST + polls (list and get), results fetches counted apart; "
          "setup: lookups, upload and rubric checks (collections and rubric made beforehand).")


if __name__ == "__main__":
    main()
