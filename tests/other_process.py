"""Run a snippet in fresh interpreters with chosen hash seeds, to show output does not depend on them.

Comparing a function's output with itself in one process cannot catch an order that comes from
set or dict iteration over hashed strings: the hash seed is fixed for the process's life. Fresh
interpreters with different `PYTHONHASHSEED`s can.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).parent.parent
TESTS = Path(__file__).parent
HASH_SEEDS = ("1", "2")


def outputs_under_hash_seeds(code: str, stdin: str = "", seeds: tuple[str, ...] = HASH_SEEDS) -> list[str]:
    """The stdout of `python -c code` (fed `stdin`) under each hash seed; tests/ is importable."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(TESTS)])}
    outputs = []
    for seed in seeds:
        done = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True,
                              env={**env, "PYTHONHASHSEED": seed}, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    return outputs
