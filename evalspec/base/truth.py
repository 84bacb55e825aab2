"""Truth sidecars: the ground truth for `x.pdf` travels as `x.pdf.truth.md` / `x.pdf.truth.json`
beside it, in the same collection.

One rule for every stage that tells a sidecar from a document (the spec's checks, apply's
uploads, the local engine): the suffix is matched whatever its case, so that `x.pdf.Truth.md` is
never uploaded to Datalab, where it would be parsed (and billed) as a document.
"""

from __future__ import annotations

TRUTH_SUFFIXES = (".truth.md", ".truth.json")


def is_sidecar(filename: str) -> bool:
    """Whether `filename` is a truth sidecar (not a document), its suffix in any case."""
    return filename.lower().endswith(TRUTH_SUFFIXES)
