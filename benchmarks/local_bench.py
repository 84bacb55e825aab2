"""Benchmark: `evalspec apply --backend local` (defaults only) beside pypdf's parsing floor.

    python benchmarks/local_bench.py [--docs 400] [--kinds pdf] [--repeat 1]

Builds a corpus in a temp dir from the reports of `specs/data` (by default only the PDF; with
`--kinds pdf,html,md` all three in turn), each copy made unique by a trailing comment line (so no
two documents share a digest), each with its truth sidecar, and a spec of one managed collection
x one convert pipeline x the report-quality rubric. Then, in the same run:

- floor: pypdf alone reading the text of every document (`PdfReader(...).pages[i].extract_text()`
  in this one process; other kinds are just decoded);
- apply: `evalspec apply --backend local` in a subprocess on a fresh state directory: wall time,
  CPU time (its process and its worker processes), and the peak of their resident memory
  together.

Prints one table with the ratios apply / floor (best of --repeat for each side). On a shared
machine the wall ratio moves with the load (printed); the CPU ratio much less.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "specs" / "data" / "reports"
SOURCES = {"pdf": "annual-report.pdf", "html": "field-notes.html", "md": "handbook.md"}
SPEC = """version: 1
collections:
  corpus: {name: bench-corpus, files: [data/*]}
rubrics:
  quality: {name: bench-quality, definition: quality.yaml}
pipelines:
  md: {type: convert, output_format: markdown}
matrix: {collection: [corpus], pipeline: [md], rubric: [quality]}
"""


def unique_copy(source: Path, index: int) -> bytes:
    """The source's bytes with a trailing comment that makes them unique (and still readable)."""
    pdf = source.suffix == ".pdf"
    comment = f"%copy {index:06d}\n" if pdf else f"<!-- copy {index:06d} -->\n"
    return source.read_bytes() + b"\n" + comment.encode()


def build_corpus(root: Path, docs: int, kinds: list[str]) -> list[Path]:
    """`docs` unique documents with truth sidecars under root/data, and the spec beside them."""
    data = root / "data"
    data.mkdir(parents=True)
    made = []
    for i in range(docs):
        source = REPORTS / SOURCES[kinds[i % len(kinds)]]
        target = data / f"doc-{i:05d}{source.suffix}"
        target.write_bytes(unique_copy(source, i))
        shutil.copyfile(source.with_name(source.name + ".truth.md"),
                        target.with_name(target.name + ".truth.md"))
        made.append(target)
    (root / "spec.yaml").write_text(SPEC, encoding="utf-8")
    shutil.copyfile(ROOT / "specs" / "rubrics" / "report-quality.yaml", root / "quality.yaml")
    return made


def floor(documents: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds pypdf alone needs to read the text of every document, here."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in documents:
        data = path.read_bytes()
        if path.suffix == ".pdf":
            for page in PdfReader(io.BytesIO(data)).pages:
                page.extract_text()
        else:
            data.decode("utf-8")
    return time.perf_counter() - start, time.process_time() - cpu


def tree_rss(pid: int) -> float:
    """MiB resident in `pid` and its children now (Linux /proc; 0 elsewhere)."""
    total = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            if entry.name != str(pid) and int(stat.rsplit(")", 1)[1].split()[1]) != pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, ValueError):
            continue
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(rss.group(1)) if rss else 0
    return total / 1024


def apply(root: Path) -> tuple[float, float, float]:
    """Wall and CPU seconds of `evalspec apply --backend local` on a fresh state (CPU of its
    process and its workers), and their peak RSS together (MiB), sampled every 20 ms."""
    env = {**os.environ, "EVALSPEC_STATE_DIR": str(root / ".evalspec")}
    shutil.rmtree(root / ".evalspec", ignore_errors=True)
    (root / "evalspec.lock").unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "evalspec", "apply", "spec.yaml", "--backend",
                             "local"], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode not in (0, 1):
        sys.exit(f"apply exited {proc.returncode}:\n{out}\n{err}")
    if "Traceback" in err or "pypdf" in err or "Warning" in err:
        print(f"apply wrote to stderr:\n{err[-2000:]}", file=sys.stderr)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--kinds", default="pdf", help="comma list of pdf, html, md")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for both sides")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",")]
    with tempfile.TemporaryDirectory(prefix="evalspec-local-bench-") as tmp:
        root = Path(tmp)
        documents = build_corpus(root, args.docs, kinds)
        floors, applies = [], []
        for _ in range(args.repeat):
            floors.append(floor(documents))
            applies.append(apply(root))
        best_floor, floor_cpu = min(floors)
        wall, cpu, peak = min(applies)
        print(f"{'documents':<28}{args.docs} ({','.join(kinds)}), {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}")
        print(f"{'':<28}{'wall':>8}  {'cpu':>8}")
        print(f"{'pypdf floor (1 process)':<28}{best_floor:8.2f}  {floor_cpu:8.2f} s")
        print(f"{'apply --backend local':<28}{wall:8.2f}  {cpu:8.2f} s")
        print(f"{'ratio apply / floor':<28}{wall / best_floor:8.2f}  {cpu / floor_cpu:8.2f} x")
        print(f"{'apply peak RSS, all procs':<28}{peak:8.1f} MiB")


if __name__ == "__main__":
    main()
