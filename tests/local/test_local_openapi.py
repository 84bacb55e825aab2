"""The local service's OpenAPI document against its own request rules, in process: a body drawn
from the document (by schemathesis' generator, as the loopback run draws them) is one the service
accepts, but for the one exception schemathesis-baseline.json accepts on purpose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel, ValidationError
from schemathesis.generation import GenerationMode

from evalspec.local import LocalService
from evalspec.local.http import requests

BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", "/api/v1/eval_batch_runs"): requests.StartBatchRunRequest,
    ("POST", "/api/v1/collections"): requests.CreateCollectionRequest,
    ("PUT", "/api/v1/collections/{collection_id}"): requests.UpdateCollectionRequest,
    ("POST", "/api/v1/collections/{collection_id}/files"): requests.AddFilesRequest,
    ("POST", "/api/v1/files/upload"): requests.UploadRequest,
    ("POST", "/api/v1/eval_rubrics"): requests.CreateRubricRequest,
    ("PUT", "/api/v1/eval_rubrics/{rubric_id}"): requests.UpdateRubricRequest,
    ("POST", "/api/v1/eval_rubrics/import_from_pipeline"): requests.ImportFromPipelineRequest,
}
# JSON Schema can only annotate that a string holds JSON, so these are drawn as any string.
JSON_TEXT = ("page_schema is not valid JSON", "segmentation_schema is not valid JSON",
             "must be a JSON object serialised as a string")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with LocalService(tmp_path_factory.mktemp("openapi"), api_key="k") as service:
        return service.app.openapi()


@pytest.mark.parametrize("operation", list(BODIES), ids=" ".join)
def test_a_body_the_document_allows_is_one_the_service_takes(
        document: dict[str, Any], operation: tuple[str, str]) -> None:
    method, path = operation
    found = schemathesis.openapi.from_dict(document)[path][method]
    refused: list[str] = []

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(found.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def draw(case: Any) -> None:
        try:
            BODIES[operation].model_validate(case.body)
        except ValidationError as exc:
            refused.extend(str(error["msg"]) for error in exc.errors())

    draw()
    unexpected = [msg for msg in refused if not any(text in msg for text in JSON_TEXT)]
    assert unexpected == [], unexpected[:5]


def test_every_link_names_an_operation_of_the_document(document: dict[str, Any]) -> None:
    ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    links = [link for ops in document["paths"].values() for op in ops.values()
             for link in op["responses"]["200"].get("links", {}).values()]
    assert len(links) >= 15
    assert {link["operationId"] for link in links} <= ids


def test_the_baseline_named_by_the_config_is_beside_it() -> None:
    root = Path(__file__).parents[2]
    assert 'baseline = "tests/local/schemathesis-baseline.json"' in (root / "schemathesis.toml").read_text()
    assert (root / "tests/local/schemathesis-baseline.json").is_file()
