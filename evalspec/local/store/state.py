"""The service's state: the database, the blob store and the repositories over them."""

from __future__ import annotations

from pathlib import Path

from evalspec.local.store.blobs import BlobStore
from evalspec.local.store.collections import CollectionRepo
from evalspec.local.store.db import Database, read_state_id
from evalspec.local.store.files import FileRepo, UploadRules
from evalspec.local.store.outputs import OutputRepo
from evalspec.local.store.pages import PageBook
from evalspec.local.store.rubrics import RubricRepo
from evalspec.local.store.runs import RunRepo

DATABASE_NAME = "state.sqlite3"


def state_id_in(data_dir: Path) -> str | None:
    """The identity of the state kept in `data_dir`, read offline; None when there is none yet."""
    return read_state_id(data_dir / DATABASE_NAME)


class Store:
    """Everything under one data directory: `state.sqlite3` and `blobs/`."""

    def __init__(self, data_dir: Path, uploads: UploadRules | None = None, durable: bool = True) -> None:
        """`durable=False` trades survival of a machine crash for speed (the in-process service
        lives and dies with its client; a crash of that process still loses nothing)."""
        self.db = Database(data_dir / DATABASE_NAME, durable)
        self.blobs = BlobStore(data_dir / "blobs", durable, self.db)
        self.files = FileRepo(self.db, self.blobs, uploads)
        self.collections = CollectionRepo(self.db)
        self.rubrics = RubricRepo(self.db)
        self.runs = RunRepo(self.db)
        self.outputs = OutputRepo(self.db, self.blobs)
        self.pages = PageBook(self.db, self.blobs)
        self.state_id = self.db.state_id()

    def close(self) -> None:
        self.db.close()
