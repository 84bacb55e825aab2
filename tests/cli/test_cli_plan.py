"""`evalspec plan`: table, --json (golden), --detailed-exitcode, --select, --shard, --out, the lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO_ROOT

from evalspec.lock.io import dump_lock, write_lock
from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.plan.cells import expand_spec
from evalspec.spec.load import load_spec

# plan counts pages through a cache in the state directory
pytestmark = pytest.mark.usefixtures("state_dir")

Run = Callable[..., tuple[int, str, str]]
GOLDEN = FIXTURES / "golden" / "plan-basic.json"


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def finished_lock(spec_path: Path, root: Path) -> Lockfile:
    """A lock in which every cell of the spec finished with its current fingerprint."""
    cells = expand_spec(load_spec([spec_path], root=root))
    return Lockfile(lineage="L", serial=0).with_cells({
        c.key: LockCell(fingerprint=c.request.fingerprint, request=c.request.lock_form(),
                        run_id=i, status="completed", avg_score=0.5)
        for i, c in enumerate(cells, 1)
    })


def test_plan_json_matches_the_golden_file(run_evalspec: Run, in_fixtures: None, tmp_path: Path) -> None:
    code, out, err = run_evalspec("plan", "plan-basic.yaml", "--json", "--lock", str(tmp_path / "none.lock"))
    assert (code, err) == (0, "")
    if os.environ.get("EVALSPEC_UPDATE_GOLDEN"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8"), (
        "plan JSON changed; if intended, regenerate with "
        "`EVALSPEC_UPDATE_GOLDEN=1 python -m pytest tests/cli/test_cli_plan.py` and review the diff"
    )


def test_golden_plan_json_content() -> None:
    # What the golden file must say, independently of how it was produced.
    document = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert document["format_version"] == 1
    assert set(document) == {"format_version", "summary", "managed", "gate_moves", "cells", "pages"}
    # Nothing managed: every cell's pages are unknown, never 0.
    assert document["pages"]["total"] == 0 and document["pages"]["unknown_cells"]
    assert document["managed"] == []  # every object is referenced by name or id: none managed
    assert document["summary"] == {"create": 8, "replace": 0, "keep": 0, "poll": 0, "remove": 0}
    by_key = {c["key"]: c for c in document["cells"]}
    md = by_key["receipts/md/layout[output_format=markdown+html]"]
    assert md["action"] == "create"
    assert md["request"] == {
        "collection_id": None, "eval_rubric_id": None, "output_format": "markdown,html",
        "page_schema": None, "pipeline_id": None, "pipeline_type": "convert", "segmentation_schema": None,
    }
    assert md["lookups"] == {"collection_id": "receipts-2026q3", "eval_rubric_id": "layout-quality"}
    invoice = by_key["invoices/invoice/fields"]["request"]
    assert (invoice["collection_id"], invoice["eval_rubric_id"]) == (101, 7)
    assert invoice["page_schema"] == (
        '{"properties":{"number":{"description":"Invoice number","type":"string"},'
        '"total":{"type":"number"}},"type":"object"}'
    )
    assert by_key["receipts/custom-v2/-"]["request"]["pipeline_id"] == "cp_abc123"
    assert by_key["invoices/sections/layout"]["request"]["segmentation_schema"] == (
        '{"sections":[{"name":"Summary"},{"name":"Findings"}]}'
    )


def test_example_specs_plan(run_evalspec: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(REPO_ROOT)
    code, out, err = run_evalspec("plan", "specs", "--lock", str(tmp_path / "none.lock"))
    assert (code, err) == (0, "")  # a fresh checkout's first plan is clean
    assert "  + reports/rich/report-quality[output_format=markdown+html]  new cell" in out
    assert "  + invoices/markdown/invoice-text " in out  # the include that adds a cell
    assert "  + collection invoices -> evalspec-demo-invoices@" in out
    assert ": 4 documents, 4 truth sidecars\n" in out
    assert "  + rubric invoice-text -> demo-invoice-text@" in out
    assert ": new definition (specs/rubrics/invoice-text.yaml)\n" in out
    assert out.splitlines()[-1] == "Plan: 5 to create, 0 to replace, 0 unchanged, 0 to remove"


def test_detailed_exitcode(run_evalspec: Run, in_fixtures: None, tmp_path: Path) -> None:
    lock = tmp_path / "evalspec.lock"
    code, out, _ = run_evalspec("plan", "plan-basic.yaml", "--lock", str(lock), "--detailed-exitcode")
    assert code == 5
    assert out.splitlines()[-1] == "Plan: 8 to create, 0 to replace, 0 unchanged, 0 to remove"
    write_lock(lock, finished_lock(Path("plan-basic.yaml"), FIXTURES))
    code, out, _ = run_evalspec("plan", "plan-basic.yaml", "--lock", str(lock), "--detailed-exitcode")
    assert code == 0
    assert out == "Plan: 0 to create, 0 to replace, 8 unchanged, 0 to remove\n"
    # without --detailed-exitcode, pending work is still exit 0
    assert run_evalspec("plan", "plan-basic.yaml", "--lock", str(tmp_path / "x.lock"))[0] == 0


def test_show_unchanged(run_evalspec: Run, in_fixtures: None, tmp_path: Path) -> None:
    lock = tmp_path / "evalspec.lock"
    write_lock(lock, finished_lock(Path("plan-basic.yaml"), FIXTURES))
    _, out, _ = run_evalspec("plan", "plan-basic.yaml", "--lock", str(lock), "--show-unchanged")
    assert out.splitlines()[0] == "unchanged (8):"
    assert "    invoices/invoice/fields" in out


def test_broken_lock_is_exit_2_with_its_location(
    run_evalspec: Run, in_fixtures: None, tmp_path: Path
) -> None:
    lock = tmp_path / "evalspec.lock"
    text = dump_lock(finished_lock(Path("plan-basic.yaml"), FIXTURES)).replace("serial: 1", "serial: -1")
    lock.write_text(text)
    line = text.splitlines().index("serial: -1") + 1
    code, out, err = run_evalspec("plan", "plan-basic.yaml", "--lock", str(lock))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {lock}:{line}:9: serial: Input should be greater than or equal to 0",
        "(the lockfile is written by evalspec; restore it from git)",
    ]


def test_select(run_evalspec: Run, in_fixtures: None, tmp_path: Path) -> None:
    code, out, _ = run_evalspec(
        "plan", "plan-basic.yaml", "--json", "--lock", str(tmp_path / "n.lock"),
        "--select", "pipeline=md,sections", "--select", "collection=invoices",
    )
    assert code == 0
    assert [c["key"] for c in json.loads(out)["cells"]] == [
        "invoices/md/layout[output_format=markdown+html]", "invoices/sections/layout",
    ]
    assert run_evalspec("plan", "plan-basic.yaml", "--select", "model=x")[0] == 2


def test_shards_partition_the_cells(run_evalspec: Run, in_fixtures: None, tmp_path: Path) -> None:
    lock = str(tmp_path / "n.lock")

    def keys(*extra: str) -> list[str]:
        code, out, _ = run_evalspec("plan", "plan-basic.yaml", "--json", "--lock", lock, *extra)
        assert code == 0
        return [c["key"] for c in json.loads(out)["cells"]]

    everything = keys()
    shards = [keys("--shard", f"{i}/3") for i in (1, 2, 3)]
    assert sorted(k for shard in shards for k in shard) == everything
    assert keys("--shard", "2/3") == shards[1]  # the same shard every time
    assert run_evalspec("plan", "plan-basic.yaml", "--shard", "4/3")[0] == 2


def test_saved_plan_file(run_evalspec: Run, in_fixtures: None, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    code, out, _ = run_evalspec(
        "plan", "plan-basic.yaml", "--lock", str(tmp_path / "n.lock"), "--out", str(saved),
        "--select", "rubric=layout",
    )
    assert code == 0
    assert out.splitlines()[-1] == (
        f"Saved the plan to {saved}; run it with `evalspec apply --plan {saved}`."
    )
    document = json.loads(saved.read_text())
    assert document["kind"] == "evalspec-saved-plan"
    assert document["lock"] == {"lineage": None, "serial": None}
    assert document["made_with"] == {
        "paths": ["plan-basic.yaml"], "select": ["rubric=layout"], "shard": None, "retry_failed": False,
        "replace": [], "backend": None,
    }
    assert document["summary"]["create"] == 5  # the five layout cells


@pytest.mark.slow
def test_real_process_detailed_exitcode_and_bad_spec(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "evalspec", "plan", *args, "--lock", str(tmp_path / "n.lock")],
            cwd=FIXTURES, capture_output=True, text=True, timeout=60, check=False,
        )

    pending = run("plan-basic.yaml", "--detailed-exitcode")
    assert (pending.returncode, pending.stderr) == (5, "")
    bad = run("extract-without-schema.yaml", "--detailed-exitcode")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: extract-without-schema.yaml:9:3: matrix: pipeline 'invoice'")
    assert "Traceback" not in bad.stderr


def test_plan_for_the_local_backend_warns_about_a_rubric_it_cannot_evaluate(
        run_evalspec: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state_dir: Path) -> None:
    (tmp_path / "datalab.yaml").write_text("evaluations:\n  - {kind: llm_judge, prompt: \"good?\"}\n")
    (tmp_path / "mixed.yaml").write_text("evaluations:\n  - {kind: llm_judge}\n"
                                         "  - {kind: text_contains, text: a}\n")
    (tmp_path / "spec.yaml").write_text(
        "version: 1\ncollections: {docs: {id: 1}}\n"
        "rubrics:\n  judged: {name: judged, definition: datalab.yaml}\n"
        "  mixed: {name: mixed, definition: mixed.yaml}\n"
        "pipelines: {md: {type: convert}}\n"
        "matrix: {collection: [docs], pipeline: [md], rubric: [judged, mixed]}\n"
    )
    monkeypatch.chdir(tmp_path)
    lock = str(tmp_path / "none.lock")
    code, _, err = run_evalspec("plan", "spec.yaml", "--lock", lock, "--backend", "local")
    assert code == 0
    (warning,) = [line for line in err.splitlines() if "uses no check kind" in line]
    assert warning.startswith("warning: rubric 'judged' (spec.yaml:4:")
    assert "uses no check kind the local backend evaluates (llm_judge)" in warning
    # Datalab evaluates its own kinds: only validate's notes remain, no warning about scoring 0
    assert "uses no check kind" not in run_evalspec("plan", "spec.yaml", "--lock", lock)[2]


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_lock_under_any_name_collected_by_a_managed_collection_is_refused(
    run_evalspec: Callable[..., tuple[int, str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "doc.md").write_text("# doc\n")
    write_lock(tmp_path / "data" / "state.yml", Lockfile.new())
    (tmp_path / "s.yaml").write_text(
        "version: 1\ncollections: {c: {name: c, files: ['data/*']}}\nrubrics: {r: {id: 1}}\n"
        "pipelines: {p: {}}\nmatrix: {collection: [c], pipeline: [p], rubric: [r]}\n"
    )
    before = (tmp_path / "data" / "state.yml").read_bytes()
    code, _, err = run_evalspec(command, "s.yaml", "--lock", "data/state.yml", "--backend", "local")
    assert code == 2
    assert err.startswith(
        f"error: s.yaml:2:35: collections.c.files: {tmp_path / 'data' / 'state.yml'} is written by "
        "evalspec itself (the lockfile or its journal)"
    )
    assert (tmp_path / "data" / "state.yml").read_bytes() == before
