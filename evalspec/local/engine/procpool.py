"""The process pool that parses and scores files: one worker process per core.

Threads share one GIL, so parsing in threads runs on one core; worker processes use them all.
Each worker is fed by one thread of this process (a lane) that enforces the per-file limits:
a file with no answer within the time limit, or whose worker dies (past its memory bound), is
failed with that reason, and the worker is replaced; the run goes on. Files are routed to a
lane by their content digest, so a document shared by several cells is parsed once, in the one
worker that keeps its parse (`ParseCache`).

Workers start one after another: a worker's imports take a core for a fifth of a second, and
the process that starts the pool is busy with its own start-up meanwhile (imports, uploads);
starting them all at once would slow it down for workers that have no file yet.

Stopping kills the workers at once: a file in flight is not recorded, and its run resumes on
the next start. Workers ignore SIGINT, so a Ctrl-C is handled by the service's process alone.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from evalspec.local.engine.filetask import FileOutcome, FileTask, failed
from evalspec.local.engine.procworker import READY

STARTUP_TIMEOUT = 120.0  # a worker's imports, on a busy machine
DEFAULT_FILE_TIMEOUT = 60.0
STAGGER_LIMIT = 0.5  # seconds a worker waits for the one before it to start, at most
DEFAULT_FILE_MEMORY_MB = 1024

Done = Callable[[FileOutcome | None], None]  # None: stopped before the file was done
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # where `evalspec` is importable from


@dataclass(frozen=True)
class FileLimits:
    """Per-file bounds: seconds for one file, and the address space of a worker (MiB)."""

    timeout: float = DEFAULT_FILE_TIMEOUT
    memory_mb: int = DEFAULT_FILE_MEMORY_MB


@dataclass(frozen=True)
class _Pipes:
    """The two ends this process holds: tasks out, outcomes in."""

    tasks: Connection
    outcomes: Connection

    def send(self, task: FileTask) -> None:
        self.tasks.send(task)

    def poll(self, timeout: float) -> bool:
        return self.outcomes.poll(timeout)

    def recv(self) -> FileOutcome:
        outcome: FileOutcome = self.outcomes.recv()
        return outcome

    def close(self) -> None:
        self.tasks.close()
        self.outcomes.close()


class Lane:
    """One worker process and the thread that feeds it tasks, one at a time."""

    def __init__(self, name: str, limits: FileLimits, after: threading.Event | None = None) -> None:
        self.limits = limits
        self.ready = threading.Event()  # set once its first worker started (or could not)
        self._after = after  # the previous lane's `ready`: its worker starts first
        self.tasks: queue.Queue[tuple[FileTask, Done] | None] = queue.Queue()
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: _Pipes | None = None
        self._stopping = threading.Event()
        self._accepting = threading.Lock()  # no task slips in after the lane has drained
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread; it starts its worker at once, so the worker is warm for the first file."""
        self._thread.start()

    def put(self, task: FileTask, done: Done) -> None:
        """Queue a task; once stopping, it is answered None at once."""
        with self._accepting:
            if not self._stopping.is_set():
                self.tasks.put((task, done))
                return
        done(None)

    def stop(self) -> None:
        """Kill the worker now and end the thread; a task in flight is reported as None."""
        with self._accepting:
            self._stopping.set()
        self.tasks.put(None)
        self._kill()
        if self._thread.is_alive():
            self._thread.join()

    def _spawn(self) -> None:
        to_worker, from_worker = os.pipe(), os.pipe()
        child_fds = (to_worker[0], from_worker[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p)}
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "evalspec.local.engine.procworker", *map(str, child_fds),
                 str(self.limits.memory_mb)],
                pass_fds=child_fds, stdin=subprocess.DEVNULL, env=env)
        finally:
            for fd in child_fds:
                os.close(fd)
        conn = _Pipes(Connection(to_worker[1], readable=False),
                      Connection(from_worker[0], writable=False))
        self._process, self._conn = process, conn  # stop() may kill them from now on
        if not (conn.poll(STARTUP_TIMEOUT) and conn.outcomes.recv() == READY):
            raise OSError("the worker process did not start")

    def _kill(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None:
            process.kill()
            process.wait()
        if conn is not None:
            conn.close()

    def _loop(self) -> None:
        if self._after is not None:
            self._after.wait(STAGGER_LIMIT)
        try:
            if not self._stopping.is_set():
                self._spawn()
        except (EOFError, OSError):  # stopped while starting, or the worker could not start
            self._kill()  # tried again for the first file, which fails with the reason
        finally:
            self.ready.set()
        while True:
            item = self.tasks.get()
            if item is None or self._stopping.is_set():
                if item is not None:
                    item[1](None)
                self._drain()
                self._kill()
                return
            task, done = item
            done(self._run(task))

    def _drain(self) -> None:
        while True:
            try:
                item = self.tasks.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[1](None)

    def _run(self, task: FileTask) -> FileOutcome | None:
        if self._stopping.is_set():
            return None
        try:
            if self._conn is None:
                self._spawn()
            conn = self._conn
            if conn is None or self._stopping.is_set():
                return None
            conn.send(task)
            if conn.poll(self.limits.timeout):
                return conn.recv()
            reason = f"time limit: no result within {self.limits.timeout:g} s"
        except (EOFError, OSError):  # the worker died, or stop() closed its pipe
            reason = (f"the worker process died (memory bound {self.limits.memory_mb} MiB, "
                      "or a crash in a reader)")
        if self._stopping.is_set():
            return None
        self._kill()  # a worker past its limit is replaced; the next task starts a fresh one
        return failed(task, reason)


class ProcessPool:
    """Lanes, one per core by default; `submit` routes a task by its document's digest."""

    def __init__(self, limits: FileLimits, size: int | None = None) -> None:
        count = max(1, size or os.cpu_count() or 1)
        self.limits = limits
        self._lanes: list[Lane] = []
        for i in range(count):
            after = self._lanes[-1].ready if self._lanes else None
            self._lanes.append(Lane(f"evalspec-lane-{i}", limits, after))
        self._started = False

    def start(self) -> None:
        """Start the lanes (once: the local backend starts its pool before FastAPI loads)."""
        if self._started:
            return
        self._started = True
        for lane in self._lanes:
            lane.start()

    def submit(self, task: FileTask, done: Done) -> None:
        """Score `task` in a worker; `done` is called from a lane thread with the outcome."""
        lane = self._lanes[int(task.sha256[:8] or "0", 16) % len(self._lanes)]
        lane.put(task, done)

    def stop(self) -> None:
        """Kill every worker; tasks not done are reported as None (their runs resume later)."""
        for lane in self._lanes:
            lane.stop()
