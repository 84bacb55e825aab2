"""A parser worker process says it is ready only once its readers are loaded."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# In a fresh interpreter (this test process may have imported pypdf already): serve on two
# pipes in a thread, and report what is loaded when READY arrives, before any task is sent.
PROBE = textwrap.dedent("""
    import sys, threading
    from multiprocessing.connection import Pipe
    from evalspec.local.engine.procworker import READY, serve_tasks
    task_in, task_out = Pipe(duplex=False)
    outcome_in, outcome_out = Pipe(duplex=False)
    before = "pypdf" in sys.modules
    worker = threading.Thread(target=serve_tasks, args=(task_in, outcome_out))
    worker.start()
    ready = outcome_in.recv()
    print(before, ready == READY, "pypdf" in sys.modules)
    task_out.close()
    worker.join()
""")


def test_a_worker_loads_pypdf_before_it_says_ready() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.split() == ["False", "True", "True"]
