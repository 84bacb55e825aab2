"""Accepting a batch run: resolve the rubric and pipeline, snapshot the documents, queue it."""

from __future__ import annotations

from typing import Any

from evalspec.local.engine.evaluate import TRUTH_SUFFIXES, is_sidecar
from evalspec.local.engine.pipelines import lookup_pipeline, pipeline_eval_definition
from evalspec.local.http.requests import StartBatchRunRequest
from evalspec.local.problems import ApiProblem, bad_request, conflict
from evalspec.local.store.pages import refusals
from evalspec.local.store.state import Store


def start_run(store: Store, body: StartBatchRunRequest, pages_in_flight: int | None = None) -> dict[str, Any]:
    """Store the run as `queued` with everything it needs; the caller queues its id. Files past
    `pages_in_flight` fail inside the run, as Datalab's do (see store/pages.py)."""
    collection = store.collections.get(body.collection_id)
    if collection["archived"]:
        raise conflict(f"collection {body.collection_id} is archived")
    if body.pipeline_id and lookup_pipeline(body.pipeline_id) is None:
        raise ApiProblem(404, f"Custom pipeline {body.pipeline_id!r} not found: this local "
                         "service knows only pipelines registered with register_pipeline() or "
                         "the 'evalspec.local_pipelines' entry point group")
    definition = _definition(store, body)
    page_schema, segmentation_schema = body.parsed_schemas()
    request = {**body.model_dump(), "page_schema_parsed": page_schema,
               "segmentation_schema_parsed": segmentation_schema}
    with store.pages.lock:
        docs = store.pages.admit(documents(collection["files"]), pages_in_flight)
        run = store.runs.create(request, definition, docs)
        refused = refusals(docs, pages_in_flight)
        if refused:
            store.runs.record_many(run["id"], refused)
            run = store.runs.get(run["id"])
    return run


def _definition(store: Store, body: StartBatchRunRequest) -> dict[str, Any]:
    if body.eval_rubric_id is not None:
        definition: dict[str, Any] = store.rubrics.get(body.eval_rubric_id)["eval_definition"]
        return definition
    own = pipeline_eval_definition(body.pipeline_id or "")
    if own is None:
        raise bad_request(f"custom pipeline {body.pipeline_id!r} has no eval_definition of its "
                          "own; pass eval_rubric_id")
    return own


def documents(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The collection's documents with the digests of their truth sidecars."""
    by_name = {f["original_filename"]: f for f in files}
    docs = []
    for f in files:
        if is_sidecar(f["original_filename"]):
            continue
        sidecars = {s: by_name[f["original_filename"] + s]["sha256"] for s in TRUTH_SUFFIXES
                    if f["original_filename"] + s in by_name}
        docs.append({"file_id": f["uploaded_file_id"], "filename": f["original_filename"],
                     "content_type": f["content_type"], "sha256": f["sha256"],
                     "sidecars": sidecars})
    return docs
