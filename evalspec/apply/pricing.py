"""What only the service can tell about cost: custom pipelines' rates, unmanaged collections' pages.

Read-only, for `plan --refresh` and apply. A rate the service does not give stays unknown (no
price is invented); an unmanaged collection's pages are known only when the service lists a
`page_count` for every document in it (Datalab's published file shape has none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from evalspec.api import DatalabClient
from evalspec.base.truth import is_sidecar
from evalspec.plan.cells import Cell
from evalspec.plan.pages import UNKNOWN, CollectionPages
from evalspec.plan.priced import Told
from evalspec.spec.spec import Spec


async def service_rates(client: DatalabClient, pipeline_ids: Iterable[str]) -> dict[str, Decimal]:
    """Cents per 1,000 pages of each custom pipeline whose rate the service publishes."""
    rates = {}
    for pipeline_id in sorted(set(pipeline_ids)):
        answer = await client.pipelines.rate(pipeline_id)
        if answer is not None and answer.cents is not None:
            rates[pipeline_id] = answer.cents
    return rates


async def told_pages(client: DatalabClient, ids: Mapping[str, int]) -> dict[str, CollectionPages]:
    """Pages of each collection (spec name -> server id) as the service lists them."""
    found = {}
    for name, collection_id in sorted(ids.items()):
        counts = [f.page_count async for f in client.collections.list_files(collection_id)
                  if not is_sidecar(f.original_filename)]
        known = [n for n in counts if n is not None]
        found[name] = CollectionPages(tuple(known)) if len(known) == len(counts) else UNKNOWN
    return found


async def what_the_service_tells(
    client: DatalabClient, spec: Spec, cells: Sequence[Cell], known: Mapping[tuple[str, str], int],
) -> Told:
    """Pages of the cells' unmanaged collections whose ids are known (by id, or `known` by
    (request field, server name)), and the rates of their custom pipelines."""
    unmanaged = {}
    for cell in cells:
        collection = spec.collections[cell.collection]
        found = collection.ref.id or known.get(("collection_id", collection.server_name or ""))
        if collection.files is None and found is not None:
            unmanaged[cell.collection] = found
    pipelines = {str(c.request.body["pipeline_id"]) for c in cells if c.request.body.get("pipeline_id")}
    return await told_pages(client, unmanaged), await service_rates(client, pipelines)
