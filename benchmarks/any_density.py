"""How often the code says `Any`: uses of the name per 1,000 lines, per stage.

Run: python benchmarks/any_density.py [STAGE ...]   (default: apply lock report)

Counts the name `Any` as Python's tokenizer sees it (so not in comments or strings: `dict[str,
Any]` counts once, `from typing import Any` once) and the physical lines of every module of the
stage's package, and prints both with the density, then the total. Issue 21's bar is below 12
per 1,000 lines for apply/, lock/ and report/; the anchors (pre-commit, httpx, pip-tools) sit at
5-9. It measures only: `--max N` makes it exit 1 when the total is above N, for CI later.
"""

from __future__ import annotations

import argparse
import io
import sys
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "evalspec"
DEFAULT_STAGES = ("apply", "lock", "report")


def count(path: Path) -> tuple[int, int]:
    """(uses of the name `Any`, physical lines) of one module."""
    text = path.read_text(encoding="utf-8")
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    uses = sum(1 for t in tokens if t.type == tokenize.NAME and t.string == "Any")
    return uses, len(text.splitlines())


def stage_counts(stage: str) -> tuple[int, int]:
    """(uses, lines) over every module of `evalspec/<stage>/` (or `evalspec/<stage>.py`)."""
    root = PACKAGE / stage
    paths = sorted(root.rglob("*.py")) if root.is_dir() else [PACKAGE / f"{stage}.py"]
    totals = [count(p) for p in paths]
    return sum(u for u, _ in totals), sum(n for _, n in totals)


def per_thousand(uses: int, lines: int) -> float:
    return 1000.0 * uses / lines if lines else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", default=list(DEFAULT_STAGES))
    parser.add_argument("--max", type=float, help="exit 1 when the total density is above this")
    args = parser.parse_args(argv)
    all_uses = all_lines = 0
    print(f"{'stage':<10} {'Any':>5} {'lines':>7} {'per 1,000':>10}")
    for stage in args.stages:
        uses, lines = stage_counts(stage)
        all_uses, all_lines = all_uses + uses, all_lines + lines
        print(f"{stage + '/':<10} {uses:>5} {lines:>7} {per_thousand(uses, lines):>10.1f}")
    total = per_thousand(all_uses, all_lines)
    print(f"{'total':<10} {all_uses:>5} {all_lines:>7} {total:>10.1f}")
    return 1 if args.max is not None and total > args.max else 0


if __name__ == "__main__":
    sys.exit(main())
