"""Benchmark: matrix expansion on hostile-but-small input, counted first vs built in full.

Run: python benchmarks/matrix_bench.py [--values 60] [--excludes 50]

Two cases, each timed for `evalspec.plan.matrix.expand` (count before building; excludes
looked up in sets of tuples; refuse past the limits) beside the naive expansion it replaced (every
combination of the product built as a dict, then filtered by every exclude, then the ceiling
checked), in the same run:

- `wide`: three axes of V distinct values (V^3 combinations) and no excludes, ceiling 256;
- `excluded`: three axes whose product is just under the 20,000-combination limit and E
  excludes of two keys each, ceiling 256.

It prints the best wall time of three runs of each side, and peak traced memory of one run.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import product
from typing import Any

from evalspec.plan.matrix import MatrixTooLarge, expand

CEILING = 256


def naive(axes: Mapping[str, Sequence[Hashable]], exclude: Sequence[Mapping[str, Hashable]]) -> int:
    """The expansion before issue 13: build every combination, filter, then count."""
    names = list(axes)
    combos = [dict(zip(names, values, strict=True)) for values in product(*(axes[n] for n in names))]
    kept = [c for c in combos if not any(all(c.get(k) == v for k, v in e.items()) for e in exclude)]
    return len(kept)


def counted(axes: Mapping[str, Sequence[Hashable]], exclude: Sequence[Mapping[str, Hashable]]) -> int:
    try:
        return len(expand(axes, exclude=exclude, limit=CEILING))
    except MatrixTooLarge as exc:
        return exc.count


def measure(call: Callable[[], Any]) -> tuple[float, int, Any]:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=60, help="values per axis in `wide`")
    parser.add_argument("--excludes", type=int, default=50, help="excludes in `excluded`")
    args = parser.parse_args()
    wide = {axis: [f"{axis}{i}" for i in range(args.values)] for axis in ("c", "p", "r")}
    side = 27  # 27^3 = 19,683: under the product limit
    near = {axis: [f"{axis}{i}" for i in range(side)] for axis in ("c", "p", "r")}
    excludes = [{"c": f"c{i % side}", "p": f"p{(i * 7) % side}"} for i in range(args.excludes)]
    cases = [
        (f"wide {args.values}^3", wide, []),
        (f"excluded {side}^3, {args.excludes} excludes", near, excludes),
    ]
    print(f"{'case':<32} {'side':<8} {'best s':>9} {'peak MB':>9}  cells counted")
    for name, axes, exclude in cases:
        for label, function in (("naive", naive), ("counted", counted)):
            seconds, peak, cells = measure(lambda f=function, a=axes, e=exclude: f(a, e))
            print(f"{name:<32} {label:<8} {seconds:>9.4f} {peak / 1e6:>9.1f}  {cells}")


if __name__ == "__main__":
    main()
