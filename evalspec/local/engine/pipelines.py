"""The pipelines: the standard convert / extract / segment, and registered custom ones.

A custom pipeline is a callable `fn(document, request) -> dict` (the output the checks read:
`markdown`, `extraction`, `segments`, ...). Register one in-process with `register_pipeline`, or
ship it as a Python entry point in the group `evalspec.local_pipelines` whose name is the
pipeline id (e.g. `cp_invoices = mypkg.pipes:invoices`). A callable may carry an
`eval_definition` attribute, used when a run names no rubric.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalspec.local.engine.convert import convert, to_markdown
from evalspec.local.engine.documents import Document
from evalspec.local.engine.extract import extract
from evalspec.local.engine.segment import segment

if TYPE_CHECKING:
    from importlib.metadata import EntryPoints

ENTRY_POINT_GROUP = "evalspec.local_pipelines"


@dataclass(frozen=True)
class PipelineRequest:
    """What a run asks of each file: the start body, parsed."""

    pipeline_type: str
    pipeline_id: str | None
    page_schema: dict[str, Any] | None
    segmentation_schema: dict[str, Any] | None
    output_formats: tuple[str, ...]


PipelineFn = Callable[[Document, PipelineRequest], dict[str, Any]]

_registry: dict[str, PipelineFn] = {}
_lock = threading.Lock()


def register_pipeline(pipeline_id: str, fn: PipelineFn) -> None:
    """Make `pipeline_id` a known custom pipeline of this process."""
    with _lock:
        _registry[pipeline_id] = fn


def unregister_pipeline(pipeline_id: str) -> None:
    """Forget an in-process registration (tests clean up with this)."""
    with _lock:
        _registry.pop(pipeline_id, None)


def entry_points(group: str) -> EntryPoints:
    """The installed entry points of `group`. importlib.metadata loads here, on the first lookup
    of a custom pipeline, not with the engine: a parser worker starts without it."""
    from importlib.metadata import entry_points as installed

    return installed(group=group)


def lookup_pipeline(pipeline_id: str) -> PipelineFn | None:
    """The registered callable, from this process or from an installed entry point."""
    with _lock:
        if pipeline_id in _registry:
            return _registry[pipeline_id]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == pipeline_id:
            fn: PipelineFn = ep.load()
            return fn
    return None


def pipeline_eval_definition(pipeline_id: str) -> dict[str, Any] | None:
    """A custom pipeline's own eval definition, if it carries one."""
    fn = lookup_pipeline(pipeline_id)
    definition = getattr(fn, "eval_definition", None)
    return definition if isinstance(definition, dict) else None


def run_pipeline(doc: Document, request: PipelineRequest) -> dict[str, Any]:
    """The pipeline's output for one document."""
    if request.pipeline_id:
        fn = lookup_pipeline(request.pipeline_id)
        if fn is None:
            raise LookupError(f"pipeline_id {request.pipeline_id!r} is not registered")
        return dict(fn(doc, request))
    if request.pipeline_type == "extract":
        return {"extraction": extract(doc, request.page_schema or {}),
                "markdown": to_markdown(doc)}
    if request.pipeline_type == "segment":
        return {**segment(doc, request.segmentation_schema or {}), "markdown": to_markdown(doc)}
    return convert(doc, request.output_formats)
