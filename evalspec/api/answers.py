"""Reading answers into the client's models: a shape surprise is a clear remote error, never a crash.

Datalab's docs leave much open, so the models are tolerant (see `shapes.py`); what still does
not fit becomes `ApiShapeError` (exit 3) naming the endpoint and the field. An answer to a
request that may have changed state (a POST) that cannot be read counts as "may have acted",
like a lost answer, so that the executor resolves it by adoption instead of submitting again.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from evalspec.api.failures import ApiServerError
from evalspec.api.paging import items_of, total_of
from evalspec.api.retry import IDEMPOTENT_METHODS
from evalspec.api.sender import Call, Sender, fetch_json

M = TypeVar("M", bound=BaseModel)
_MAX_VALUE = 60


class ApiShapeError(ApiServerError):
    """The service answered, but not in the shape the client reads."""


def endpoint(call: Call) -> str:
    """`METHOD /path` of a call (a presigned URL keeps only its path)."""
    path = call.url.split("?", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return f"{call.method} {path}"


def parse(model: type[M], data: Any, call: Call, where: str = "") -> M:
    """`data` as `model`, or ApiShapeError naming the endpoint and the first field that does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise shape_error(call, exc, where) from None


def shape_error(call: Call, exc: ValidationError, where: str = "") -> ApiShapeError:
    """The error for an answer that does not fit its model."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in (*([where] if where else []), *first["loc"])) or "(the answer)"
    got = repr(first.get("input"))
    got = got if len(got) <= _MAX_VALUE else got[: _MAX_VALUE - 3] + "..."
    acted = call.method.upper() not in IDEMPOTENT_METHODS
    return ApiShapeError(
        f"{endpoint(call)} answered in an unexpected shape: field {field}: {first['msg']} "
        f"(got {got})", None, may_have_acted=acted,
    )


async def fetch_model(sender: Sender, call: Call, model: type[M]) -> M:
    """Send `call` and read its answer as `model`."""
    return parse(model, await fetch_json(sender, call), call)


async def fetch_page(sender: Sender, call: Call, model: type[M], key: str) -> tuple[list[M], int | None, Any]:
    """One page of a list: its items read as `model`, the announced total, and the raw body."""
    body = await fetch_json(sender, call)
    if not isinstance(body, (dict, list)):
        raise ApiShapeError(
            f"{endpoint(call)} answered in an unexpected shape: expected a list under {key!r}, "
            f"got {type(body).__name__}", None, may_have_acted=False,
        )
    items = [parse(model, item, call, f"{key}.{i}") for i, item in enumerate(items_of(body, key))]
    return items, total_of(body), body
