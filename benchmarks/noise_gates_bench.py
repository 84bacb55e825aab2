"""Benchmark (figures, not a timed test): do gates with `confidence` hold up against a noisy judge?

    python benchmarks/noise_gates_bench.py [--files 10,50,200] [--cells 200] [--noise 0.05]
                                           [--base-score 1.0] [--seed 0]

Issue 18's "must reach": on the local backend with `--score-noise 0.05`, over 200 A/A
comparisons a `max_drop: 0.02, confidence: 0.95` gate fails at most 5 % of the time, while a real
drop of 0.05 is caught at least 95 % of the time; the raw `max_drop: 0.02` gate's rates beside.

For each collection size N it builds, in a temp dir, N small markdown documents and a spec of
`--cells` managed collections that all name the same N files (uploads are content-addressed: each
file is uploaded once and linked into every collection), x one convert pipeline x one managed
rubric, with two gates on every cell: `confident` (max_drop 0.02 at 95 %) and `raw` (max_drop
0.02). Then, each apply with `--score-noise` into a fresh lock on a fresh local state (seeds
seed, seed + 1, seed + 2: run ids count from 1 in every state, so one seed would replay the same
noise):

1. apply                     -> lock A (every cell's first run)
2. apply, the same spec      -> lock B (new runs, new noise)
3. the rubric made stricter  -> lock C (same rubric name, so the cell keys stay; new definition)
4. check --json B against A  -> the A/A false-alarm rate, one comparison per cell
   check --json C against B  -> the power against a real drop, one comparison per cell

Fresh states rather than `apply --replace all` on one: on a state that already holds a few hundred
runs of 50 files, an apply of the same 200 cells took 3-4x as long (user+sys 53 s against 22 s).

The rubric has five checks of weight 1. Every document passes the base rubric's five (score 1.0,
or with `--base-score 0.8` one check fails everywhere, so scores sit at 0.8, away from the clip at
1.0). The stricter rubric tightens one check (`reviewed` -> `reviewed and approved`) which a
quarter of the documents (round half up: 3 of 10, 13 of 50, 50 of 200) fail: their score falls
by 0.2, about 0.05 over the collection. The noise-free drop and the drop measured on the shared
files (with noise, clipped to 0..1) are both printed.

Rates carry a Wilson 95 % interval. The A/A and power comparisons share lock B, so the two
rates of one size are correlated; each is unbiased on its own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from evalspec.lock.io import read_lock
from evalspec.lock.lockfile import Lockfile

BAR = 0.02
CONFIDENCE = 0.95
PER_FILE_DROP = 0.2  # one failed check of five weight-1 checks
BASE_CHECKS = ["summary", "findings", "method", "reviewed"]
STRICT = "reviewed and approved"


@dataclass(frozen=True)
class Rate:
    """Failed verdicts out of comparisons, with a Wilson 95 % interval."""

    failed: int
    total: int
    example: str = ""  # the reason of the first cell's verdict, to show what the gate said

    def text(self) -> str:
        low, high = wilson(self.failed, self.total)
        pct = 100 * self.failed / self.total if self.total else math.nan
        return f"{self.failed}/{self.total} = {pct:.1f} % [{100 * low:.1f}, {100 * high:.1f}]"


@dataclass(frozen=True)
class SizeResult:
    files: int
    cells: int
    aa_confident: Rate
    aa_raw: Rate
    power_confident: Rate
    power_raw: Rate
    strict_failing: int  # documents the stricter rubric fails
    true_drop: float  # noise-free mean drop
    measured_drop: float  # mean over cells of the shared-file mean delta, power pair
    aa_delta: float  # the same for the A/A pair (should be ~0)
    delta_sd: tuple[float, float]  # mean per-cell sd of per-file deltas: A/A, power
    cell_sd: tuple[float, float]  # sd across cells of the cell's mean delta: A/A, power
    seconds: float
    apply_seconds: tuple[float, ...]  # wall seconds of the applies A, B, C


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson's score interval for k successes out of n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def strict_failing(files: int) -> int:
    """How many documents fail the stricter check: a quarter, rounded half up."""
    return math.floor(files / 4 + 0.5)


def build(root: Path, files: int, cells: int, base_score: float) -> None:
    """The documents, the base rubric and the spec of `cells` collections over the same files."""
    data = root / "data"
    data.mkdir(parents=True)
    failing = strict_failing(files)
    for i in range(files):
        approved = "and approved " if i >= failing else ""
        (data / f"doc-{i:04d}.md").write_text(
            f"# Report {i}\n\nSummary of report {i}.\n\nFindings: item {i * 7 % 13}.\n\n"
            f"Method: sampled.\n\nReviewed {approved}by the board.\n", encoding="utf-8")
    write_rubric(root, strict=False, base_score=base_score)
    lines = ["version: 1", "collections:"]
    lines += [f"  c{c:03d}: {{name: nb-c{c:03d}, files: [data/*.md]}}" for c in range(cells)]
    lines += ["rubrics:", "  checks: {name: nb-checks, definition: rubric.yaml}",
              "pipelines:", "  md: {type: convert, output_format: markdown}",
              "matrix:", f"  collection: [{', '.join(f'c{c:03d}' for c in range(cells))}]",
              "  pipeline: [md]", "  rubric: [checks]",
              "gates:",
              f"  - {{name: confident, max_drop: {BAR}, confidence: {CONFIDENCE}}}",
              f"  - {{name: raw, max_drop: {BAR}}}",
              "settings:", f"  max_cells: {max(256, cells)}"]
    (root / "spec.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_rubric(root: Path, *, strict: bool, base_score: float) -> None:
    """Five weight-1 checks; `strict` tightens the last; base score 0.8 fails one everywhere."""
    texts = [*BASE_CHECKS, STRICT if strict else "reviewed"]
    if base_score < 1:
        texts[1] = "no document says this"
    body = "".join(f"  - {{kind: text_contains, text: {text!r}}}\n" for text in texts)
    (root / "rubric.yaml").write_text("evaluations:\n" + body, encoding="utf-8")


def evalspec(root: Path, state: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATALAB_", "EVALSPEC_"))}
    env.update({"EVALSPEC_STATE_DIR": str(root / state), "CI": "1"})
    return subprocess.run([sys.executable, "-m", "evalspec", *args], cwd=root, env=env,
                          capture_output=True, text=True, check=False)


def apply(root: Path, lock: str, noise: float, seed: int) -> float:
    """`apply` into a fresh lock on a fresh local state (its own seed: run ids count from 1 in
    each state, so one seed would replay the same noise); its wall seconds."""
    start = time.perf_counter()
    done = evalspec(root, f"state-{lock}", "apply", "spec.yaml", "--lock", f"{lock}.lock",
                    "--backend", "local", "--score-noise", str(noise), "--score-noise-seed", str(seed))
    if done.returncode != 0:
        sys.exit(f"apply exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def check(root: Path, lock: str, baseline: str) -> dict[str, Rate]:
    """Failed verdicts per gate of `check --json --lock lock --baseline baseline`."""
    done = evalspec(root, "state-check", "check", "spec.yaml", "--lock", f"{lock}.lock",
                    "--baseline", f"{baseline}.lock", "--json")
    if done.returncode not in (0, 1):
        sys.exit(f"check exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    rates = {}
    for gate in json.loads(done.stdout)["gates"]:
        verdicts = gate["verdicts"]
        rates[gate["name"]] = Rate(sum(not v["passed"] for v in verdicts), len(verdicts),
                                   verdicts[0]["reason"] if verdicts else "")
    return rates


def deltas(current: Lockfile, baseline: Lockfile) -> tuple[float, float, float]:
    """Mean over cells of the shared-file mean delta, the mean per-cell sd of the per-file
    deltas, and the sd across cells of the cell's mean delta (the noise alone: every cell has
    the same files)."""
    means, sds = [], []
    for key, cell in current.cells.items():
        now, then = cell.files or {}, baseline.cells[key].files or {}
        pairs = [(now[n].score, then[n].score) for n in now.keys() & then.keys()]
        d = [after - before for after, before in pairs if after is not None and before is not None]
        means.append(statistics.fmean(d))
        sds.append(statistics.stdev(d) if len(d) > 1 else 0.0)
    return statistics.fmean(means), statistics.fmean(sds), statistics.stdev(means)


def run_size(files: int, cells: int, noise: float, seed: int, base_score: float) -> SizeResult:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="evalspec-noise-gates-") as tmp:
        root = Path(tmp)
        build(root, files, cells, base_score)
        applies = [apply(root, lock, noise, seed + i) for i, lock in enumerate("ab")]
        write_rubric(root, strict=True, base_score=base_score)
        applies.append(apply(root, "c", noise, seed + 2))
        aa, power = check(root, "b", "a"), check(root, "c", "b")
        locks = [read_lock(root / f"{name}.lock") for name in "abc"]
        a, b, c = (lock for lock in locks if lock is not None)
        aa_delta, aa_sd, aa_cells = deltas(b, a)
        measured, power_sd, power_cells = deltas(c, b)
    failing = strict_failing(files)
    return SizeResult(files, cells, aa["confident"], aa["raw"], power["confident"], power["raw"],
                      failing, PER_FILE_DROP * failing / files, -measured, aa_delta,
                      (aa_sd, power_sd), (aa_cells, power_cells), time.perf_counter() - start,
                      tuple(applies))


def table(results: list[SizeResult]) -> str:
    rows = ["| files | A/A confident | A/A raw | power confident | power raw | drop noise-free "
            "| drop measured | A/A mean Δ | sd of file Δ A/A, power | sd of cell Δ A/A, power "
            "| seconds (applies) |",
            "|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        rows.append(f"| {r.files} | {r.aa_confident.text()} | {r.aa_raw.text()} | "
                    f"{r.power_confident.text()} | {r.power_raw.text()} | "
                    f"{r.true_drop:.4f} ({r.strict_failing}/{r.files} files) | "
                    f"{r.measured_drop:.4f} | {r.aa_delta:+.4f} | "
                    f"{r.delta_sd[0]:.3f}, {r.delta_sd[1]:.3f} | "
                    f"{r.cell_sd[0]:.4f}, {r.cell_sd[1]:.4f} | {r.seconds:.0f} "
                    f"({'+'.join(f'{t:.0f}' for t in r.apply_seconds)}) |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default="10,50,200", help="comma list of collection sizes")
    parser.add_argument("--cells", type=int, default=200, help="comparisons per size")
    parser.add_argument("--noise", type=float, default=0.05, help="--score-noise SD")
    parser.add_argument("--seed", type=int, default=0, help="--score-noise-seed")
    parser.add_argument("--base-score", type=float, default=1.0, choices=[1.0, 0.8],
                        help="every document's noise-free base score (0.8: away from the clip)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.files.split(",")]
    print("$ " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(f"noise sd {args.noise} (seed {args.seed}), {args.cells} cells per size, gates max_drop "
          f"{BAR} at {CONFIDENCE:g} and raw, base score {args.base_score}, "
          f"stricter rubric: -{PER_FILE_DROP} on a quarter of the files")
    print(f"{os.cpu_count()} cores, load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    results = []
    for files in sizes:
        result = run_size(files, args.cells, args.noise, args.seed, args.base_score)
        results.append(result)
        print(f"{files:>4} files: A/A: confident {result.aa_confident.text()}, raw "
              f"{result.aa_raw.text()}; power: confident {result.power_confident.text()}, raw "
              f"{result.power_raw.text()}; drop {result.true_drop:.4f} noise-free, "
              f"{result.measured_drop:.4f} measured ({result.seconds:.0f} s)", flush=True)
        print(f"      e.g. A/A: {result.aa_confident.example}\n      e.g. power: "
              f"{result.power_confident.example}", flush=True)
    print(f"load after {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print(table(results))


if __name__ == "__main__":
    main()
