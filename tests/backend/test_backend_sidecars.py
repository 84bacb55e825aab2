"""Truth sidecars stay home: uploaded only to backends that evaluate them.

Our `evalspec server` says so through its capability endpoint and gets the sidecars (and truth
checks score against them); a Datalab-like service without that endpoint gets the documents only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apply_helpers import evalspec_env, lock_of, run_cli
from local_server import running_server

from evalspec.api.inprocess import in_process_client
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.resolve import resolve_ids
from evalspec.backend.connect import Backend, evaluates_truth
from evalspec.local import LocalService
from evalspec.plan.cells import expand_spec
from evalspec.spec.load import load_spec

TRUTH = "# Alpha\n\nSummary of the alpha project. Next Steps: ship it.\n"


def _spec(root: Path) -> Path:
    data = root / "specs" / "data"
    data.mkdir(parents=True)
    (data / "alpha.md").write_text(TRUTH, encoding="utf-8")
    (data / "alpha.md.truth.md").write_text(TRUTH, encoding="utf-8")
    (root / "specs" / "rubrics").mkdir()
    (root / "specs" / "rubrics" / "truth.yaml").write_text(
        "evaluations:\n  - {kind: truth_similarity}\n", encoding="utf-8")
    (root / "specs" / "spec.yaml").write_text(
        "version: 1\n"
        "collections: {docs: {name: sidecar-docs, files: [data/*]}}\n"
        "rubrics: {truth: {name: sidecar-truth, definition: rubrics/truth.yaml}}\n"
        "pipelines: {md: {type: convert, output_format: markdown}}\n"
        "matrix: {collection: [docs], pipeline: [md], rubric: [truth]}\n", encoding="utf-8")
    return root / "specs"


class WithoutExtensions:
    """A Datalab-like service in front of ours: our extension endpoints answer 404, as on Datalab."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/v1/evalspec/"):
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"detail":"Not Found"}'})
            return
        await self.app(scope, receive, send)


async def _uploaded_names(app: Any, root: Path) -> tuple[bool, set[str]]:
    spec = load_spec([root / "specs"], root=root)
    async with in_process_client(app) as client:
        backend = Backend("datalab", client)
        sidecars = await evaluates_truth(backend)
        ledger = UploadLedger(client.base_url, root / "state")
        ids = await resolve_ids(client, spec, expand_spec(spec), ledger, lambda _: None, sidecars=sidecars)
        names = {f.original_filename async for f in client.collections.list_files(ids.collections["docs"])}
    return sidecars, names


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with LocalService(tmp_path / "service", api_key=None) as started:
        yield started


def test_a_datalab_like_service_gets_no_sidecar(tmp_path: Path, service: LocalService,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _spec(tmp_path)
    monkeypatch.chdir(tmp_path)
    sidecars, names = asyncio.run(_uploaded_names(WithoutExtensions(service.app), tmp_path))
    assert not sidecars
    assert names == {"alpha.md"}


def test_our_service_says_it_evaluates_truth(tmp_path: Path, service: LocalService,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _spec(tmp_path)
    monkeypatch.chdir(tmp_path)
    sidecars, names = asyncio.run(_uploaded_names(service.app, tmp_path))
    assert sidecars
    assert names == {"alpha.md", "alpha.md.truth.md"}


def test_the_plan_counts_documents_and_sidecars(tmp_path: Path) -> None:
    _spec(tmp_path)
    done = run_cli(tmp_path, evalspec_env(tmp_path / "state"), "plan")
    assert done.returncode == 0, done.stderr
    assert "  + collection docs -> sidecar-docs@" in done.stdout
    assert ": 1 document, 1 truth sidecar\n" in done.stdout
    assert done.stdout.count("never to Datalab") == 1  # the sidecar note, once for the section


@pytest.mark.slow
def test_evalspec_server_gets_sidecars_and_scores_truth(tmp_path: Path) -> None:
    _spec(tmp_path)
    with running_server(tmp_path / "server") as server:
        env = evalspec_env(tmp_path / "state", server.url, server.api_key)
        done = run_cli(tmp_path, env, "apply", "--backend", "datalab", "--poll-interval", "0.05")
        assert done.returncode == 0, done.stderr
        cell = lock_of(tmp_path / "evalspec.lock").cells["docs/md/truth"]
        with httpx.Client(base_url=server.url, headers=server.headers) as api:
            listed = api.get(f"/api/v1/collections/{cell.request['collection_id']}/files").json()
    assert {f["original_filename"] for f in listed["files"]} == {"alpha.md", "alpha.md.truth.md"}
    assert cell.avg_score is not None and cell.avg_score > 0.9
    assert cell.total_files == 1  # the sidecar is truth, not a document
