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


def _paths(paths: tuple[Path, ...]) -> list[Path]:
    return list(paths) or [Path("specs")]


def _finish(code: int) -> None:
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
def validate(paths: tuple[Path, ...]) -> None:
    """Load and check the specs and expand the matrix. Never touches the network."""
    from evalspec.commands import validate as command

    _finish(command.run(_paths(paths)))


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
def plan(paths: tuple[Path, ...], lock_path: Path, as_json: bool, out_file: Path | None,
         detailed_exitcode: bool, selects: tuple[str, ...], shard: str | None,
         show_unchanged: bool, retry_failed: bool) -> None:
    """Show what apply would do per cell: create, replace, keep, poll (follow) or remove.

    Offline: collections and rubrics referenced by name are shown as needing a lookup.
    """
    from evalspec.commands import plan as command

    _finish(command.run(
        _paths(paths), lock_path, as_json=as_json, out_file=out_file,
        detailed_exitcode=detailed_exitcode, selects=selects, shard=shard,
        show_unchanged=show_unchanged, retry_failed=retry_failed,
    ))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the spec format (for editors and CI)."""
    from evalspec.commands import schema as command

    _finish(command.run())


def main() -> None:
    """Entry point: run the CLI, turning expected errors into one message and an exit code."""
    from evalspec.entry import run_cli

    sys.exit(run_cli(cli))


if __name__ == "__main__":
    main()
