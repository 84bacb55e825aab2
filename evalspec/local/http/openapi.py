"""What the OpenAPI document says beyond what FastAPI derives from the routes.

    answers     the error answers that follow from a route's shape (errors.add_shape_answers)
    links       create -> read / update / delete: each create's answer names the operations its
                id feeds, so a client (schemathesis' stateful phase) can follow a created
                collection, file, rubric or run to its other calls instead of guessing ids
    bounds      integer bounds as integers: FastAPI's document model holds `maximum` as a float,
                which turned 2^63-1 into 2^63, one past what an id may be
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from evalspec.local.http.errors import add_shape_answers
from evalspec.local.http.limits import INT64_MAX

C, R, RUNS = "/api/v1/collections", "/api/v1/eval_rubrics", "/api/v1/eval_batch_runs"
COLLECTION, FILES = C + "/{collection_id}", C + "/{collection_id}/files"
RUBRIC, RUN = R + "/{rubric_id}", RUNS + "/{run_id}"
ID = "$response.body#/id"


def _params(**parameters: str) -> dict[str, Any]:
    return {"parameters": parameters}


def _body(**fields: str) -> dict[str, Any]:
    # Merged into a generated body: the rest of a run's start body is drawn as usual.
    return {"requestBody": fields}


COLLECTION_LINKS = {("get", COLLECTION): _params(collection_id=ID),
                    ("put", COLLECTION): _params(collection_id=ID),
                    ("delete", COLLECTION): _params(collection_id=ID),
                    ("post", FILES): _params(collection_id=ID),
                    ("get", FILES): _params(collection_id=ID),
                    ("get", RUNS): _params(collection_id=ID),
                    ("post", RUNS): _body(collection_id=ID)}
RUBRIC_LINKS = {("get", RUBRIC): _params(rubric_id=ID), ("put", RUBRIC): _params(rubric_id=ID),
                ("get", RUNS): _params(eval_rubric_id=ID), ("post", RUNS): _body(eval_rubric_id=ID)}
# A collection's answer lists its files: the first one's link can be removed.
UNLINK = {("delete", FILES + "/{uploaded_file_id}"): _params(
    collection_id=ID, uploaded_file_id="$response.body#/files/0/uploaded_file_id")}
# (method, path of the answering operation) -> {(method, path of the target): link}
LINKS: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {
    ("post", C): COLLECTION_LINKS,
    ("put", COLLECTION): {("get", COLLECTION): _params(collection_id=ID)},
    ("post", FILES): UNLINK,
    ("post", "/api/v1/files/upload"): {
        ("get", "/api/v1/files/{file_id}/confirm"): _params(file_id="$response.body#/file_id")},
    ("post", R): RUBRIC_LINKS,
    ("post", R + "/import_from_pipeline"): RUBRIC_LINKS,
    ("post", RUNS): {("get", RUN): _params(run_id=ID), ("get", RUN + "/results"): _params(run_id=ID)},
    ("get", RUN + "/results"): {("get", RUN + "/results/{request_id}/output"): _params(
        run_id="$response.body#/batch_run/id",
        request_id="$response.body#/file_results/0/request_id")},
}


def extend(app: FastAPI) -> None:
    """Add answers, links and security to the app's document, once (FastAPI caches it)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = generate()
        if fresh:
            add_shape_answers(schema)
            add_links(schema)
            exact_bounds(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it


def add_links(schema: dict[str, Any]) -> None:
    """The OpenAPI links of LINKS, on each source's 200 answer, by target operationId."""
    paths = schema["paths"]
    for (method, path), targets in LINKS.items():
        answer = paths[path][method]["responses"]["200"]
        links = answer.setdefault("links", {})
        for (target_method, target_path), link in targets.items():
            target = paths[target_path][target_method]["operationId"]
            links[target] = {"operationId": target, **link}


def exact_bounds(node: Any) -> None:
    """Integral float `minimum`/`maximum` back to integers, 2^63 (the float of 2^63-1) to 2^63-1."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key in ("minimum", "maximum"):
                value = item.get(key)
                if isinstance(value, float) and value.is_integer():
                    item[key] = min(int(value), INT64_MAX)
            stack.extend(item.values())
