"""Benchmark: the paired statistics of a report's gated cells (evalspec.report.stats).

    python benchmarks/stats_bench.py [--cells 200] [--files 50 200] [--resamples 10000]

For each file count it times `compare_paired` with a threshold (what a `max_drop` gate with
`confidence` asks) on CELLS cells of synthetic paired scores, then the same bootstrap for one
cell in pure Python (random.choices, the standard library's fastest resampler), scaled to CELLS:
the figure that made numpy a core dependency. The first cell of each file count pays for drawing
the resample indices (cached per file count and seed), so the first-cell time is printed apart.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from evalspec.report.stats import compare_paired


def scores(rng: random.Random, files: int) -> tuple[list[float], list[float]]:
    """A baseline and a current run of `files` files: the current a noisy copy, 0.02 lower."""
    baseline = [rng.random() for _ in range(files)]
    current = [min(1.0, max(0.0, b - 0.02 + rng.gauss(0, 0.05))) for b in baseline]
    return baseline, current


def pure_python_cell(baseline: list[float], current: list[float], resamples: int) -> float:
    """One cell's bootstrap upper bound without numpy: the figure numpy is measured against."""
    rng = random.Random(0)
    deltas = [c - b for b, c in zip(baseline, current, strict=True)]
    means = sorted(sum(rng.choices(deltas, k=len(deltas))) / len(deltas) for _ in range(resamples))
    return means[int(0.95 * resamples)]


def bench(cells: int, files: int, resamples: int) -> None:
    rng = random.Random(files)
    data = [scores(rng, files) for _ in range(cells)]
    started = time.perf_counter()
    compare_paired(*data[0], threshold=-0.02, resamples=resamples)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for baseline, current in data[1:]:
        compare_paired(baseline, current, threshold=-0.02, resamples=resamples)
    rest = time.perf_counter() - started
    started = time.perf_counter()
    pure_python_cell(*data[0], resamples)
    pure = time.perf_counter() - started
    print(f"{cells} cells x {files} files, {resamples:,} resamples: numpy {first + rest:.2f} s "
          f"(first cell {first * 1000:.0f} ms, then {rest / max(1, cells - 1) * 1000:.1f} ms/cell); "
          f"pure Python {pure * 1000:.0f} ms/cell, {pure * cells:.1f} s for {cells} cells")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--files", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--resamples", type=int, default=10_000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for files in args.files:
        bench(args.cells, files, args.resamples)


if __name__ == "__main__":
    main()
