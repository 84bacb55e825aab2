"""Pages and cost in the plan, offline, on a fixture checked by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pdf_fixtures import pdf_bytes

from evalspec.local import register_pipeline, unregister_pipeline
from evalspec.lock.io import write_lock
from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.plan.cells import expand_spec
from evalspec.plan.pages import CACHE_NAME
from evalspec.spec.load import load_spec

Run = Callable[..., tuple[int, str, str]]

SPEC = """\
version: 1
collections:
  docs: {name: docs, files: [data/*]}
  far: {id: 9}
rubrics:
  r: {id: 1}
schemas:
  inv: inv.json
pipelines:
  md: {type: convert}
  inv: {type: extract, page_schema: inv}
  cp: {type: extract, pipeline_id: cp_abc, page_schema: inv}
settings:
  prices: {convert: 6, extract: 25}
matrix:
  - {collection: [docs], pipeline: [md, inv, cp], rubric: [r]}
  - {collection: [far], pipeline: [md], rubric: [r]}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state_dir: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "three.pdf").write_bytes(pdf_bytes(3))
    (tmp_path / "data" / "ten.pdf").write_bytes(pdf_bytes(10))
    (tmp_path / "data" / "ten.pdf.truth.md").write_text("truth is never billed\n")
    (tmp_path / "inv.json").write_text('{"type": "object", "properties": {"total": {"type": "number"}}}')
    (tmp_path / "spec.yaml").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_pages_and_cost_per_cell_with_rounding_per_request(run_evalspec: Run, project: Path) -> None:
    code, out, err = run_evalspec("plan", "spec.yaml", "--json", "--lock", "x.lock")
    assert code == 0, err
    pages = json.loads(out)["pages"]
    # convert $6/1,000: 3 pages 1.8c -> 2c, 10 pages 6c: 8c. extract $25: 7.5c -> 8c, 25c: 33c.
    assert pages["cells"] == {
        "docs/md/r": {"pages": 13, "estimated": False, "usd": 0.08},
        "docs/inv/r": {"pages": 13, "estimated": False, "usd": 0.33},
        "docs/cp/r": {"pages": 13, "estimated": False, "usd": None},  # a custom pipeline: no invented price
        "far/md/r": {"pages": None, "estimated": False, "usd": None},  # unmanaged: unknown, never 0
    }
    assert (pages["total"], pages["usd"]) == (39, 0.41)
    assert pages["unknown_cells"] == ["far/md/r"] and pages["unpriced_cells"] == ["docs/cp/r"]
    assert pages["collections"]["docs"] == {"pages": 13, "estimated": False}

    code, out, _ = run_evalspec("plan", "spec.yaml", "--lock", "x.lock")
    assert "  + docs/inv/r  new cell  [lookup: docs@" in out and "[13 pages, $0.33]" in out
    assert "Pages: apply would evaluate 39 pages, about $0.41" in out
    assert "pages unknown for 1 cell" in out and "no price for 1 cell (settings.prices): docs/cp/r" in out


def test_kept_cells_cost_nothing(run_evalspec: Run, project: Path) -> None:
    spec = load_spec([project / "spec.yaml"], root=project)
    kept = {c.key: LockCell(fingerprint=c.request.fingerprint, request=c.request.lock_form(), run_id=i,
                            status="completed", avg_score=0.5)
            for i, c in enumerate(expand_spec(spec), 1) if c.key != "docs/md/r"}
    write_lock(project / "x.lock", Lockfile(lineage="L", serial=0).with_cells(kept))
    code, out, err = run_evalspec("plan", "spec.yaml", "--json", "--lock", "x.lock")
    assert code == 0, err
    assert json.loads(out)["pages"]["cells"] == {"docs/md/r": {"pages": 13, "estimated": False, "usd": 0.08}}


def test_counts_are_cached_by_content_digest(run_evalspec: Run, project: Path, state_dir: Path) -> None:
    run_evalspec("plan", "spec.yaml", "--lock", "x.lock")
    cache = json.loads((state_dir / CACHE_NAME).read_text())
    assert sorted(n for n, _ in cache["pages"].values()) == [3, 10]
    # A wrong count planted in the cache is what the next plan uses: the files are not read again.
    for digest in cache["pages"]:
        cache["pages"][digest] = [100, False]
    (state_dir / CACHE_NAME).write_text(json.dumps(cache))
    _, out, _ = run_evalspec("plan", "spec.yaml", "--json", "--lock", "x.lock")
    assert json.loads(out)["pages"]["cells"]["docs/md/r"]["pages"] == 200


def test_a_price_for_no_pipeline_is_refused_where_it_is_written(run_evalspec: Run, project: Path) -> None:
    (project / "spec.yaml").write_text(SPEC.replace("extract: 25", "extrct: 25"))
    code, _, err = run_evalspec("plan", "spec.yaml", "--lock", "x.lock")
    assert code == 2
    assert "spec.yaml:14:" in err and "prices.extrct" in err and "did you mean 'extract'" in err


def _priced_pipeline(doc: Any, request: Any) -> dict[str, Any]:
    return {"markdown": "priced"}


def test_refresh_tells_unmanaged_pages_and_custom_rates(
    run_evalspec: Run, project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _priced_pipeline.rate_per_1000_pages_cents = 1000  # type: ignore[attr-defined]  # $10 a 1,000
    register_pipeline("cp_abc", _priced_pipeline)
    try:
        managed = SPEC.replace("  - {collection: [far], pipeline: [md], rubric: [r]}\n", "").replace(
            "  r: {id: 1}", "  r: {name: rr, definition: rubric.yaml}")
        (project / "rubric.yaml").write_text("evaluations:\n  - {kind: text_contains, text: page}\n")
        (project / "spec.yaml").write_text(managed)
        code, _, err = run_evalspec("apply", "spec.yaml", "--backend", "local", "--lock", "x.lock")
        assert code == 0, err
        _, out, _ = run_evalspec("plan", "spec.yaml", "--json", "--lock", "x.lock", "--replace", "all")
        server_name = json.loads(out)["managed"][0]["server_name"]
        # The same documents, now referenced by name: only the service can tell their pages.
        (project / "spec.yaml").write_text(managed.replace(
            "docs: {name: docs, files: [data/*]}", f"docs: {{name: '{server_name}'}}"))
        code, out, err = run_evalspec("plan", "spec.yaml", "--json", "--lock", "y.lock")
        assert json.loads(out)["pages"]["unknown_cells"] == ["docs/cp/r", "docs/inv/r", "docs/md/r"]
        code, out, err = run_evalspec("plan", "spec.yaml", "--json", "--lock", "y.lock",
                                      "--refresh", "--backend", "local")
        assert code == 0, err
        cells = json.loads(out)["pages"]["cells"]
        # cp_abc at $10/1,000 from the rate endpoint: 3 pages 3c, 10 pages 10c.
        assert cells["docs/cp/r"] == {"pages": 13, "estimated": False, "usd": 0.13}
        assert cells["docs/md/r"] == {"pages": 13, "estimated": False, "usd": 0.08}
    finally:
        unregister_pipeline("cp_abc")
