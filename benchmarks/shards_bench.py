"""Benchmark: 4 shards of one apply against `evalspec server --rate-limit`, counting the 429s.

Run: python benchmarks/shards_bench.py [--cells 16] [--rate 20/5] [--shards 4]

The shards are one team: the server's rate limit is shared by all of them. With the default
(`settings.rate_limit` is the team's budget and each shard takes 1/N of it) the shards pace
themselves under the server's limit; with each shard given the whole budget (`--rate-limit` on
the command line, the behaviour before shards divided it) they meet 429s and back off. Each
mode runs on a fresh server; the figures are the 429s the server answered (counted by a proxy
in front of it), the requests, and the wall time until every shard converged (exit 0).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from apply_helpers import evalspec_cmd, evalspec_env, run_cli, write_spec  # noqa: E402
from gated_proxy import gated_proxy  # noqa: E402
from local_server import running_server  # noqa: E402


def one_mode(root: Path, cells: int, rate: str, shards: int, divided: bool) -> dict[str, float]:
    specs = write_spec(root, pipelines=cells)
    spec = specs / "spec.yaml"
    spec.write_text(spec.read_text() + f"  rate_limit: {rate}\n")
    with running_server(root / "data", rate_limit=rate) as server, gated_proxy(server.url) as proxy:
        proxy.open()
        env = evalspec_env(root / "state", proxy.url, server.api_key)
        # The managed collection and rubric are made once, by the first cell, so that the shards
        # race for runs and polls only.
        first = run_cli(root, env, "apply", "--backend", "datalab", "--select", "pipeline=p0",
                        "--lock", "seed.lock", timeout=600)
        assert first.returncode == 0, first.stderr
        before, refused = sum(proxy.statuses.values()), proxy.statuses[429]
        started = time.perf_counter()
        own = () if divided else ("--rate-limit", rate)
        procs = [subprocess.Popen(
            evalspec_cmd("apply", "--backend", "datalab", "--shard", f"{i}/{shards}",
                         "--lock", f"shard-{i}.lock", "--poll-interval", "0.5", *own),
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(1, shards + 1)]
        codes = [proc.wait(900) for proc in procs]
        seconds = time.perf_counter() - started
        return {"exit codes": float(max(codes)), "429s": float(proxy.statuses[429] - refused),
                "requests": float(sum(proxy.statuses.values()) - before), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=16)
    parser.add_argument("--rate", default="20/5")
    parser.add_argument("--shards", type=int, default=4)
    args = parser.parse_args()
    print(f"{args.shards} shards x {args.cells} cells in all, server --rate-limit {args.rate}:")
    for divided in (True, False):
        with tempfile.TemporaryDirectory() as tmp:
            figures = one_mode(Path(tmp), args.cells, args.rate, args.shards, divided)
        label = "shards divide the team's budget (default)" if divided else "each shard the whole budget"
        print(f"  {label:<44} max exit {figures['exit codes']:.0f}, {figures['429s']:.0f} x 429, "
              f"{figures['requests']:.0f} requests, {figures['seconds']:.1f} s")


if __name__ == "__main__":
    main()
