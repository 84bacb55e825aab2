"""Collections and their file links."""

from __future__ import annotations

from typing import Any

from evalspec.local.problems import conflict, not_found
from evalspec.local.store.db import Database, now

FILE_COLUMNS = """f.id AS uploaded_file_id, f.filename AS original_filename, f.size AS file_size,
    f.content_type, cf.seq AS sort_order, f.sha256,
    (SELECT r.eval_score FROM file_results r JOIN runs ON runs.id = r.run_id
     WHERE r.file_id = f.id AND runs.collection_id = cf.collection_id
     ORDER BY r.request_id DESC LIMIT 1) AS last_eval_score"""


class CollectionRepo:
    """Rows of `collections` and `collection_files`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, name: str, description: str | None) -> dict[str, Any]:
        stamp = now()
        cid = self.db.write(
            "INSERT INTO collections (name, description, created, updated) VALUES (?, ?, ?, ?)",
            (name, description, stamp, stamp))
        return self.get(cid)

    def get(self, cid: int) -> dict[str, Any]:
        row = self.db.one("SELECT * FROM collections WHERE id = ?", (cid,))
        if row is None:
            raise not_found("collection", cid)
        files = self.files(cid)
        return {**row, "archived": bool(row["archived"]), "file_count": len(files),
                "files": files}

    def page(self, limit: int, offset: int, include_archived: bool) -> tuple[list[Any], int]:
        where = "" if include_archived else "WHERE archived = 0"
        total = int(self.db.scalar(f"SELECT COUNT(*) FROM collections {where}"))
        ids = self.db.all(f"SELECT id FROM collections {where} ORDER BY id LIMIT ? OFFSET ?",
                          (limit, offset))
        return [self.get(r["id"]) for r in ids], total

    def update(self, cid: int, changes: dict[str, Any]) -> dict[str, Any]:
        self.get(cid)
        for column in ("name", "description", "archived"):
            if changes.get(column) is not None:
                self.db.write(f"UPDATE collections SET {column} = ?, updated = ? WHERE id = ?",
                              (changes[column], now(), cid))
        return self.get(cid)

    def files(self, cid: int) -> list[dict[str, Any]]:
        return self.db.all(f"SELECT {FILE_COLUMNS} FROM collection_files cf JOIN files f "
                           "ON f.id = cf.file_id WHERE cf.collection_id = ? ORDER BY cf.seq",
                           (cid,))

    def page_files(self, cid: int, limit: int, cursor: int) -> tuple[list[Any], int]:
        """Files linked after link `cursor` (0 = from the start), and the total."""
        self.get(cid)
        rows = self.db.all(f"SELECT {FILE_COLUMNS} FROM collection_files cf JOIN files f "
                           "ON f.id = cf.file_id WHERE cf.collection_id = ? AND cf.seq > ? "
                           "ORDER BY cf.seq LIMIT ?", (cid, cursor, limit))
        total = self.db.scalar("SELECT COUNT(*) FROM collection_files WHERE collection_id = ?",
                               (cid,))
        return rows, int(total)

    def add_files(self, cid: int, file_ids: list[int]) -> dict[str, Any]:
        self.get(cid)
        stored = {r["id"]: r["sha256"] for r in self.db.all_in(
            "SELECT id, sha256 FROM files WHERE id IN ({})", file_ids)}
        for fid in file_ids:
            if fid not in stored:  # the collection (the URL) exists: 404 would say it does not
                raise conflict(f"uploaded file {fid} not found; upload it first")
            if stored[fid] is None:
                raise conflict(f"uploaded file {fid} has no bytes yet; upload it first")
        with self.db.transaction() as conn:
            for fid in file_ids:
                conn.execute("INSERT OR IGNORE INTO collection_files (collection_id, file_id) "
                             "VALUES (?, ?)", (cid, fid))
            conn.execute("UPDATE collections SET updated = ? WHERE id = ?", (now(), cid))
        return self.get(cid)

    def remove_file(self, cid: int, fid: int) -> None:
        self.get(cid)
        with self.db.transaction() as conn:
            gone = conn.execute("DELETE FROM collection_files WHERE collection_id = ? "
                                "AND file_id = ?", (cid, fid)).rowcount
        if not gone:
            raise not_found(f"file {fid} in collection", cid)
