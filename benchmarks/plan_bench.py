"""Benchmark: load + plan + JSON for 1,000 and 10,000 cells against a lock of the same size.

Run: python benchmarks/plan_bench.py [--sizes 10x10x10 20x25x20] [--profile]

For each size it writes, in a temporary directory, a spec of C collections x P pipelines x R
rubrics (a few schema files shared by the extract and segment pipelines) and a lock in which
every cell finished with its current fingerprint, then times what `evalspec plan --json` does:
load_spec, read_lock, make_plan and the JSON rendering. It prints the best wall time of a few
runs per stage, and the peak traced memory of one run. Targets (issue 2): 10,000 cells under
1 s, cost linear in cells; `evalspec --version` under 0.3 s.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evalspec.lock.io import read_lock, write_lock
from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.plan.cells import expand_spec
from evalspec.plan.plan import make_plan
from evalspec.spec.load import load_spec

PIPELINE_KINDS = ("convert", "extract", "segment")


def write_spec(root: Path, collections: int, pipelines: int, rubrics: int) -> Path:
    """A spec directory with three files and four schema files; returns the spec directory."""
    specs = root / "specs"
    specs.mkdir()
    for i in range(2):
        (root / f"page-{i}.json").write_text(json.dumps(
            {"type": "object", "properties": {f"field_{j}": {"type": "string"} for j in range(20)}}
        ))
        (root / f"sections-{i}.json").write_text(json.dumps(
            {"sections": [{"name": f"Section {j}"} for j in range(10)]}
        ))
    lines = ["version: 1", "collections:"]
    lines += [f"  col-{i}: {{{'id: ' + str(i + 1) if i % 2 else 'name: shared-' + str(i)}}}"
              for i in range(collections)]
    lines += ["rubrics:"]
    lines += [f"  rub-{i}: {{{'id: ' + str(i + 1) if i % 2 else 'name: rubric-' + str(i)}}}"
              for i in range(rubrics)]
    lines += ["schemas:"]
    lines += [f"  page-{i}: ../page-{i}.json" for i in range(2)]
    lines += [f"  sections-{i}: ../sections-{i}.json" for i in range(2)]
    (specs / "refs.yaml").write_text("\n".join(lines) + "\n")
    lines = ["version: 1", "pipelines:"]
    for i in range(pipelines):
        kind = PIPELINE_KINDS[i % 3]
        extra = {
            "convert": "output_format: [markdown, json]",
            "extract": f"page_schema: page-{i % 2}",
            "segment": f"segmentation_schema: sections-{i % 2}",
        }[kind]
        lines.append(f"  pipe-{i}: {{type: {kind}, {extra}}}")
    (specs / "pipelines.yaml").write_text("\n".join(lines) + "\n")
    matrix = [
        "version: 1",
        "settings: {max_cells: 100000}",
        "matrix:",
        f"  collection: [{', '.join(f'col-{i}' for i in range(collections))}]",
        f"  pipeline: [{', '.join(f'pipe-{i}' for i in range(pipelines))}]",
        f"  rubric: [{', '.join(f'rub-{i}' for i in range(rubrics))}]",
    ]
    (specs / "matrix.yaml").write_text("\n".join(matrix) + "\n")
    return specs


def write_finished_lock(path: Path, specs: Path, root: Path) -> int:
    """A lock in which every cell finished with its current fingerprint; returns the cell count."""
    cells = expand_spec(load_spec([specs], root=root))
    lock = Lockfile(lineage="bench", serial=0).with_cells({
        cell.key: LockCell(
            fingerprint=cell.request.fingerprint, request=cell.request.lock_form(), run_id=i,
            status="completed", total_files=10, completed_files=10, avg_score=0.9,
            submitted_at="2026-11-01T10:00:00Z", completed_at="2026-11-01T10:05:00Z",
        )
        for i, cell in enumerate(cells, 1)
    })
    write_lock(path, lock)
    return len(cells)


def plan_once(specs: Path, lock_path: Path, root: Path) -> dict[str, float]:
    """One `plan --json`, stage by stage: seconds per stage."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    spec = load_spec([specs], root=root)
    times["load_spec"] = time.perf_counter() - start
    mark = time.perf_counter()
    lock = read_lock(lock_path)
    times["read_lock"] = time.perf_counter() - mark
    mark = time.perf_counter()
    plan = make_plan(spec, lock)
    times["make_plan"] = time.perf_counter() - mark
    mark = time.perf_counter()
    text = json.dumps(plan.to_json(), indent=2, sort_keys=True)
    times["json"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    assert plan.action_counts["keep"] == len(plan.changes), plan.action_counts
    assert text
    return times


def best_of(runs: int, func: Callable[[], dict[str, float]]) -> dict[str, float]:
    results = [func() for _ in range(runs)]
    return {stage: min(r[stage] for r in results) for stage in results[0]}


def peak_memory(func: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_size(size: str, runs: int, profile: bool) -> None:
    c, p, r = (int(n) for n in size.split("x"))
    with tempfile.TemporaryDirectory(prefix="evalspec-bench-") as tmp:
        root = Path(tmp).resolve()
        specs = write_spec(root, c, p, r)
        lock_path = root / "evalspec.lock"
        count = write_finished_lock(lock_path, specs, root)
        lock_mb = lock_path.stat().st_size / 1e6
        times = best_of(runs, lambda: plan_once(specs, lock_path, root))
        peak = peak_memory(lambda: plan_once(specs, lock_path, root))
        stages = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in times.items() if k != "total")
        print(f"{size} = {count:>6} cells (lock {lock_mb:.1f} MB): total {times['total'] * 1000:.0f} ms "
              f"[{stages}], {times['total'] / count * 1e6:.1f} us/cell, peak traced memory "
              f"{peak / 1e6:.1f} MB")
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(plan_once, specs, lock_path, root)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def bench_version(runs: int = 5) -> float:
    """Best wall time of `evalspec --version` in a fresh interpreter."""
    best = float("inf")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(runs):
        start = time.perf_counter()
        command = [sys.executable, "-m", "evalspec", "--version"]
        subprocess.run(command, check=True, capture_output=True, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["10x10x10", "20x25x20"],
                        help="CxPxR: collections x pipelines x rubrics")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per size (best is shown)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run per size")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for size in args.sizes:
        bench_size(size, args.runs, args.profile)
    print(f"evalspec --version: {bench_version() * 1000:.0f} ms (best of 5)")


if __name__ == "__main__":
    main()
