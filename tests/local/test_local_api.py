"""The local service over HTTP: every endpoint's shape and error cases, auth, pagination."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from api_shapes import assert_shape
from local_server import LocalServer, make_collection, make_rubric, upload, wait_run


def test_requests_without_or_with_a_wrong_key_get_401(local_server: LocalServer) -> None:
    for headers in ({}, {"X-API-Key": "wrong"}):
        r = httpx.get(local_server.url + "/api/v1/eval_batch_runs", headers=headers)
        assert r.status_code == 401
        assert isinstance(r.json()["detail"], str)
    r = httpx.post(local_server.url + "/api/v1/collections", json={"name": "x"})
    assert r.status_code == 401


def test_collection_lifecycle(local_client: httpx.Client) -> None:
    made = local_client.post("/api/v1/collections", json={"name": "life", "description": "d"})
    assert made.status_code == 200
    assert_shape(made.json(), "CollectionResponse")
    cid = made.json()["id"]
    updated = local_client.put(f"/api/v1/collections/{cid}", json={"description": "new"})
    assert updated.json()["description"] == "new" and updated.json()["name"] == "life"
    archived = local_client.delete(f"/api/v1/collections/{cid}")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    ids = [c["id"] for c in _all_collections(local_client, False)]
    assert cid not in ids
    assert cid in [c["id"] for c in _all_collections(local_client, True)]


def _all_collections(client: httpx.Client, include_archived: bool) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = client.get("/api/v1/collections", params={
            "limit": 2, "offset": len(found), "include_archived": include_archived}).json()
        found += page["collections"]
        if not page["collections"] or len(found) >= page["total"]:
            return found


def test_collections_list_pages_with_limit_and_offset(local_client: httpx.Client) -> None:
    for i in range(3):
        local_client.post("/api/v1/collections", json={"name": f"paged-{i}"})
    everything = _all_collections(local_client, True)
    assert len({c["id"] for c in everything}) == len(everything)
    names = [c["name"] for c in everything]
    assert {"paged-0", "paged-1", "paged-2"} <= set(names)
    first = local_client.get("/api/v1/collections", params={"limit": 1}).json()
    assert len(first["collections"]) == 1 and first["total"] >= 3


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1},
                                    {"limit": "x"}])
def test_invalid_paging_is_422_with_a_detail_list(local_client: httpx.Client,
                                                  params: dict[str, Any]) -> None:
    for path in ("/api/v1/collections", "/api/v1/eval_batch_runs", "/api/v1/eval_rubrics"):
        r = local_client.get(path, params=params)
        assert r.status_code == 422, path
        assert_shape(r.json(), "HTTPValidationError")
        assert r.json()["detail"][0]["loc"][0] == "query"


def test_unknown_ids_are_404(local_client: httpx.Client) -> None:
    for method, path in (("GET", "/api/v1/eval_batch_runs/999999"),
                         ("GET", "/api/v1/eval_batch_runs/999999/results"),
                         ("PUT", "/api/v1/collections/999999"),
                         ("DELETE", "/api/v1/collections/999999"),
                         ("GET", "/api/v1/collections/999999/files"),
                         ("GET", "/api/v1/eval_rubrics/999999"),
                         ("GET", "/api/v1/files/999999/confirm")):
        r = local_client.request(method, path, json={} if method == "PUT" else None)
        assert r.status_code == 404, path
        assert isinstance(r.json()["detail"], str)


def test_upload_put_needs_no_key_but_a_valid_token(local_client: httpx.Client) -> None:
    slot = local_client.post("/api/v1/files/upload",
                             json={"filename": "a.txt", "content_type": "text/plain"}).json()
    assert set(slot) == {"file_id", "upload_url", "reference", "expires_in"}
    assert slot["upload_url"].startswith(str(local_client.base_url).rstrip("/"))
    early = local_client.get(f"/api/v1/files/{slot['file_id']}/confirm")
    assert early.status_code == 409  # a state conflict: the same request succeeds after the PUT
    assert httpx.put(slot["upload_url"], content=b"hello").status_code == 200
    forged = slot["upload_url"].rsplit("/", 1)[0] + "/not-the-token"
    assert httpx.put(forged, content=b"evil").status_code == 404
    confirmed = local_client.get(f"/api/v1/files/{slot['file_id']}/confirm").json()
    assert confirmed["file_size"] == 5 and confirmed["confirmed"] is True


def test_collection_files_cursor_pagination_and_unlink(local_client: httpx.Client) -> None:
    files = {f"f{i}.txt": f"file {i}".encode() for i in range(5)}
    cid = make_collection(local_client, "cursor", files)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = local_client.get(f"/api/v1/collections/{cid}/files", params=params).json()
        assert page["total"] == 5
        seen += [f["original_filename"] for f in page["files"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(files)
    for f in page["files"]:
        assert_shape(f, "CollectionFileResponse")
    first_id = local_client.get(f"/api/v1/collections/{cid}/files").json()["files"][0]
    gone = local_client.delete(f"/api/v1/collections/{cid}/files/{first_id['uploaded_file_id']}")
    assert gone.status_code == 200
    again = local_client.delete(f"/api/v1/collections/{cid}/files/{first_id['uploaded_file_id']}")
    assert again.status_code == 404
    assert local_client.get(f"/api/v1/collections/{cid}/files").json()["total"] == 4
    bad = local_client.get(f"/api/v1/collections/{cid}/files", params={"cursor": "zz"})
    assert bad.status_code == 400


def test_add_files_rejects_unknown_ids_and_bad_bodies(local_client: httpx.Client) -> None:
    cid = local_client.post("/api/v1/collections", json={"name": "adds"}).json()["id"]
    r = local_client.post(f"/api/v1/collections/{cid}/files",
                          json={"uploaded_file_ids": [987654]})
    assert r.status_code == 409 and "987654" in r.json()["detail"]
    for body in ({"uploaded_file_ids": []}, {"uploaded_file_ids": list(range(101))}, {}):
        assert local_client.post(f"/api/v1/collections/{cid}/files", json=body).status_code == 422
    assert local_client.post("/api/v1/collections", json={"name": "x" * 201}).status_code == 422


def test_rubric_create_get_list_and_update_bumps_version(local_client: httpx.Client) -> None:
    rid = make_rubric(local_client, "quality", "report-quality.yaml")
    rubric = local_client.get(f"/api/v1/eval_rubrics/{rid}").json()
    assert_shape(rubric, "EvalRubricResponse")
    assert rubric["version"] == 1 and rubric["version_history"] == []
    new_def = {"evaluations": [{"kind": "text_contains", "text": "x", "weight": 3}]}
    updated = local_client.put(f"/api/v1/eval_rubrics/{rid}",
                               json={"eval_definition": new_def}).json()
    assert updated["version"] == 2 and updated["eval_definition"] == new_def
    assert updated["name"] == "quality"
    assert updated["version_history"][0]["version"] == 1
    listed = local_client.get("/api/v1/eval_rubrics", params={"limit": 200}).json()
    assert_shape(listed, "ListEvalRubricsResponse")
    assert rid in [r["id"] for r in listed["rubrics"]]


@pytest.mark.parametrize(("definition", "message"), [
    ({"evaluations": [{"kind": 5}]}, "needs a `kind` (a string)"),
    ({"evaluations": [{"kind": "order", "before": "a"}]}, "order needs a string parameter 'after'"),
    ({"evaluations": [{"kind": "field_matches", "field": "a", "pattern": "("}]}, "valid regex"),
    ({"evaluations": [{"kind": "text_absent", "text": "a", "weight": -1}]}, "weight"),
    ({"checks": []}, "'evaluations' list"),
])
def test_invalid_rubric_definitions_are_422(local_client: httpx.Client,
                                            definition: dict[str, Any], message: str) -> None:
    r = local_client.post("/api/v1/eval_rubrics", json={"name": "bad", "eval_definition": definition})
    assert r.status_code == 422
    assert message in r.json()["detail"][0]["msg"]
    rid = make_rubric(local_client, "good", "report-sections.yaml")
    r = local_client.put(f"/api/v1/eval_rubrics/{rid}", json={"eval_definition": definition})
    assert r.status_code == 422


def _start(client: httpx.Client, **body: Any) -> httpx.Response:
    return client.post("/api/v1/eval_batch_runs", json=body)


def test_start_body_rules(local_client: httpx.Client) -> None:
    cid = make_collection(local_client, "rules", {"a.md": b"# A\n"})
    rid = make_rubric(local_client, "rules", "report-quality.yaml")
    cases = [
        ({"pipeline_type": "extract", "eval_rubric_id": rid}, "page_schema is required"),
        ({"pipeline_type": "segment", "eval_rubric_id": rid}, "segmentation_schema is required"),
        ({}, "eval_rubric_id is required"),
        ({"pipeline_type": "extract", "eval_rubric_id": rid, "page_schema": "{not json"},
         "page_schema is not valid JSON"),
        ({"pipeline_type": "segment", "eval_rubric_id": rid, "segmentation_schema": "[1]"},
         "segmentation_schema must be a JSON object"),
        ({"pipeline_type": "classify", "eval_rubric_id": rid}, "convert"),
        ({"eval_rubric_id": rid, "output_format": "markdown,pdf"}, "unknown output_format"),
    ]
    for extra, message in cases:
        r = _start(local_client, collection_id=cid, **extra)
        assert r.status_code == 422, extra
        assert message in json.dumps(r.json()["detail"]), (extra, r.json())
    assert _start(local_client, eval_rubric_id=rid).status_code == 422  # no collection_id
    assert _start(local_client, collection_id=999999, eval_rubric_id=rid).status_code == 404
    assert _start(local_client, collection_id=cid, eval_rubric_id=999999).status_code == 404
    custom = _start(local_client, collection_id=cid, pipeline_id="cp_unknown")
    assert custom.status_code == 404 and "cp_unknown" in custom.json()["detail"]


def test_run_shapes_filters_and_paging(local_client: httpx.Client) -> None:
    cid = make_collection(local_client, "filters", {"a.md": b"# A\n", "b.txt": b"plain"})
    rid = make_rubric(local_client, "filters", "report-quality.yaml")
    started = _start(local_client, collection_id=cid, eval_rubric_id=rid)
    assert started.status_code == 200
    run = started.json()
    assert_shape(run, "EvalBatchRunResponse")
    assert run["status"] == "queued" and run["total_files"] == 2 and run["avg_score"] is None
    second = _start(local_client, collection_id=cid, eval_rubric_id=rid).json()
    for r in (run, second):
        wait_run(local_client, r["id"])
    listed = local_client.get("/api/v1/eval_batch_runs", params={"collection_id": cid}).json()
    assert_shape(listed, "ListBatchRunsResponse")
    assert listed["total"] == 2 and {r["id"] for r in listed["batch_runs"]} == {
        run["id"], second["id"]}
    page = local_client.get("/api/v1/eval_batch_runs",
                            params={"collection_id": cid, "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["batch_runs"]) == 1
    by_rubric = local_client.get("/api/v1/eval_batch_runs", params={"eval_rubric_id": rid})
    assert by_rubric.json()["total"] == 2
    none = local_client.get("/api/v1/eval_batch_runs", params={"pipeline_id": "cp_none"})
    assert none.json() == {"batch_runs": [], "total": 0}
    results = local_client.get(f"/api/v1/eval_batch_runs/{run['id']}/results").json()
    assert_shape(results, "BatchRunResultsResponse")
    done = results["batch_run"]
    assert done["status"] == "completed" and done["completed_files"] == 2
    assert done["started_at"] and done["completed_at"] and done["avg_score"] is not None


def test_a_broken_file_fails_alone(local_client: httpx.Client) -> None:
    cid = make_collection(local_client, "broken", {"bad.pdf": b"%PDF-1.4 garbage",
                                                   "good.md": b"# Summary\n"})
    rid = make_rubric(local_client, "broken", "report-quality.yaml")
    run = wait_run(local_client, _start(local_client, collection_id=cid,
                                        eval_rubric_id=rid).json()["id"])
    assert run["status"] == "completed" and run["completed_files"] == 2
    results = local_client.get(f"/api/v1/eval_batch_runs/{run['id']}/results").json()
    by_name = {f["filename"]: f for f in results["file_results"]}
    assert by_name["bad.pdf"]["status"] == "failed" and by_name["bad.pdf"]["eval_score"] == 0
    assert "PDF" in by_name["bad.pdf"]["eval_results"]["error"]
    assert by_name["good.md"]["status"] == "completed"


def test_empty_collection_completes_with_no_score(local_client: httpx.Client) -> None:
    cid = local_client.post("/api/v1/collections", json={"name": "empty"}).json()["id"]
    rid = make_rubric(local_client, "empty", "report-quality.yaml")
    run = wait_run(local_client, _start(local_client, collection_id=cid,
                                        eval_rubric_id=rid).json()["id"])
    assert (run["status"], run["total_files"], run["avg_score"]) == ("completed", 0, None)


def test_upload_helper_round_trip(local_client: httpx.Client) -> None:
    fid = upload(local_client, "r.txt", b"round trip")
    assert local_client.get(f"/api/v1/files/{fid}/confirm").json()["file_size"] == 10


def test_each_files_output_is_kept_and_served(local_client: httpx.Client) -> None:
    cid = make_collection(local_client, "outputs", {"bad.pdf": b"%PDF-1.4 garbage",
                                                    "good.md": b"# Summary\n\nAll good.\n"})
    rid = make_rubric(local_client, "outputs", "report-quality.yaml")
    run = wait_run(local_client, _start(local_client, collection_id=cid, eval_rubric_id=rid,
                                        output_format="markdown").json()["id"])
    results = local_client.get(f"/api/v1/eval_batch_runs/{run['id']}/results").json()
    by_name = {f["filename"]: f["request_id"] for f in results["file_results"]}
    kept = local_client.get(f"/api/v1/eval_batch_runs/{run['id']}/results/{by_name['good.md']}/output")
    assert kept.status_code == 200
    assert kept.json()["filename"] == "good.md"
    assert "All good." in kept.json()["output"]["markdown"]
    checks = results["file_results"][0]["eval_results"]["checks"]
    assert all("params" in check for check in checks)  # each check says what it was asked
    # A file that failed has no output; an unknown result or run is a 404 with a detail.
    for path in (f"{run['id']}/results/{by_name['bad.pdf']}/output", f"{run['id']}/results/999/output",
                 "999/results/1/output"):
        missing = local_client.get(f"/api/v1/eval_batch_runs/{path}")
        assert missing.status_code == 404 and missing.json()["detail"]
