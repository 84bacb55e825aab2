"""`status --refresh` records a run as apply does: one poll round and one results reader for both."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import lock_of, write_spec
from datalab_variants import Variant, serving

import evalspec.base.paths
from evalspec.local import LocalService
from evalspec.lock.io import write_lock

KEY = "refresh-key"
Cli = Callable[..., tuple[int, str, str]]


def test_status_refresh_records_a_file_score_error_as_apply_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Cli) -> None:
    specs = write_spec(tmp_path, pipelines=1)
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: tmp_path / "state")
    monkeypatch.setenv("DATALAB_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    lock_path = tmp_path / "evalspec.lock"
    # Files' scores on 0-100 while the run's average is on 0..1: only the per-file check sees it.
    with LocalService(tmp_path / "server", api_key=KEY) as service, \
            serving(Variant(service.app, score_scale=100, scaled=("eval_score",))) as url:
        monkeypatch.setenv("DATALAB_BASE_URL", url)
        code, _, err = run_evalspec("apply", str(specs), "--lock", str(lock_path), "--poll-interval", "0.05")
        assert code == 3 and "eval_score of" in err, err
        applied = lock_of(lock_path)
        (key, cell) = next(iter(applied.cells.items()))
        assert cell.error is not None and "eval_score of" in cell.error and cell.files
        assert cell.avg_score is not None and 0 <= cell.avg_score <= 1
        # The same cell as a crash or `--no-wait` leaves it: submitted, not finished, no evidence.
        unfinished = cell.model_copy(update={"status": "running", "completed_at": None, "completed_files": 0,
                                             "avg_score": None, "error": None, "files": None})
        write_lock(lock_path, applied.with_cells({key: unfinished}))
        code, _, err = run_evalspec("status", "--refresh", "--lock", str(lock_path))
        assert code == 0, err
    assert lock_of(lock_path).cells[key] == cell
