"""`evalspec init`: scaffold a small working setup in the current repository.

The templates are package data under `evalspec/scaffold/files/` (dot-files are stored as
`dot-...` so that no packaging tool drops them). Existing files are never overwritten without
`--force`; `.gitignore` and `.gitattributes` are added to rather than replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from evalspec.base.atomic import write_atomic
from evalspec.commands.schema import schema_text
from evalspec.console import out
from evalspec.errors import EXIT_OK, InputError
from evalspec.spec.workflows import ACTION_PLACEHOLDER

if TYPE_CHECKING:  # a runtime import would warn on newer Pythons (it moved to importlib.resources.abc)
    from importlib.abc import Traversable

RENAMES = {"dot-github": ".github", "pre-commit-config.yaml": ".pre-commit-config.yaml"}
SPEC_SCHEMA = "schemas/evalspec.schema.json"
# evalspec's own state: never to be committed (the lock itself is, beside the specs).
GITIGNORE_ENTRIES = (".evalspec/", "*.lock.pid", "*.lock.journal")
# Two branches that both applied merge their locks cell by cell (`evalspec lock merge-driver`).
GITATTRIBUTES_ENTRIES = ("evalspec.lock merge=evalspec",)
MERGE_DRIVER_CONFIG = 'git config merge.evalspec.driver "evalspec lock merge-driver %O %A %B"'
NEXT_STEPS = (
    "Next: `evalspec plan`, `evalspec apply --backend local` (offline), then commit the specs and "
    "evalspec.lock. In .github/workflows/evalspec.yml, replace `uses: " + ACTION_PLACEHOLDER + "` "
    "(validate fails until you do) with the evalspec action you trust: a path to a copy of the "
    "evalspec repository in yours (`uses: ./tools/evalspec`) or your fork pinned to a commit "
    "(`uses: YOUR-ORG/evalspec@<commit sha>`). Add DATALAB_API_KEY to the repository's secrets, "
    "and EVALSPEC_PUSH_TOKEN (a fine-grained token or GitHub App token with contents: write) so "
    "that the lock commit the workflow pushes starts the required checks."
)


@dataclass(frozen=True)
class InitRequest:
    """The init command's arguments; `root` is the repository to scaffold (the working directory)."""

    root: Path
    force: bool = False


def run(request: InitRequest) -> int:
    """Write the scaffold; refuse (exit 2, naming the files) when any would be overwritten."""
    wanted = dict(scaffold())
    existing = sorted(path for path in wanted if (request.root / path).exists())
    if existing and not request.force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise InputError(
            f"init would overwrite {existing[0]}{more}; nothing was written. "
            "Use --force to replace the scaffold's files."
        )
    for path, data in sorted(wanted.items()):
        target = request.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        out(f"  {'replaced' if path in existing else 'wrote'}   {path}")
    added = add_gitignore_entries(request.root / ".gitignore")
    if added:
        out(f"  ignored  {', '.join(added)} (.gitignore)")
    attributes = request.root / ".gitattributes"
    if add_lines(attributes, GITATTRIBUTES_ENTRIES, "# evalspec: locks merge cell by cell"):
        out("  merged   evalspec.lock by evalspec's merge driver (.gitattributes); in each clone run once:")
        out(f"           {MERGE_DRIVER_CONFIG}")
    out(NEXT_STEPS)
    return EXIT_OK


def scaffold() -> Iterator[tuple[str, str]]:
    """Every file of the scaffold: (path relative to the repository, text)."""
    yield from _walk(files("evalspec").joinpath("scaffold/files"), "")
    yield SPEC_SCHEMA, schema_text()


def _walk(folder: Traversable, prefix: str) -> Iterator[tuple[str, str]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = prefix + RENAMES.get(entry.name, entry.name)
        if entry.is_dir():
            yield from _walk(entry, name + "/")
        else:
            yield name, entry.read_text(encoding="utf-8")


def add_gitignore_entries(path: Path) -> list[str]:
    """Add the entries `.gitignore` lacks (keeping everything it has); the ones added."""
    return add_lines(path, GITIGNORE_ENTRIES, "# evalspec's local state (the lock itself is committed)")


def add_lines(path: Path, entries: tuple[str, ...], comment: str) -> list[str]:
    """Add the lines `path` lacks, under `comment` (keeping everything it has); the ones added."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [entry for entry in entries if entry not in present]
    if missing:
        lead = "" if not text or text.endswith("\n") else "\n"
        write_atomic(path, text + lead + comment + "\n" + "\n".join(missing) + "\n")
    return missing
