"""The background workers that process batch runs: run threads over a pool of parser processes.

A run thread takes a run id, hands its files to the process pool (a bounded number in flight),
and records their outcomes in batches, one sqlite commit per batch. Progress is durable per
batch, so a run interrupted by a crash or a shutdown is picked up where its last commit left it
when the service starts again on the same data; a file is recorded once per run, however often
it is scored. Custom pipelines are registered in this process, so their runs are scored here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from evalspec.local.engine.convert import parse_output_format
from evalspec.local.engine.filetask import FileOutcome, FileTask, ParseCache, score_task
from evalspec.local.engine.noise import ScoreNoise
from evalspec.local.engine.pipelines import PipelineRequest
from evalspec.local.engine.procpool import FileLimits, ProcessPool
from evalspec.local.engine.procworker import quiet_parsers
from evalspec.local.store.state import Store

log = logging.getLogger(__name__)

BATCH_FILES = 64  # outcomes per commit at most
BATCH_SECONDS = 0.25  # and no outcome waits longer than this for its commit
IN_FLIGHT_PER_RUN = 16  # files of one run handed to the pool at once: bounds memory


class WorkerPool:
    """`workers` run threads taking run ids from a queue, over one process pool.

    `on_finished(run_id)` is called from a run thread once a run's end is committed; `noise`
    perturbs each file's score before it is recorded (`--score-noise`).
    """

    def __init__(self, store: Store, workers: int = 4, file_delay: float = 0.0,
                 limits: FileLimits | None = None, processes: int | None = None,
                 on_finished: Callable[[int], None] | None = None,
                 parsers: ProcessPool | None = None, noise: ScoreNoise | None = None) -> None:
        self.store, self.file_delay, self.noise = store, file_delay, noise
        self.on_finished = on_finished
        # `parsers`: a pool started earlier, which this one now owns (and stops).
        self.parsers = parsers or ProcessPool(limits or FileLimits(), processes)
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"evalspec-worker-{i}",
                                          daemon=True) for i in range(max(1, workers))]

    def start(self) -> None:
        """Start the processes and threads; queue every run left unfinished earlier."""
        quiet_parsers()
        self.parsers.start()
        for run_id in self.store.runs.unfinished():
            self.submit(run_id)
        for thread in self._threads:
            thread.start()

    def submit(self, run_id: int) -> None:
        self._queue.put(run_id)

    def stop(self) -> None:
        """Stop now: workers are killed, files in flight are not recorded and resume later."""
        self._stop.set()
        self.parsers.stop()
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
                finished = self._process(run_id)
            except Exception as exc:  # one broken run must not kill the worker
                log.exception("batch run %s failed", run_id)
                self.store.runs.finish(run_id, "failed", str(exc))
                finished = True
            if finished and self.on_finished is not None:
                self.on_finished(run_id)

    def _process(self, run_id: int) -> bool:
        """Score the run's files not done yet; True once the run is finished."""
        runs = self.store.runs
        spec = runs.internals(run_id)
        runs.mark_running(run_id)
        done = runs.done_file_ids(run_id)
        tasks = (self._task(doc, spec) for doc in spec["documents"] if doc["file_id"] not in done)
        custom = bool(spec["request"].get("pipeline_id"))
        finished = self._score_here(run_id, tasks) if custom else self._score_in_pool(run_id, tasks)
        if finished and not self._stop.is_set():
            runs.finish(run_id)
            return True
        return False

    def _task(self, doc: dict[str, Any], spec: dict[str, Any]) -> FileTask:
        blobs = self.store.blobs
        return FileTask(
            file_id=doc["file_id"], filename=doc["filename"], content_type=doc.get("content_type"),
            sha256=doc["sha256"], source=blobs.source(doc["sha256"]),
            sidecars={suffix: blobs.source(digest) for suffix, digest in doc["sidecars"].items()},
            request=_pipeline_request(spec["request"]), definition=spec["eval_definition"])

    def _paced(self, tasks: Iterator[FileTask]) -> Iterator[FileTask]:
        """The tasks, `file_delay` apart, until the pool stops."""
        for task in tasks:
            if self._stop.is_set() or self._stop.wait(self.file_delay):
                return
            yield task

    def _score_here(self, run_id: int, tasks: Iterator[FileTask]) -> bool:
        cache = ParseCache()
        for task in self._paced(tasks):
            record(self.store, run_id, [self._noisy(run_id, score_task(task, cache))])
        return not self._stop.is_set()

    def _score_in_pool(self, run_id: int, tasks: Iterator[FileTask]) -> bool:
        """Every task through the pool, outcomes committed in batches; False when stopped."""
        outcomes: queue.Queue[FileOutcome | None] = queue.Queue()
        batch = _Batch(self.store, run_id, flush_each=self.file_delay > 0)
        paced, in_flight, complete = self._paced(tasks), 0, True
        # A simulated delay per file (--file-delay) means one file after another, as before.
        most = 1 if self.file_delay > 0 else IN_FLIGHT_PER_RUN
        while True:
            while complete and in_flight < most:
                task = next(paced, None)
                if task is None:
                    break
                self.parsers.submit(task, outcomes.put)
                in_flight += 1
            if in_flight == 0:
                break
            outcome = batch.wait(outcomes)
            if outcome is not _WAITING:
                in_flight -= 1
                complete = complete and outcome is not None
                batch.add(None if outcome is None else self._noisy(run_id, outcome))
        batch.flush()
        return complete and not self._stop.is_set()

    def _noisy(self, run_id: int, outcome: FileOutcome) -> FileOutcome:
        # Here, not in the worker processes: the run id is known only to the run thread.
        return outcome if self.noise is None else self.noise.outcome(run_id, outcome)


_WAITING = object()


def record(store: Store, run_id: int, outcomes: list[FileOutcome]) -> None:
    """Keep the outputs, then record the results: a recorded result never lacks its output."""
    store.outputs.put_many(run_id, [(o.file_id, o.output) for o in outcomes if o.output is not None])
    store.runs.record_many(run_id, outcomes)


class _Batch:
    """Outcomes not yet committed, flushed by size or age."""

    def __init__(self, store: Store, run_id: int, flush_each: bool) -> None:
        self.store, self.run_id, self.flush_each = store, run_id, flush_each
        self.outcomes: list[FileOutcome] = []
        self.since = 0.0

    def wait(self, outcomes: queue.Queue[FileOutcome | None]) -> Any:
        """The next outcome, or `_WAITING` once the batch is due (after flushing it)."""
        if not self.outcomes:
            return outcomes.get()
        try:
            return outcomes.get(timeout=max(0.0, self.since + BATCH_SECONDS - time.monotonic()))
        except queue.Empty:
            self.flush()
            return _WAITING

    def add(self, outcome: FileOutcome | None) -> None:
        if outcome is None:
            return
        if not self.outcomes:
            self.since = time.monotonic()
        self.outcomes.append(outcome)
        if self.flush_each or len(self.outcomes) >= BATCH_FILES:
            self.flush()

    def flush(self) -> None:
        if self.outcomes:
            record(self.store, self.run_id, self.outcomes)
            self.outcomes = []


def _pipeline_request(body: dict[str, Any]) -> PipelineRequest:
    return PipelineRequest(
        pipeline_type=body["pipeline_type"], pipeline_id=body.get("pipeline_id"),
        page_schema=body.get("page_schema_parsed"),
        segmentation_schema=body.get("segmentation_schema_parsed"),
        output_formats=parse_output_format(body.get("output_format")))
