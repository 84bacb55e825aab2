"""Walking the API's paged lists: limit/offset pages and cursor pages.

Offset walks stop at the reported total (or, without one, at the first short page) and at an
empty page; cursor walks stop when no new cursor comes back. Neither loops forever on a server
that repeats itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from evalspec.api.failures import ApiServerError

T = TypeVar("T")

# The largest page the API serves (`limit` up to 200 in datalab-api.md): the fewest requests per walk.
MAX_PAGE = 200


@dataclass(frozen=True)
class CursorPage(Generic[T]):
    """One page of a cursor list: its items, the next cursor, and the total it announced."""

    items: Sequence[T]
    cursor: str | None
    total: int | None = None


OffsetFetch = Callable[[int, int], Awaitable[tuple[Sequence[T], int | None]]]
CursorFetch = Callable[[str | None], Awaitable[CursorPage[T]]]


class ListingTruncated(ApiServerError):
    """A paged listing ended before the count it announced."""


async def offset_pages(fetch: OffsetFetch[T], *, limit: int) -> AsyncIterator[T]:
    """Yield every item of a limit/offset list; `fetch(limit, offset)` returns (items, total)."""
    offset = 0
    while True:
        items, total = await fetch(limit, offset)
        for item in items:
            yield item
        offset += len(items)
        if past_last_page(offset, len(items), limit, total) or not items:
            return


def past_last_page(offset: int, page_length: int, limit: int, total: int | None) -> bool:
    """Whether a page of `page_length` items that ended at `offset` was the list's last."""
    # A known total wins: a server may cap `limit` below what we asked for.
    return offset >= total if total is not None else page_length < limit


async def cursor_pages(fetch: CursorFetch[T], what: str = "a listing") -> AsyncIterator[T]:
    """Yield every item of a cursor list; `fetch(cursor)` returns its page.

    A list that ends before the total it announced raises ListingTruncated: a silently short
    file listing would make apply upload and link files again.
    """
    cursor: str | None = None
    seen: set[str] = set()
    count = 0
    while True:
        page = await fetch(cursor)
        cursor, total = page.cursor, page.total
        for item in page.items:
            yield item
        count += len(page.items)
        if not page.items or not cursor or cursor in seen:
            if total is not None and count < total:
                raise ListingTruncated(
                    f"{what} ended after {count} of the {total} items it announced", None,
                    may_have_acted=False,
                )
            return
        seen.add(cursor)


def items_of(body: Any, key: str) -> list[Any]:
    """The list in a page body: under `key`, under `items`, or the body itself if a list."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        found = body.get(key, body.get("items"))
        return found if isinstance(found, list) else []
    return []


def total_of(body: Any) -> int | None:
    """A page's `total`, when it has one."""
    total = body.get("total") if isinstance(body, dict) else None
    return total if isinstance(total, int) else None


def cursor_of(body: Any) -> str | None:
    """The next cursor, under whichever name the server used (the docs do not show it)."""
    if not isinstance(body, dict):
        return None
    for key in ("next_cursor", "cursor", "next"):
        value = body.get(key)
        if value not in (None, ""):
            return str(value)
    return None
