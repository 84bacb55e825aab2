"""Pages of the plan, offline: each managed document counted once, cached by its content digest.

A managed collection's pages are its documents' (truth sidecars are never parsed, so never
billed). Counts are kept in `pages.json` in the state directory by sha256, so a plan of 40,000
pages reads no document twice across runs. An unmanaged collection's pages are known only when
the service told them (`plan --refresh`); otherwise they are unknown, never 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from evalspec.base.atomic import write_atomic
from evalspec.base.pages import COUNTING_VERSION, PageCount, count_pages
from evalspec.base.paths import state_file
from evalspec.spec.spec import Collection, ManagedFile, Spec

CACHE_NAME = "pages.json"


@dataclass(frozen=True)
class CollectionPages:
    """Pages of one collection: per document (each is one request, for rounding), or unknown."""

    documents: tuple[int, ...] | None  # None: unknown (an unmanaged collection not refreshed)
    estimated: bool = False

    @property
    def total(self) -> int | None:
        """All its pages, or None when unknown."""
        return None if self.documents is None else sum(self.documents)


UNKNOWN = CollectionPages(None)


class PageCache:
    """Page counts by document sha256, read from and written back to the state directory."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.counts: dict[str, PageCount] = {}
        self.changed = False
        if path is not None and path.is_file():
            self.counts = _read_cache(path)

    def count(self, managed: ManagedFile) -> PageCount:
        """The document's pages, counted from its bytes unless cached."""
        cached = self.counts.get(managed.sha256)
        if cached is None:
            cached = self.counts[managed.sha256] = count_pages(managed.upload_name, managed.path.read_bytes())
            self.changed = True
        return cached

    def save(self) -> None:
        """Write the counts back if any was added (atomically: a crash leaves the old cache)."""
        if self.path is None or not self.changed:
            return
        body = {sha: [c.pages, c.estimated] for sha, c in sorted(self.counts.items())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps({"version": COUNTING_VERSION, "pages": body}) + "\n")
        self.changed = False


def _read_cache(path: Path) -> dict[str, PageCount]:
    """The cached counts; none when the file is of another counting version or unreadable
    (a cache is never a reason to fail a plan)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("version") != COUNTING_VERSION:
            return {}
        return {sha: PageCount(int(n), bool(est)) for sha, (n, est) in body["pages"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def default_cache(state_dir: Path | None) -> PageCache:
    """The cache in the state directory."""
    return PageCache(state_file(CACHE_NAME, state_dir))


def managed_pages(collection: Collection, cache: PageCache) -> CollectionPages:
    """A managed collection's documents' pages (UNKNOWN for an unmanaged one)."""
    if collection.files is None:
        return UNKNOWN
    counts = [cache.count(f) for f in collection.files if not f.is_truth]
    return CollectionPages(tuple(c.pages for c in counts), any(c.estimated for c in counts))


def collection_pages(
    spec: Spec, names: Iterable[str], cache: PageCache, told: Mapping[str, CollectionPages] | None = None,
) -> dict[str, CollectionPages]:
    """Pages of each named collection: counted when managed, as the service `told` otherwise."""
    found = {}
    for name in sorted(set(names)):
        collection = spec.collections[name]
        found[name] = managed_pages(collection, cache) if collection.files is not None else (
            (told or {}).get(name, UNKNOWN))
    cache.save()
    return found
