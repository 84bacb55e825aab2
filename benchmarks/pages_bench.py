"""Benchmark: the page count of a 5,000-document, 40,000-page plan, cold and warm.

Run: python benchmarks/pages_bench.py [--documents 5000] [--pages 8]

Writes, in a temporary directory, one managed collection of N PDFs of P pages each (one real
fpdf2 PDF, each copy made distinct by a trailing comment so that every document has its own
digest, as in a real corpus), loads the spec, and times what `plan` adds for pages: counting
every document (cold: no cache in the state directory) and again with the cache it wrote
(warm), plus pricing the plan. It also times one document counted by pypdf, for scale.
Target (issue 19): under 2 s cold and warm on this machine.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader

from evalspec.plan.pages import PageCache, collection_pages
from evalspec.plan.plan import Plan, make_plan
from evalspec.plan.priced import priced
from evalspec.spec.load import load_spec

SPEC = """version: 1
collections:
  corpus: {name: corpus, files: [docs/*.pdf]}
rubrics:
  r: {id: 1}
pipelines:
  md: {type: convert}
settings:
  prices: {convert: 6}
matrix:
  collection: [corpus]
  pipeline: [md]
  rubric: [r]
"""


def write_corpus(root: Path, documents: int, pages: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page in range(pages):
        pdf.add_page()
        for line in range(30):
            pdf.cell(text=f"page {page + 1}, line {line + 1}: lorem ipsum dolor sit amet", new_x="LMARGIN",
                     new_y="NEXT")
    data = bytes(pdf.output())
    (root / "docs").mkdir(parents=True)
    for i in range(documents):
        (root / "docs" / f"doc-{i:05d}.pdf").write_bytes(data + f"% copy {i}\n".encode())
    (root / "spec.yaml").write_text(SPEC)
    return data


def timed(label: str, fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<44} {seconds:7.3f} s   {result}")
    return seconds


def _usd(plan: Plan) -> str:
    cents = plan.cost.cents if plan.cost is not None else None
    return "no price" if cents is None else f"${cents / 100:,.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sample = write_corpus(root, args.documents, args.pages)
        spec = load_spec([root / "spec.yaml"], root=root)
        plan = make_plan(spec, None)
        cache_file = root / "state" / "pages.json"
        print(f"{args.documents:,} documents x {args.pages} pages ({len(sample):,} bytes each):")
        cold = timed("count, cold (no cache)", lambda: collection_pages(
            spec, ["corpus"], PageCache(cache_file))["corpus"].total)
        warm = timed("count, warm (cache by digest)", lambda: collection_pages(
            spec, ["corpus"], PageCache(cache_file))["corpus"].total)
        timed("price the plan, warm", lambda: _usd(priced(spec, plan, PageCache(cache_file))))
        reps = 200
        start = time.perf_counter()
        for _ in range(reps):
            len(PdfReader(io.BytesIO(sample)).pages)
        per_doc = (time.perf_counter() - start) / reps
        print(f"  pypdf alone, per document: {per_doc * 1000:.2f} ms "
              f"(x {args.documents:,} = {per_doc * args.documents:.1f} s)")
        times = {"cold": cold, "warm": warm}
        verdicts = [f"{name} {'ok' if seconds < 2 else 'MISSED'}" for name, seconds in times.items()]
        print(f"target: under 2 s -> {', '.join(verdicts)}")


if __name__ == "__main__":
    main()
