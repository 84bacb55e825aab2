"""Lockfile dump/load: deterministic, byte-identical round trips, located errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FIXTURES

from evalspec.base.atomic import write_atomic
from evalspec.errors import LockfileError
from evalspec.lock.io import HEADER, dump_lock, parse_lock, read_lock, write_lock
from evalspec.lock.lockfile import LockCell, Lockfile

GOLDEN = FIXTURES / "golden" / "lock-dump.lock"


def sample_lock() -> Lockfile:
    request = {
        "collection_id": 101, "eval_rubric_id": None, "output_format": "markdown,json",
        "page_schema": "sha256:" + "a" * 64, "pipeline_id": "cp_abc123", "pipeline_type": "extract",
        "segmentation_schema": None,
    }
    cells = {
        "receipts/custom-v2/-": LockCell(
            fingerprint="sha256:" + "1" * 64, request=request, run_id=42, status="completed",
            total_files=3, completed_files=3, avg_score=0.875,
            submitted_at="2026-11-01T10:00:00Z", completed_at="2026-11-01T10:05:00Z",
        ),
        "invoices/md/fields": LockCell(
            fingerprint="sha256:" + "2" * 64, request={**request, "page_schema": None, "pipeline_id": None,
                                                       "pipeline_type": "convert", "eval_rubric_id": 7},
            run_id=None, status=None,
        ),
        "invoices/md/layout[output_format=markdown+html]": LockCell(
            fingerprint="sha256:" + "3" * 64, request={"note": "Übersicht: «quoted» 'and' \"double\""},
            run_id=43, status="running", total_files=10, completed_files=4,
        ),
    }
    return Lockfile(lineage="6d1f0b44-0000-4000-8000-000000000000", serial=0).with_cells(
        cells, gates="sha256:" + "9" * 64,
        gate_rules={
            "floor": {"min_score": 0.8, "where": {"pipeline": "md"}}, "all": {"max_drop": 0.02, "where": {}},
        },
        inputs={
            "collections": {
                "docs": {"digest": "sha256:" + "1" * 64, "files": {"a b.pdf": "sha256:" + "2" * 64}},
            },
            "rubrics": {"words": {
                "digest": "sha256:" + "3" * 64, "file": "specs/rubrics/words.yaml",
                "definition": '{"evaluations":[{"kind":"text_contains","text":"Total: \\"x\\""}]}',
            }},
            "schemas": {"sha256:" + "4" * 64: {"file": "s.json", "json": '{"properties":{}}', "name": "s"}},
        },
    )


def test_dump_matches_the_golden_file() -> None:
    text = dump_lock(sample_lock())
    if os.environ.get("EVALSPEC_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the lock format changed; if intended, regenerate the golden file with "
        "`EVALSPEC_UPDATE_GOLDEN=1 python -m pytest tests/lock/test_lock_io.py` and review its diff"
    )


def test_golden_round_trip_is_byte_identical() -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    lock = parse_lock(text, "golden.lock")
    assert lock == sample_lock()
    assert dump_lock(lock) == text


def test_dump_is_sorted_and_starts_with_the_header() -> None:
    text = dump_lock(sample_lock())
    assert text.startswith(HEADER)
    assert text.index("invoices/md/fields:") < text.index("invoices/md/layout") < text.index("receipts/")
    top = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert top == ["backend", "cells", "gate_rules", "gates", "inputs", "lineage", "serial", "version"]


def test_with_cells_bumps_the_serial_and_sorts() -> None:
    lock = sample_lock()
    assert lock.serial == 1
    assert list(lock.cells) == sorted(lock.cells)
    assert lock.with_cells(dict(lock.cells)).serial == 2


def test_version_check() -> None:
    text = dump_lock(sample_lock()).replace("version: 1", "version: 2")
    line = text.splitlines().index("version: 2") + 1
    with pytest.raises(LockfileError) as info:
        parse_lock(text, "evalspec.lock")
    assert str(info.value) == (
        f"evalspec.lock:{line}:10: version: lock version 2 is not 1; "
        "it was written by another evalspec version"
    )


def test_hand_broken_lock_is_located() -> None:
    text = dump_lock(sample_lock()).replace("run_id: 42", "run_id: forty-two")
    line = text.splitlines().index("    run_id: forty-two") + 1
    with pytest.raises(LockfileError) as info:
        parse_lock(text, "evalspec.lock")
    assert str(info.value).splitlines() == [
        f"evalspec.lock:{line}:13: cells.receipts/custom-v2/-.run_id: Input should be a valid integer, "
        "unable to parse string as an integer",
        "(the lockfile is written by evalspec; restore it from git)",
    ]


def test_unknown_key_in_lock() -> None:
    text = dump_lock(sample_lock()).replace("serial: 1", "serial: 1\nserail: 2")
    with pytest.raises(LockfileError, match=r"evalspec.lock:\d+:1: serail: unknown key 'serail' "
                                            r"\(did you mean 'serial'\?\)"):
        parse_lock(text, "evalspec.lock")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cells: [\n", "evalspec.lock:2:1: invalid YAML: "),
        ("- 1\n", "evalspec.lock:1:1: Input should be a valid dictionary or instance of Lockfile"),
        ("", "evalspec.lock:1:1: the lockfile is empty"),
        ("# only a comment\n\n", "evalspec.lock:1:1: the lockfile is empty"),
        ("version: true\nlineage: x\nserial: 0\n", "evalspec.lock:1:10: version: lock version True is not 1"),
        ("version: 99\nlineage: x\nserial: 0\n", "evalspec.lock:1:10: version: lock version 99 is not 1"),
        ("version: 1\nlineage: a\x00b\nserial: 0\n", "evalspec.lock:2:11: invalid YAML: character #x0000"),
        ("version: 1\nlineage: a\x01b\nserial: 0\n", "evalspec.lock:2:11: invalid YAML: character #x0001"),
        ("a: 1\na: 2\n", "evalspec.lock:2:1: duplicate key 'a' (first defined at line 1)"),
    ],
)
def test_corrupt_lock(text: str, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        parse_lock(text, "evalspec.lock")
    assert str(info.value).startswith(message)


def test_read_missing_lock_is_none(tmp_path: Path) -> None:
    assert read_lock(tmp_path / "evalspec.lock") is None


def test_read_lock_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "evalspec.lock"
    path.write_bytes(b"version: 1\nlineage: \xff\xfe\n")
    with pytest.raises(LockfileError, match=r"evalspec.lock:2:10: file is not valid UTF-8 \(the lockfile"):
        read_lock(path)


def test_write_then_read(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "evalspec.lock"
    write_lock(path, sample_lock())
    assert read_lock(path) == sample_lock()
    assert path.read_text(encoding="utf-8") == dump_lock(sample_lock())
    assert sorted(p.name for p in path.parent.iterdir()) == ["evalspec.lock"]


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "evalspec.lock"
    path.write_text("old\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["evalspec.lock"]  # no temp file left


def test_scores_are_kept_to_six_decimals_so_reruns_do_not_churn() -> None:
    from evalspec.api.shapes import BatchRun
    from evalspec.apply.submit import lock_fields_of
    from evalspec.lock.lockfile import LockCell

    cell = LockCell(fingerprint="f", request={}, avg_score=0.1 + 0.2)  # 0.30000000000000004
    assert cell.avg_score == 0.3
    assert lock_fields_of(BatchRun(id=1, collection_id=1, avg_score=2 / 3))["avg_score"] == 0.666667
    assert "avg_score: 0.3\n" in dump_lock(Lockfile.new().with_cells({"k": cell}))
