"""Listing a collection's files: each file's last score is found by index, not by a scan of
every result the state holds (which made every apply slower the more runs the state had)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from evalspec.local.store.collections import FILE_COLUMNS
from evalspec.local.store.db import SCHEMA, Database

LISTING = (f"SELECT {FILE_COLUMNS} FROM collection_files cf JOIN files f ON f.id = cf.file_id "
           "WHERE cf.collection_id = ? AND cf.seq > ? ORDER BY cf.seq LIMIT ?")
INDEX = "CREATE INDEX IF NOT EXISTS file_results_file ON file_results (file_id, request_id);"


def plan_of(db: Database) -> list[str]:
    return [row["detail"] for row in db.all(f"EXPLAIN QUERY PLAN {LISTING}", (1, 0, 10))]


def test_last_score_of_a_listed_file_is_an_index_search(tmp_path: Path) -> None:
    db = Database(tmp_path / "state.sqlite3", durable=False)
    try:
        plan = plan_of(db)
    finally:
        db.close()
    on_results = [step for step in plan if step.split()[1:2] == ["r"]]
    assert on_results == ["SEARCH r USING INDEX file_results_file (file_id=?)"], plan


def test_a_state_made_before_the_index_gets_it_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    assert INDEX in SCHEMA
    old = sqlite3.connect(path)
    old.executescript(SCHEMA.replace(INDEX, ""))
    old.close()
    db = Database(path, durable=False)
    try:
        plan = plan_of(db)
    finally:
        db.close()
    assert "SEARCH r USING INDEX file_results_file (file_id=?)" in plan, plan
