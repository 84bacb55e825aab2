"""The command line: click commands that unpack options and call one function each.

Heavy modules (pydantic, httpx, FastAPI) are imported inside the commands, so that
`evalspec --version` and `--help` start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from evalspec import __version__
from evalspec.base.polling import LOCAL_POLL_FIRST_WAIT, POLL_FIRST_WAIT
from evalspec.errors import EXIT_INVALID_INPUT, EXIT_OK

F = TypeVar("F", bound=Callable[..., Any])

# Options shared by several commands, defined once.
spec_paths = click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...",
)
lock_option = click.option(
    "--lock", "lock_path", type=click.Path(path_type=Path, dir_okay=False),
    default=Path("evalspec.lock"), show_default=True, help="The lockfile.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
select_option = click.option(
    "--select", "selects", multiple=True, metavar="AXIS=NAME",
    help="Only cells whose collection, pipeline or rubric is NAME (repeatable; NAME may be a comma list).",
)
shard_option = click.option(
    "--shard", metavar="I/N", help="Only shard I of N: a stable split of the cells for parallel CI jobs.",
)
backend_option = click.option(
    "--backend", type=click.Choice(["datalab", "local"]), default="datalab", show_default=True,
    help="datalab: the service at DATALAB_BASE_URL with DATALAB_API_KEY; "
    "local: the embedded service, state in .evalspec/local/.",
)
lock_backend_option = click.option(
    "--backend", type=click.Choice(["datalab", "local"]),
    help="datalab (DATALAB_BASE_URL with DATALAB_API_KEY) or local (the embedded service, state in "
    ".evalspec/local/). Default: the backend the lock was applied with, else datalab.",
)
replace_option = click.option(
    "--replace", "replace", multiple=True, metavar="CELL|all",
    help="Evaluate this cell again whatever the lock holds (repeatable; `all`: every selected "
    "cell), e.g. a cell whose run lives in another machine's local state.",
)

baseline_option = click.option(
    "--baseline", metavar="FILE|git:REF",
    help="Compare with this lockfile, or with the lock as committed at a git ref (git:HEAD~1, "
    "git:origin/main); no lock at that ref means every cell is new.",
)


score_noise_option = click.option(
    "--score-noise", type=click.FloatRange(0, 1), metavar="SD",
    help="Rehearse a noisy judge: add Gaussian noise of this sd to each file's score, clipped to "
    "0..1 (local service only; for --backend local also EVALSPEC_SCORE_NOISE).",
)
score_noise_seed_option = click.option(
    "--score-noise-seed", type=int, default=0, show_default=True, metavar="N",
    help="Seed of --score-noise: the same seed on fresh state replays the same scores.",
)


no_fetch_option = click.option(
    "--no-fetch", is_flag=True, help="Use cached per-file results only; never ask the backend.",
)


def _paths(paths: tuple[Path, ...]) -> list[Path]:
    return list(paths) or [Path("specs")]


class _Commands(click.Group):
    """The command group. Standalone (the console script, click's test runner), it exits once,
    with the code the command returned or its error's code (`run_cli` maps both)."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        sys.exit(run_cli(self, args))


@click.group(cls=_Commands,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="evalspec")
def cli() -> None:
    """evalspec: eval-as-code for Datalab document pipelines.

    Keep the evaluation plan in git as YAML specs (PATH defaults to specs/), plan the matrix of
    batch runs, apply it and lock the run ids and scores, then report and gate in CI.

    Exit codes: 0 ok, 1 gates failed, 2 invalid input, 3 remote failure, 4 lock held by another
    evalspec, 5 pending changes (plan --detailed-exitcode), 70 internal error, 130 interrupted.
    """


@cli.command()
@spec_paths
def validate(paths: tuple[Path, ...]) -> int:
    """Load and check the specs and expand the matrix. Never touches the network."""
    from evalspec.commands import validate as command

    return command.run(command.ValidateRequest(_paths(paths)))


@cli.command()
@spec_paths
@lock_option
@json_option
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Save the plan; `apply --plan FILE` runs exactly it, and refuses it once stale.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 5 when there are pending changes, 0 when none.")
@select_option
@shard_option
@click.option("--show-unchanged", is_flag=True, help="List unchanged cells too.")
@click.option("--retry-failed", is_flag=True, help="Plan failed runs for resubmission.")
@click.option("--refresh", is_flag=True,
              help="Look names up on the backend (read-only) so that requests show real ids.")
@lock_backend_option
@replace_option
def plan(paths: tuple[Path, ...], lock_path: Path, as_json: bool, out_file: Path | None,
         detailed_exitcode: bool, selects: tuple[str, ...], shard: str | None,
         show_unchanged: bool, retry_failed: bool, refresh: bool, backend: str | None,
         replace: tuple[str, ...]) -> int:
    """Show what apply would do per cell: create, replace, keep, poll (follow) or remove.

    Offline unless --refresh: collections and rubrics referenced by name are shown as needing
    a lookup, never given a guessed id.
    """
    from evalspec.commands import plan as command

    return command.run(command.PlanRequest(
        _paths(paths), lock_path, as_json=as_json, out_file=out_file,
        detailed_exitcode=detailed_exitcode, selects=selects, shard=shard,
        show_unchanged=show_unchanged, retry_failed=retry_failed, refresh=refresh, backend=backend,
        replace=replace,
    ))


@cli.command()
@spec_paths
@lock_option
@baseline_option
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "junit", "json"]),
              default="markdown", show_default=True, help="Output format.")
@click.option("-o", "--output", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to FILE instead of stdout.")
@click.option("--template", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Render your own jinja2 template (sandboxed; `report` holds the json format's data).")
@lock_backend_option
@no_fetch_option
@select_option
@shard_option
def report(paths: tuple[Path, ...], lock_path: Path, baseline: str | None, fmt: str,
           out_file: Path | None, template: Path | None, backend: str | None, no_fetch: bool,
           selects: tuple[str, ...], shard: str | None) -> int:
    """Render the results: scores, per-cell and per-file deltas against a baseline, gate verdicts.

    Per-file results come from the cache that apply fills; missing ones are fetched from the
    backend. With GITHUB_STEP_SUMMARY set, the markdown report is also appended to the job summary.
    """
    from evalspec.commands import report as command

    return command.run(command.ReportRequest(
        _paths(paths), lock_path, baseline=baseline, fmt=fmt, out_file=out_file,
        template=template, backend=backend, fetch=not no_fetch, selects=selects, shard=shard,
    ))


@cli.command()
@spec_paths
@lock_option
@baseline_option
@select_option
@shard_option
@json_option
def check(paths: tuple[Path, ...], lock_path: Path, baseline: str | None, selects: tuple[str, ...],
          shard: str | None, as_json: bool) -> int:
    """Evaluate the spec's gates on the lock (and baseline): exit 1 when any fails, 0 otherwise."""
    from evalspec.commands import check as command

    return command.run(command.CheckRequest(
        _paths(paths), lock_path, baseline=baseline, selects=selects, shard=shard, as_json=as_json,
    ))


@cli.command()
@click.option("--rubric", is_flag=True,
              help="The schema of managed rubric definition files (the local check kinds) instead; "
              "committed as schemas/rubric.schema.json.")
def schema(rubric: bool) -> int:
    """Print the JSON Schema of the spec format (for editors and CI)."""
    from evalspec.commands import schema as command

    return command.run(command.SchemaRequest(rubric=rubric))


@cli.command()
@spec_paths
@lock_option
@lock_backend_option
@replace_option
@click.option("--plan", "plan_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Apply exactly this plan saved by `plan --out` (refused once stale).")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Follow the runs to the end, or submit and exit.")
@click.option("--retry-failed", is_flag=True, help="Resubmit cells whose runs ended failed.")
@select_option
@shard_option
@click.option("--rate-limit", metavar="N/SECONDS", help="Client-side request budget (default 400/60).")
@click.option("--concurrency", type=click.IntRange(1, 400), help="Submissions in flight (default 8).")
@click.option("--poll-interval", type=click.FloatRange(0.05, 60),
              help=f"First wait between poll rounds, in seconds (default {POLL_FIRST_WAIT:g}; "
              f"{LOCAL_POLL_FIRST_WAIT:g} for --backend local, which also polls the moment a run ends); "
              "later ones grow with the time waited, and while nothing changes.")
@click.option("--timeout", metavar="DURATION",
              help="Stop waiting after DURATION (90, 90s, 45m, 2h; default settings.timeout, else "
              "none): the lock is saved, exit 3, and `evalspec apply` resumes.")
@click.option("--budget", metavar="pages=N,usd=X",
              help="Refuse (exit 2, nothing submitted) a plan above this, for this run "
              "(default settings.budget; `none` lifts it).")
@click.option("--pages-in-flight", type=click.IntRange(1), metavar="N",
              help="Client side: apply schedules its submissions so that the pages of unfinished runs "
              "stay under N (default settings.pages_in_flight, 5000; a --shard takes 1/N of it).")
@click.option("--local-pages-in-flight", type=click.IntRange(1), metavar="N",
              help="Service side, --backend local only: the in-process service plays Datalab's team "
              "page limit, failing files past N pages in flight inside their run (also "
              "EVALSPEC_LOCAL_PAGES_IN_FLIGHT). Rehearses the limit that --pages-in-flight schedules for.")
@score_noise_option
@score_noise_seed_option
def apply(paths: tuple[Path, ...], lock_path: Path, backend: str | None, replace: tuple[str, ...],
          plan_file: Path | None, wait: bool, retry_failed: bool, selects: tuple[str, ...],
          shard: str | None, rate_limit: str | None,
          concurrency: int | None, poll_interval: float | None, timeout: str | None,
          budget: str | None, pages_in_flight: int | None, local_pages_in_flight: int | None,
          score_noise: float | None, score_noise_seed: int) -> int:
    """Submit the planned runs, follow them to the end and write the lock as it goes.

    Safe to interrupt (Ctrl-C) or kill: run it again to resume; no cell is submitted twice.
    A lock is followed on the backend it was applied with; naming another with --backend
    evaluates every cell again there. Exits 3 when runs failed or the service could not be
    reached, 4 when another evalspec holds the lock.
    """
    from evalspec.commands import apply as command
    from evalspec.local.engine.noise import ScoreNoise

    lock_source = click.get_current_context().get_parameter_source("lock_path")
    if shard and lock_source is click.core.ParameterSource.DEFAULT:
        # A shard's lock keeps only its own cells: written over the main lock, it would drop
        # every other shard's cells from it.
        raise click.UsageError(
            "--shard writes a lock holding only its shard's cells: give it its own --lock "
            "(e.g. --lock shard-1.lock), then combine them with `evalspec lock merge`"
        )

    return command.run(command.ApplyRequest(
        paths=_paths(paths), lock_path=lock_path, backend=backend, plan_file=plan_file, wait=wait,
        retry_failed=retry_failed, selects=selects, shard=shard, rate_limit=rate_limit,
        concurrency=concurrency, poll_interval=poll_interval, timeout=timeout, replace=replace,
        budget=budget, pages_in_flight=pages_in_flight, local_pages_in_flight=local_pages_in_flight,
        score_noise=ScoreNoise(score_noise, score_noise_seed) if score_noise else None,
    ))


@cli.command()
@spec_paths
@lock_option
@json_option
@click.option("--refresh", is_flag=True, help="Ask the server about unfinished runs and update the lock.")
@lock_backend_option
@select_option
@shard_option
def status(paths: tuple[Path, ...], lock_path: Path, as_json: bool, refresh: bool, backend: str | None,
           selects: tuple[str, ...], shard: str | None) -> int:
    """Show what the lock holds: each cell's run, status, files and score.

    With specs (PATH, or specs/ when it exists), cells of the spec that the lock does not hold
    yet are listed as not applied. --select and --shard narrow as in `plan`.
    """
    from evalspec.commands import status as command

    given = list(paths) or ([Path("specs")] if Path("specs").is_dir() else [])
    return command.run(command.StatusRequest(
        lock_path, as_json=as_json, refresh=refresh, backend=backend, paths=given,
        specs_optional=not paths, selects=selects, shard=shard,
    ))


@cli.command()
@click.option("--force", is_flag=True, help="Replace files the scaffold would otherwise refuse to overwrite.")
def init(force: bool) -> int:
    """Scaffold evalspec in the current repository: a small working specs/ (a managed collection
    of sample documents with truth, two rubrics, a convert and an extract pipeline, gates), the
    JSON schemas, .gitignore entries for evalspec's state, a GitHub workflow and a pre-commit
    config. Refuses to overwrite an existing file unless --force.
    """
    from evalspec.commands import init as command

    return command.run(command.InitRequest(Path.cwd(), force=force))


@cli.command()
@lock_option
@click.option("--keep", "keeps", multiple=True, metavar="git:REF|FILE",
              help="Also keep what the lock at this git ref (or this lockfile) references "
              "(repeatable), e.g. --keep git:origin/main.")
@click.option("--apply", "apply_", is_flag=True, help="Archive the objects listed (default: a dry run).")
@lock_backend_option
def gc(lock_path: Path, keeps: tuple[str, ...], apply_: bool, backend: str | None) -> int:
    """List managed collections and rubrics that no kept lock references; archive them with --apply.

    Managed objects are content-addressed (name@digest): every change of content makes a new one.
    Kept are those the current lock and each --keep lock record. Objects referenced by id or
    plain name (unmanaged) are never touched. Archiving is a soft delete: runs stay readable.
    """
    from evalspec.commands import gc as command

    return command.run(command.GcRequest(lock_path, keeps, apply=apply_, backend=backend))


@cli.command()
@click.argument("cell")
@click.argument("file", required=False)
@lock_option
@json_option
@baseline_option
@lock_backend_option
@no_fetch_option
def show(cell: str, file: str | None, lock_path: Path, as_json: bool, baseline: str | None,
         backend: str | None, no_fetch: bool) -> int:
    """Show one cell (request, run, score, its files) or one FILE of it (every check with its
    verdict, weight and reason, and the pipeline's output where the backend keeps it).

    CELL is a cell key as the plan and the lock write it, e.g. `invoices/md/fields`.
    """
    from evalspec.commands import show as command

    return command.run(command.ShowRequest(
        cell, file, lock_path, as_json=as_json, baseline=baseline, backend=backend, fetch=not no_fetch,
    ))


@cli.command()
@spec_paths
@backend_option
def doctor(paths: tuple[Path, ...], backend: str) -> int:
    """Probe the backend read-only before the first apply: key, endpoints, answer shapes, score
    scale and status words on existing runs, the server's clock, rate-limit headers.

    Run it first with a Datalab key. Prints a table; exits 0 when evalspec can work with the
    service, 3 when not. PATH (default specs/, if present) gives settings.score_scale.
    """
    from evalspec.commands import doctor as command

    return command.run(command.DoctorRequest(_paths(paths), backend=backend))


@cli.group()
def lock() -> None:
    """Manage lockfiles: create one for shard jobs, merge shard locks."""


@lock.command("init")
@lock_option
def lock_init(lock_path: Path) -> int:
    """Create an empty lock with a fresh lineage."""
    from evalspec.commands import lock as command

    return command.init(command.LockInitRequest(lock_path))


@lock.command("merge")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("evalspec.lock"), show_default=True, help="Where to write the merged lock.")
def lock_merge(inputs: tuple[Path, ...], output: Path) -> int:
    """Merge the locks written by `apply --shard I/N` jobs into one."""
    from evalspec.commands import lock as command

    return command.merge(command.LockMergeRequest(inputs, output))


@lock.command("merge-driver")
@click.argument("base", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("ours", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("theirs", type=click.Path(path_type=Path, dir_okay=False))
def lock_merge_driver(base: Path, ours: Path, theirs: Path) -> int:
    """Git merge driver for evalspec.lock: merge cell by cell against the common ancestor.

    Configure it once per clone with
    `git config merge.evalspec.driver "evalspec lock merge-driver %O %A %B"`, and name it in
    .gitattributes (`evalspec.lock merge=evalspec`; `evalspec init` writes it). A cell changed on
    one side takes that side; one changed on both keeps ours and is evaluated again by the next apply.
    """
    from evalspec.commands import lock as command

    return command.merge_driver(command.MergeDriverRequest(base, ours, theirs))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0 picks a free one).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the service keeps its state (default .evalspec/local).")
@click.option("--api-key", envvar="DATALAB_API_KEY", help="Key clients must send (default: "
              "DATALAB_API_KEY, else a generated key printed once).")
@click.option("--rate-limit", metavar="N/SECONDS", help="Simulate Datalab's rate limit (429 + Retry-After).")
@click.option("--file-delay", type=float, default=0.0, show_default=True,
              help="Extra processing time per file, in seconds.")
@click.option("--file-timeout", type=click.FloatRange(0, min_open=True), default=60.0, show_default=True,
              help="Seconds one file may take; past it the file fails with that reason and the run "
              "goes on (for --backend local: EVALSPEC_FILE_TIMEOUT).")
@score_noise_option
@score_noise_seed_option
@click.option("--pages-in-flight", type=click.IntRange(1), metavar="N",
              help="Simulate Datalab's team page limit: files of a run that would take the pages of "
              "unfinished runs past N fail inside it (\"Page rate limit exceeded ...\", success: false).")
def server(host: str, port: int, data_dir: Path | None, api_key: str | None, rate_limit: str | None,
           file_delay: float, file_timeout: float, score_noise: float | None, score_noise_seed: int,
           pages_in_flight: int | None) -> int:
    """Serve the local Datalab-compatible eval API over HTTP."""
    from evalspec.commands import server as command
    from evalspec.local.http.server import ServerOptions

    return command.run(ServerOptions(host, port, data_dir, api_key, rate_limit, file_delay, file_timeout,
                                     score_noise or 0.0, score_noise_seed, pages_in_flight))


def run_cli(command: click.Command, args: list[str] | None = None) -> int:
    """Run a click command (on `args`, default sys.argv) and map every outcome to an exit code."""
    from evalspec.entry import run_guarded

    def call() -> int:
        try:
            result = command.main(args=args, standalone_mode=False)
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            return EXIT_INVALID_INPUT
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        return result if isinstance(result, int) else EXIT_OK

    return run_guarded(call)


def main() -> None:
    """Entry point: run the CLI, turning expected errors into one message and an exit code."""
    from evalspec.base.gcpause import gc_freeze_until_exit

    gc_freeze_until_exit()
    cli.main()


if __name__ == "__main__":
    main()
