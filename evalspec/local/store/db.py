"""The sqlite database of the local service: one connection, serialised by a lock, WAL mode.

One connection shared under a lock (rather than one per thread) keeps closing simple and exact:
`close()` closes everything, so no connection outlives the service.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, description TEXT,
    archived INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY AUTOINCREMENT, filename TEXT NOT NULL, content_type TEXT,
    token TEXT NOT NULL UNIQUE, sha256 TEXT, size INTEGER, confirmed INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collection_files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, collection_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL, UNIQUE (collection_id, file_id));
CREATE TABLE IF NOT EXISTS rubrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, description TEXT,
    eval_definition TEXT NOT NULL, source TEXT NOT NULL, archived INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL,
    version_history TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, collection_id INTEGER NOT NULL, eval_rubric_id INTEGER,
    pipeline_id TEXT, pipeline_type TEXT NOT NULL, request TEXT NOT NULL,
    eval_definition TEXT NOT NULL, documents TEXT NOT NULL, status TEXT NOT NULL,
    started_at TEXT, completed_at TEXT, total_files INTEGER NOT NULL,
    completed_files INTEGER NOT NULL DEFAULT 0, avg_score REAL, created TEXT NOT NULL,
    error TEXT);
CREATE TABLE IF NOT EXISTS file_results (
    request_id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL, filename TEXT NOT NULL, status TEXT NOT NULL,
    eval_score REAL NOT NULL, eval_results TEXT NOT NULL, created TEXT NOT NULL,
    lookup_key TEXT NOT NULL, UNIQUE (run_id, file_id));
CREATE INDEX IF NOT EXISTS runs_status ON runs (status);
-- A listed file's last score (collections.FILE_COLUMNS) is looked up by file: without this, every
-- listing scanned every result the state holds, so each apply was slower than the one before.
CREATE INDEX IF NOT EXISTS file_results_file ON file_results (file_id, request_id);
CREATE TABLE IF NOT EXISTS inline_blobs (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SQL_VARIABLES = 900  # parameters per statement: sqlite before 3.32 takes at most 999


def read_state_id(path: Path) -> str | None:
    """The state identity kept in the database at `path`, read without opening the service
    (`plan` is offline); None when there is no state there yet."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'state_id'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # a state made before states had an identity: it gets one when next opened
    return None if row is None else str(row[0])


def now() -> str:
    """The current time as an ISO 8601 UTC string."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Database:
    """The service's sqlite file, opened once."""

    def __init__(self, path: Path, durable: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The lock, not sqlite's thread check, is what keeps concurrent use safe.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        # FULL: durable before we answer 200, even across a power loss. NORMAL (in-process use):
        # a commit survives a crash of this process, and costs no fsync.
        self._conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def state_id(self) -> str:
        """This state's identity: made once, at random, and kept with the state it names, so
        that run ids of another state (another machine's, a fresh clone's) are told apart."""
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('state_id', ?)",
                         (secrets.token_hex(8),))
            row = conn.execute("SELECT value FROM meta WHERE key = 'state_id'").fetchone()
        return str(row[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; several statements commit together or not at all."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, params).fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def all_in(self, sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows of `sql`, whose one `IN ({})` takes `values`: a query per SQL_VARIABLES of
        them, not one per value."""
        rows: list[dict[str, Any]] = []
        for start in range(0, len(values), SQL_VARIABLES):
            chunk = values[start:start + SQL_VARIABLES]
            rows += self.all(sql.format(", ".join("?" * len(chunk))), chunk)
        return rows

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement in its own transaction; the new row's id."""
        with self.transaction() as conn:
            return int(conn.execute(sql, params).lastrowid or 0)
