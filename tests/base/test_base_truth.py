"""One rule tells a truth sidecar from a document, in every stage, whatever the suffix's case."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalspec.base.truth import is_sidecar
from evalspec.local.engine import evaluate
from evalspec.spec.spec import ManagedFile


@pytest.mark.parametrize(("name", "sidecar"), [
    ("a.pdf.truth.md", True), ("a.pdf.truth.json", True),
    ("a.pdf.Truth.md", True), ("A.PDF.TRUTH.JSON", True),
    ("a.pdf", False), ("truth.md", False), ("a.truth.mdx", False), ("a.truth.md.pdf", False),
])
def test_a_sidecar_is_known_by_its_suffix_in_any_case(name: str, sidecar: bool) -> None:
    assert is_sidecar(name) is sidecar


def test_the_spec_stage_and_the_local_engine_agree_on_an_upper_case_sidecar() -> None:
    # A managed file that is_truth is never uploaded to Datalab (apply/managed.py): a sidecar
    # taken for a document there would be parsed and billed as one.
    managed = ManagedFile("x.pdf.TRUTH.md", Path("x.pdf.TRUTH.md"), "sha256:0", 1)
    assert managed.is_truth and evaluate.is_sidecar(managed.upload_name)
