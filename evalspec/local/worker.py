"""The bounded background worker pool that processes batch runs, one run per worker at a time.

Progress is written to sqlite after every file, so a run interrupted by a crash or a shutdown is
picked up where it stopped when the service starts again on the same data.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from evalspec.local.engine.convert import parse_output_format
from evalspec.local.engine.documents import parse_document
from evalspec.local.engine.evaluate import score_file, truth_from
from evalspec.local.engine.pipelines import PipelineRequest
from evalspec.local.store.state import Store

log = logging.getLogger(__name__)


class WorkerPool:
    """`workers` threads taking run ids from a queue."""

    def __init__(self, store: Store, workers: int = 4, file_delay: float = 0.0) -> None:
        self.store, self.file_delay = store, file_delay
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"evalspec-worker-{i}",
                                          daemon=True) for i in range(max(1, workers))]

    def start(self) -> None:
        """Start the threads and queue every run left unfinished by an earlier process."""
        for run_id in self.store.runs.unfinished():
            self.submit(run_id)
        for thread in self._threads:
            thread.start()

    def submit(self, run_id: int) -> None:
        self._queue.put(run_id)

    def stop(self) -> None:
        """Stop after the current file of each run; unfinished runs resume on the next start."""
        self._stop.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            run_id = self._queue.get()
            if run_id is None:
                return
            try:
                self._process(run_id)
            except Exception as exc:  # one broken run must not kill the worker
                log.exception("batch run %s failed", run_id)
                self.store.runs.finish(run_id, "failed", str(exc))

    def _process(self, run_id: int) -> None:
        runs = self.store.runs
        spec = runs.internals(run_id)
        request = _pipeline_request(spec["request"])
        runs.mark_running(run_id)
        done = runs.done_file_ids(run_id)
        for doc in spec["documents"]:
            if doc["file_id"] in done:
                continue
            if self._stop.is_set() or self._stop.wait(self.file_delay):
                return  # left "running": the next start resumes it
            self._process_file(run_id, doc, request, spec["eval_definition"])
        runs.finish(run_id)

    def _process_file(self, run_id: int, doc: dict[str, Any], request: PipelineRequest,
                      definition: dict[str, Any]) -> None:
        try:
            data = self.store.blobs.get(doc["sha256"])
            parsed = parse_document(doc["filename"], data, doc.get("content_type"))
            sidecars = {k: self.store.blobs.get(v) for k, v in doc["sidecars"].items()}
            scored = score_file(parsed, request, definition, truth_from(sidecars))
            self.store.outputs.put(run_id, doc["file_id"], scored.output)
            status, score, results = "completed", scored.score, scored.results
        except Exception as exc:  # a bad file is a failed file, never a failed run
            status, score, results = "failed", 0.0, {"error": f"{type(exc).__name__}: {exc}",
                                                     "checks": []}
        self.store.runs.record(run_id, doc["file_id"], doc["filename"], status, score, results)


def _pipeline_request(body: dict[str, Any]) -> PipelineRequest:
    return PipelineRequest(
        pipeline_type=body["pipeline_type"], pipeline_id=body.get("pipeline_id"),
        page_schema=body.get("page_schema_parsed"),
        segmentation_schema=body.get("segmentation_schema_parsed"),
        output_formats=parse_output_format(body.get("output_format")))
