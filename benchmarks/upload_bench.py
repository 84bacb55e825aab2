"""Benchmark: a PUT past the upload size limit, against this tree's server and a baseline's.

    python benchmarks/upload_bench.py [--baseline d656e2a] [--mb 210]

For each side, starts `python -m evalspec.local` from that source tree (the baseline is
extracted with `git archive`) on a fresh data directory, asks for an upload URL and PUTs MB
megabytes to it from a streaming client (1 MiB pieces, with a Content-Length, as evalspec's
client sends a file). Prints the answer, the seconds until it came, and how much the server's
peak resident memory (VmHWM) grew. Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-key"
MIB = 1024 * 1024


@contextmanager
def local_server(source: Path, data_dir: Path) -> Iterator[tuple[str, int]]:
    """`python -m evalspec.local` from the tree at `source`; yields its URL and process id."""
    cmd = [sys.executable, "-m", "evalspec.local", "--port", "0", "--data-dir", str(data_dir),
           "--api-key", KEY]
    env = {**os.environ, "PYTHONPATH": str(source)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env, cwd=source)
    try:
        assert proc.stdout is not None
        url = next((m.group(1) for line in proc.stdout
                    if (m := re.search(r"listening on (http://\S+)", line))), None)
        if url is None:
            raise RuntimeError(f"the server from {source} did not start")
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(15)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert found, "no VmHWM in /proc: this benchmark needs Linux"
    return int(found.group(1)) / 1024


def put_oversize(url: str, pid: int, megabytes: int) -> tuple[int, float, float]:
    """(status, seconds to the answer, MB the server's peak memory grew)."""
    with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=300) as client:
        slot = client.post("/api/v1/files/upload", json={"filename": "big.bin"}).json()
        before = peak_rss_mb(pid)
        piece = b"\0" * MIB

        def pieces() -> Iterator[bytes]:
            for _ in range(megabytes):
                yield piece

        start = time.perf_counter()
        try:
            status = httpx.put(slot["upload_url"], content=pieces(), timeout=300,
                               headers={"Content-Length": str(megabytes * MIB)}).status_code
        except httpx.TransportError:
            status = 0  # the connection was dropped before an answer
        return status, time.perf_counter() - start, peak_rss_mb(pid) - before


def extract(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="d656e2a", help="git ref to compare with")
    parser.add_argument("--mb", type=int, default=210, help="megabytes to PUT")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sides = [("this tree", ROOT), (args.baseline, extract(args.baseline, Path(tmp) / "base"))]
        print(f"PUT of {args.mb} MB to an upload URL (limit 200 MB)")
        print(f"{'server':<12} {'answer':>6} {'seconds':>8} {'peak memory growth':>20}")
        for n, (name, source) in enumerate(sides):
            with local_server(source, Path(tmp) / f"data-{n}") as (url, pid):
                status, seconds, grew = put_oversize(url, pid, args.mb)
            print(f"{name:<12} {status:>6} {seconds:>8.2f} {grew:>17.0f} MB")


if __name__ == "__main__":
    main()
