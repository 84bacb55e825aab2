"""Benchmark: `evalspec report` in every format and `evalspec status` on large locks.

    python benchmarks/report_bench.py [--sizes 10x10x10 20x25x20] [--files 20] [--profile FORMAT]

For each size (collections x pipelines x rubrics, as in plan_bench.py) it writes, in a temporary
directory, the spec (plus three gates), a lock in which every cell finished, a baseline lock of
the same cells with other scores, and the cached per-file results of both (FILES files per run,
three checks each, as the local engine writes them). Then it runs each command as a user does,
`python -m evalspec ...` in a fresh interpreter, and prints its wall time, its CPU time, its
peak resident memory (VmHWM, read by the process at its exit) and the CPU microseconds per
cell, so that two sizes show whether the cost is linear in cells. On a shared machine the wall
time is the CPU time stretched by the other load; `uptime`'s load average is printed first.
Targets (issue 12): under 5 s for markdown and json at 10,000 cells. `--record evidence` (issue
17) measures the same reports from the per-file evidence committed in the locks, with no results
cache at all (a fresh checkout), and prints the lock's size; the default measures both records.

With `--compare DIR` (another source tree of evalspec, e.g. `git archive 420ea4d | tar -x -C DIR`)
each command also runs on that code, alternating with this one in the same machine state, and
the two outputs must be byte-identical.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plan_bench import write_spec

from evalspec.api.shapes import RunResults
from evalspec.backend.evidence import evidence_of
from evalspec.backend.results_cache import run_directory, write_results
from evalspec.lock.io import write_lock
from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.plan.cells import expand_spec
from evalspec.spec.load import load_spec

GATES = """version: 1
gates:
  - {name: floor, min_score: 0.5}
  - {name: no-regression, max_drop: 0.05}
  - {name: complete, where: {rubric: rub-0}, min_completed_ratio: 1.0}
"""
FORMATS = ("markdown", "json", "html", "junit")
CHECKS = ("text_contains", "order", "truth_similarity")
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    """One command: wall seconds, CPU seconds (user + system) and peak resident memory of its process."""

    seconds: float
    cpu: float
    peak_mb: float


def score_of(cell: int, file: int, salt: int) -> float:
    """A deterministic spread of scores, different per side (`salt`)."""
    return ((cell * 31 + file * 17 + salt * 7) % 100) / 100


def run_document(run_id: int, cell: int, files: int, salt: int) -> dict[str, Any]:
    """A results document as the results endpoint sends it: the run and its per-file results."""
    results = [
        {"request_id": run_id * 1000 + f, "filename": f"doc-{f:03d}.pdf",
         "status": "failed" if (cell + f + salt) % 97 == 0 else "completed",
         "eval_score": score_of(cell, f, salt), "created": "2026-11-01T10:01:00Z",
         "lookup_key": f"k{run_id}-{f}",
         "eval_results": {"checks": [
             {"kind": kind, "weight": 1, "score": score_of(cell, f + i, salt),
              "passed": score_of(cell, f + i, salt) >= 0.5, "reason": f"{kind} on page {f % 7}"}
             for i, kind in enumerate(CHECKS)]}}
        for f in range(files)
    ]
    mean = sum(r["eval_score"] for r in results) / files
    run = {"id": run_id, "collection_id": 1, "status": "completed", "total_files": files,
           "completed_files": files, "avg_score": mean, "created": "2026-11-01T10:00:00Z",
           "started_at": "2026-11-01T10:00:01Z", "completed_at": "2026-11-01T10:05:00Z"}
    return {"batch_run": run, "file_results": results}


def write_side(path: Path, specs: Path, root: Path, state: Path, files: int, salt: int,
               evidence: bool = False) -> int:
    """A finished lock of every spec cell and its cached results, or (`evidence`) a lock that
    commits each cell's per-file evidence and no cache, as a fresh checkout has it; returns the
    cell count."""
    cells = expand_spec(load_spec([specs], root=root))
    lineage = f"bench-{salt}"
    locked = {}
    for i, cell in enumerate(cells):
        run_id = salt * 1_000_000 + i + 1
        document = run_document(run_id, i, files, salt)
        results = RunResults.model_validate(document)
        if not evidence:
            write_results(run_directory(lineage, None, state), run_id, results)
        run = document["batch_run"]
        locked[cell.key] = LockCell(
            fingerprint=cell.request.fingerprint, request=cell.request.lock_form(), run_id=run_id,
            status="completed", total_files=files, completed_files=files, avg_score=run["avg_score"],
            submitted_at=run["created"], completed_at=run["completed_at"],
            state="local#0123456789abcdef" if evidence else None,
            files=evidence_of(results, {}, 1.0) if evidence else None,
        )
    write_lock(path, Lockfile(lineage=lineage, serial=0).with_cells(locked))
    return len(cells)


# Runs `python -m evalspec ARGS` and, at exit, writes the process's own peak resident memory
# (VmHWM, kB) to the file named by the first argument. The rusage of a child is no measure of
# it on Linux: its ru_maxrss keeps the high-water mark of the process it was started from.
PEAK_WRAPPER = """
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def write_peak():
    status = open("/proc/self/status").read()
    peak = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), "0")
    open(peak_file, "w").write(peak)
atexit.register(write_peak)
runpy.run_module("evalspec", run_name="__main__", alter_sys=True)
"""


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> Measured:
    """Run `command` (`python -m evalspec ...`) to the end; its wall time, CPU time and peak RSS."""
    assert command[1:3] == ["-m", "evalspec"]
    peak_file = cwd / "peak.kb"
    peak_file.unlink(missing_ok=True)
    command = [command[0], "-c", PEAK_WRAPPER, str(peak_file), *command[3:]]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        assert process.stderr is not None
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {process.stderr.read()!r}")
    peak_kb = float(peak_file.read_text()) if peak_file.exists() else 0.0  # 0 without /proc
    return Measured(seconds, usage.ru_utime + usage.ru_stime, peak_kb / 1024)


def commands(specs: Path, suffix: str) -> dict[str, list[str]]:
    """Every command measured, by label; each writes its output to `out.<label><suffix>`."""
    evalspec = [sys.executable, "-m", "evalspec"]
    report = [*evalspec, "report", str(specs), "--lock", "evalspec.lock", "--baseline", "baseline.lock"]
    found = {f"report {fmt}": [*report, "--format", fmt, "-o", f"out.{fmt}{suffix}"] for fmt in FORMATS}
    found["status"] = [*evalspec, "status", "--lock", "evalspec.lock"]
    found["status --json"] = [*evalspec, "status", "--lock", "evalspec.lock", "--json"]
    return found


def bench_size(
    size: str, files: int, profile: str | None, workdir: Path | None, compare: Path | None, repeat: int,
    records: list[str],
) -> None:
    for record in records:
        evidence = record == "evidence"
        if workdir is not None:
            bench_in(workdir.resolve() / f"{size}x{files}-{record}", size, files, profile, compare, repeat,
                     evidence)
            continue
        with tempfile.TemporaryDirectory(prefix="evalspec-report-bench-") as tmp:
            bench_in(Path(tmp).resolve(), size, files, profile, compare, repeat, evidence)


def bench_in(
    root: Path, size: str, files: int, profile: str | None, compare: Path | None, repeat: int = 1,
    evidence: bool = False,
) -> None:
    """Write the inputs into `root` (unless a finished earlier run left them there) and measure."""
    c, p, r = (int(n) for n in size.split("x"))
    specs, state = root / "specs", root / "state"
    if not (root / "ready").exists():
        root.mkdir(parents=True, exist_ok=True)
        write_spec(root, c, p, r)
        (specs / "gates.yaml").write_text(GATES)
        write_side(root / "evalspec.lock", specs, root, state, files, salt=1, evidence=evidence)
        write_side(root / "baseline.lock", specs, root, state, files, salt=2, evidence=evidence)
        (root / "ready").touch()
    count = c * p * r
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env.update(EVALSPEC_STATE_DIR=str(state))
    lock_mb = (root / "evalspec.lock").stat().st_size / 1e6
    where = "per-file evidence committed in the locks, no results cache" if evidence else "cached results"
    print(f"{size} = {count} cells x {files} files (lock {lock_mb:.1f} MB, baseline the same size, "
          f"both with {where})")
    sides = {"this": REPO_ROOT, **({"compared": compare.resolve()} if compare is not None else {})}
    for label in commands(specs, ""):
        for side, source in sides.items():  # alternating: both sides see the same machine state
            command = commands(specs, "" if side == "this" else ".compared")[label]
            runs = (measure(command, root, {**env, "PYTHONPATH": str(source)}) for _ in range(repeat))
            got = min(runs, key=lambda m: m.cpu)  # the least disturbed of `repeat` runs
            print(f"  {label:<16} {side:<8} {got.seconds:>6.2f} s wall {got.cpu:>6.2f} s CPU "
                  f"{got.cpu / count * 1e6:>6.0f} us/cell  peak RSS {got.peak_mb:>7.1f} MiB")
        if compare is not None and label.startswith("report"):
            fmt = label.split()[1]
            same = (root / f"out.{fmt}").read_bytes() == (root / f"out.{fmt}.compared").read_bytes()
            print(f"  {label:<16} output {'identical' if same else 'DIFFERS'}")
    if profile:
        profile_report(root, specs, state, profile)


def profile_report(root: Path, specs: Path, state: Path, fmt: str) -> None:
    """A cProfile of one report in this process, for finding where the time goes."""
    from evalspec.commands.report import ReportRequest, run

    request = ReportRequest(paths=[specs], lock_path=root / "evalspec.lock",
                            baseline=str(root / "baseline.lock"), fmt=fmt, out_file=root / "profiled.out",
                            state_dir=state, environ={})
    profiler = cProfile.Profile()
    os.chdir(root)  # spec paths resolve against the working directory
    profiler.runcall(run, request)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["10x10x10", "20x25x20"],
                        help="CxPxR: collections x pipelines x rubrics (1,000 and 10,000 cells by default)")
    parser.add_argument("--files", type=int, default=20, help="files per run in the cached results")
    parser.add_argument("--profile", choices=FORMATS, help="also print a cProfile of one report per size")
    parser.add_argument("--workdir", type=Path,
                        help="keep the inputs here, and reuse them next time (writing them takes minutes)")
    parser.add_argument("--compare", type=Path,
                        help="another evalspec source tree to measure beside this one (outputs must match)")
    parser.add_argument("--record", nargs="+", choices=["cache", "evidence"], default=["cache", "evidence"],
                        help="where per-file results come from: the results cache (a lock without "
                        "evidence, as before issue 17) and/or the evidence committed in the lock")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per command and side; the one with the least CPU is shown")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for size in args.sizes:
        bench_size(size, args.files, args.profile, args.workdir, args.compare, args.repeat, args.record)


if __name__ == "__main__":
    main()
