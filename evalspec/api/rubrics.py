"""The eval-rubric endpoints: list, get, update, and create where the backend allows it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from evalspec.api.answers import fetch_model, fetch_page
from evalspec.api.failures import ApiServerError
from evalspec.api.paging import MAX_PAGE, offset_pages
from evalspec.api.sender import Call, Sender
from evalspec.api.shapes import Rubric

RUBRICS = "/api/v1/eval_rubrics"


class Rubrics:
    """`/api/v1/eval_rubrics`."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    def list(
        self, *, include_archived: bool = False, page_size: int = MAX_PAGE
    ) -> AsyncIterator[Rubric]:
        """Every rubric, page by page."""

        async def fetch(limit: int, offset: int) -> tuple[list[Rubric], int | None]:
            params = {"limit": limit, "offset": offset, "include_archived": include_archived}
            call = Call("GET", RUBRICS, "rubrics.list", params=params)
            rubrics, total, _ = await fetch_page(self._sender, call, Rubric, "rubrics")
            return rubrics, total

        return offset_pages(fetch, limit=page_size)

    async def get(self, rubric_id: int) -> Rubric:
        """One rubric, with its eval definition."""
        call = Call("GET", f"{RUBRICS}/{rubric_id}", "rubrics.get")
        return await fetch_model(self._sender, call, Rubric)

    async def update(
        self,
        rubric_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        eval_definition: Mapping[str, Any] | None = None,
        archived: bool | None = None,
    ) -> Rubric:
        """Change the given fields of a rubric; fields left as None are not sent."""
        body: dict[str, Any] = {"name": name, "description": description, "archived": archived}
        if eval_definition is not None:
            body["eval_definition"] = dict(eval_definition)
        body = {key: value for key, value in body.items() if value is not None}
        call = Call("PUT", f"{RUBRICS}/{rubric_id}", "rubrics.update", json=body)
        return await fetch_model(self._sender, call, Rubric)

    async def create(
        self, name: str, description: str | None, eval_definition: Mapping[str, Any]
    ) -> Rubric:
        """Create a rubric through the local backend's extension (Datalab has no such call)."""
        body = {"name": name, "description": description, "eval_definition": dict(eval_definition)}
        call = Call("POST", RUBRICS, "rubrics.create", json=body)
        try:
            return await fetch_model(self._sender, call, Rubric)
        except ApiServerError as exc:
            if exc.status_code not in (404, 405):
                raise
            raise ApiServerError(
                f"this backend has no call that creates a rubric: create rubric {name!r} in Datalab "
                "with the spec's definition (the name ends in a digest of it), then apply again; "
                "or refer to an existing rubric by plain name or id",
                exc.status_code,
                may_have_acted=False,
            ) from exc
