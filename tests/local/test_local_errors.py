"""Hostile requests to the local service: each gets a JSON 4xx that its OpenAPI document lists,
and the keep-alive connection it came on serves the next request."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_shapes import assert_shape
from local_server import LocalServer

from evalspec.local import LocalService

BIG = 2**64
JSON = {"content-type": "application/json"}


def _body(text: str) -> bytes:
    return text.encode()


def _rubric(weight: str, text: str = '"a"') -> bytes:
    return _body('{"name": "r", "eval_definition": {"evaluations": [{"kind": "text_contains", '
                 f'"text": {text}, "weight": {weight}}}]}}}}')


def _extract(page_schema: str) -> bytes:
    return json.dumps({"collection_id": 1, "eval_rubric_id": 1, "pipeline_type": "extract",
                       "page_schema": page_schema}).encode()


# (case, method, path, body, status); "{cid}" is a collection of the test's own.
HOSTILE: list[tuple[str, str, str, bytes | None, int]] = [
    ("int64-path", "GET", f"/api/v1/collections/{BIG}", None, 422),
    ("int64-path-results", "GET", f"/api/v1/eval_batch_runs/{BIG}/results", None, 422),
    # Once a 500: these ids were plain ints, and sqlite overflowed on them.
    ("int64-path-output", "GET", f"/api/v1/eval_batch_runs/{BIG}/results/1/output", None, 422),
    ("name-as-rubric-id", "PUT", "/api/v1/eval_rubrics/import_from_pipeline", b"{}", 405),
    ("int64-query", "GET", f"/api/v1/eval_batch_runs?collection_id={BIG}", None, 422),
    ("int64-offset", "GET", f"/api/v1/eval_rubrics?offset={BIG}", None, 422),
    ("int64-body", "POST", "/api/v1/eval_batch_runs",
     _body(f'{{"collection_id": {BIG}, "eval_rubric_id": 1}}'), 422),
    ("int64-body-list", "POST", "/api/v1/collections/{cid}/files",
     _body(f'{{"uploaded_file_ids": [{BIG}]}}'), 422),
    ("surrogate", "POST", "/api/v1/collections", _body('{"name": "\\ud800"}'), 422),
    ("surrogate-deep", "POST", "/api/v1/eval_rubrics", _rubric("1", '"\\udc00"'), 422),
    ("surrogate-key", "PUT", "/api/v1/eval_rubrics/1", _body('{"eval_definition": {"\\ud800": 1}}'),
     422),
    ("nan", "POST", "/api/v1/collections", _body('{"name": NaN}'), 422),
    ("infinity", "PUT", "/api/v1/collections/{cid}", _body('{"description": -Infinity}'), 422),
    ("1e400", "POST", "/api/v1/eval_batch_runs", _body('{"collection_id": 1e400}'), 422),
    ("nan-weight", "POST", "/api/v1/eval_rubrics", _rubric("NaN"), 422),
    ("1e400-weight", "POST", "/api/v1/eval_rubrics", _rubric("1e400"), 422),
    ("weights-overflow", "POST", "/api/v1/eval_rubrics",
     _body('{"name": "r", "eval_definition": {"evaluations": ['
           '{"kind": "text_contains", "text": "a", "weight": 1e308},'
           '{"kind": "text_absent", "text": "b", "weight": 1e308}]}}'), 422),
    ("pattern-deep", "POST", "/api/v1/eval_rubrics",
     json.dumps({"name": "r", "eval_definition": {"evaluations": [
         {"kind": "field_matches", "field": "a", "pattern": "(" * 5000}]}}).encode(), 422),
    ("cursor-superscript", "GET", "/api/v1/collections/{cid}/files?cursor=%C2%B2", None, 400),
    ("cursor-int64", "GET", f"/api/v1/collections/{{cid}}/files?cursor={BIG}", None, 400),
    ("schema-deep-list", "POST", "/api/v1/eval_batch_runs", _extract("[" * 100_000), 422),
    ("schema-deep-object", "POST", "/api/v1/eval_batch_runs",
     _extract('{"a":' * 900 + "1" + "}" * 900), 422),
    ("schema-nan", "POST", "/api/v1/eval_batch_runs", _extract('{"properties": NaN}'), 422),
    ("body-deep", "POST", "/api/v1/eval_rubrics",
     _body('{"name": "r", "eval_definition": {"evaluations": [], "x": '
           + "[" * 500 + "]" * 500 + "}}"), 422),
    ("body-deeper-than-json", "POST", "/api/v1/collections", _body("[" * 100_000), 400),
    ("not-json", "POST", "/api/v1/collections", _body("{"), 422),
    ("not-utf8", "POST", "/api/v1/collections", b'{"name": "\xff"}', 400),
    ("unknown-route", "GET", "/api/v1/nothing-here", None, 404),
    ("wrong-method", "DELETE", "/api/v1/eval_batch_runs", None, 405),
    ("bad-upload-token", "PUT", "/api/v1/files/upload/not-a-token", b"x", 404),
]


def _port(response: httpx.Response) -> int:
    """The client's port of the connection the response came on."""
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])


@pytest.fixture(scope="module")
def openapi(local_server: LocalServer) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(local_server.url + "/openapi.json").json()
    return document


@pytest.mark.parametrize(("method", "path", "body", "status"),
                         [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_request_gets_json_4xx_and_the_connection_lives_on(
        local_client: httpx.Client, openapi: dict[str, Any], method: str, path: str,
        body: bytes | None, status: int) -> None:
    cid = local_client.post("/api/v1/collections", json={"name": "target"}).json()["id"]
    path = path.replace("{cid}", str(cid))
    bad = local_client.request(method, path, content=body, headers=JSON if body else None)
    assert bad.status_code == status, bad.text[:300]
    assert bad.headers["content-type"] == "application/json"
    assert "detail" in bad.json()
    if status == 422:
        assert_shape(bad.json(), "HTTPValidationError")
    else:
        assert isinstance(bad.json()["detail"], str)
    operation = _operation(openapi, method, path)
    if operation is None:  # no such route: the framework's own 404 or 405
        assert status in (404, 405)
    else:
        assert str(status) in operation["responses"]
    good = local_client.get(f"/api/v1/collections/{cid}")
    assert good.status_code == 200 and good.json()["id"] == cid
    assert _port(good) == _port(bad)  # the same connection, not a new one after a reset


def _operation(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    bare = path.split("?")[0]
    for template, operations in openapi["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), bare):
            found: dict[str, Any] | None = operations.get(method.lower())
            return found
    return None


def test_openapi_lists_each_operations_json_error_answers(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert schemas["ErrorDetail"]["required"] == ["detail"]
    assert schemas["ErrorDetail"]["properties"]["detail"]["type"] == "string"
    for template, operations in openapi["paths"].items():
        for method, operation in operations.items():
            codes = {int(c) for c in operation["responses"]}
            where = f"{method.upper()} {template}"
            assert "{" not in template or 404 in codes, where
            assert "requestBody" not in operation or 400 in codes, where
            assert template.startswith("/api/v1/files/upload/") or 401 in codes, where
            for code in codes - {200, 422}:
                content = operation["responses"][str(code)]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}, where
    upload = openapi["paths"]["/api/v1/files/upload/{token}"]["put"]["responses"]
    assert {"403", "404", "409", "413"} <= set(upload)
    assert "400" in openapi["paths"]["/api/v1/collections/{collection_id}/files"]["get"][
        "responses"]


@pytest.mark.parametrize(("path", "methods"), [
    ("/api/v1/collections", {"GET", "POST"}),
    ("/api/v1/collections/1", {"GET", "PUT", "DELETE"}),
    ("/api/v1/eval_rubrics/import_from_pipeline", {"POST"}),
])
def test_a_405_names_every_method_the_path_takes(local_client: httpx.Client, path: str,
                                                 methods: set[str]) -> None:
    """Not only the first route's: `/api/v1/collections` takes GET as well as POST."""
    refused = local_client.request("PATCH", path)
    assert refused.status_code == 405
    assert set(refused.headers["allow"].split(", ")) - {"HEAD"} == methods
    assert isinstance(refused.json()["detail"], str)


def test_an_unexpected_error_is_a_json_500_that_is_not_re_raised(tmp_path: Path) -> None:
    async def ask(service: LocalService) -> httpx.Response:
        # ASGITransport raises what the app raises: an answer here means nothing escaped, so
        # uvicorn would keep the connection.
        transport = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
            return await client.get("/api/v1/collections")

    with LocalService(tmp_path, api_key=None) as service:
        assert service.store is not None
        service.store.db.close()  # every query now fails with sqlite3.ProgrammingError
        answer = asyncio.run(ask(service))
    assert answer.status_code == 500
    assert "log" in answer.json()["detail"]
