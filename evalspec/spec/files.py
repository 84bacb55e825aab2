"""Files that specs point at: JSON schemas, rubric definitions, managed collection documents.

Every path is relative to the spec file that names it, resolved (symlinks too) and refused when
it leaves the root (the working directory): a spec from a pull request must not read
`~/.ssh/id_rsa` into a request body.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evalspec.base.canonical import canonical_json, digest, file_sha256
from evalspec.base.paths import STATE_DIR_ENV
from evalspec.base.textfile import LocatedError, read_text_file
from evalspec.base.yamlsource import MAX_DEPTH
from evalspec.errors import Diagnostic, clip, shorten
from evalspec.spec.spec import ManagedFile, Spec

MAX_JSON_BYTES = 1 << 20
_GLOB_MAGIC = frozenset("*?[")
# What evalspec itself writes: a collection holding one of these would change at every apply
# (and so be replaced at every apply, forever).
_WRITTEN_SUFFIXES = (".lock", ".lock.journal", ".lock.pid")

CONTENT_TYPES = {
    ".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html",
    ".md": "text/markdown", ".txt": "text/plain", ".json": "application/json",
}


class FileProblem(Exception):
    """A referenced file is missing, outside the root, or malformed."""


def resolve_inside(spec_file: Path, relative: str, root: Path) -> Path:
    """`relative` resolved against the spec file's directory; must stay inside `root`."""
    if "\0" in relative:  # Path.resolve would raise ValueError
        raise FileProblem(f"{shorten(relative)}: a path cannot contain a NUL byte")
    return _inside(relative, (spec_file.parent / relative).resolve(), root, root.resolve())


def _inside(relative: str, target: Path, root: Path, real_root: Path) -> Path:
    """`target` (what `relative` resolves to), if it is inside the resolved root."""
    if not target.is_relative_to(real_root):
        raise FileProblem(f"{relative} resolves to {target}, outside the working directory {root}")
    return target


def read_json_file(path: Path) -> Any:
    """Parse a JSON file, with the error's line and column."""
    if not path.exists():
        raise FileProblem(f"{path}: file not found")
    try:
        value = json.loads(
            read_text_file(path, str(path), max_bytes=MAX_JSON_BYTES), parse_constant=_no_constant,
        )
    except LocatedError as exc:
        raise FileProblem(str(exc.diagnostic)) from None
    except json.JSONDecodeError as exc:
        raise FileProblem(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except _NotFinite as exc:
        raise FileProblem(f"{path}: not valid JSON: {exc} (numbers must be finite)") from None
    except RecursionError:  # the json module's own guard against deep nesting
        raise FileProblem(f"{path}: not valid JSON: nested deeper than {MAX_DEPTH} levels") from None
    if _deeper_than(value, MAX_DEPTH):
        raise FileProblem(f"{path}: nested deeper than {MAX_DEPTH} levels")
    return value


class _NotFinite(ValueError):
    """NaN or Infinity: json.loads accepts them, no JSON reader on the other side would."""


def _no_constant(name: str) -> Any:
    raise _NotFinite(name)


def _deeper_than(value: Any, limit: int) -> bool:
    level: list[Any] = [value]
    for _ in range(limit):
        level = [child for item in level for child in _children(item)]
        if not level:
            return False
    return True


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return value if isinstance(value, list) else []


def check_page_schema(path: Path, value: Any) -> None:
    """A page schema is a JSON Schema object with a `properties` mapping."""
    if not isinstance(value, dict) or not isinstance(value.get("properties"), dict):
        raise FileProblem(f"{path}: a page schema must be a JSON Schema object with `properties`")
    if value.get("type", "object") != "object":
        raise FileProblem(f"{path}: a page schema must have `type: object`")


def check_segmentation_schema(path: Path, value: Any) -> None:
    """A segmentation schema lists named sections: `{"sections": [{"name": ...}, ...]}`."""
    sections = value.get("sections") if isinstance(value, dict) else None
    if not isinstance(sections, list) or not sections:
        raise FileProblem(f"{path}: a segmentation schema needs a non-empty `sections` list")
    for i, section in enumerate(sections):
        if not isinstance(section, dict) or not isinstance(section.get("name"), str):
            raise FileProblem(f"{path}: sections[{i}] needs a string `name`")


def canonical_schema(value: Any) -> tuple[str, str]:
    """The compact canonical text of a schema and its digest."""
    text = canonical_json(value)
    return text, digest(text)


def expand_managed_files(
    spec_file: Path, patterns: tuple[str, ...], root: Path
) -> tuple[tuple[ManagedFile, ...], str]:
    """The documents a managed collection lists, sorted by upload name, and their digest."""
    found: dict[str, ManagedFile] = {}
    resolve, written = _MatchResolver(spec_file, root), _WrittenByUs(root)
    for pattern in patterns:
        _check_pattern(spec_file, pattern, root)
        # Matches relative to the spec file's directory, as resolve_inside expects them.
        matches = _glob(spec_file.parent, pattern)
        if not matches:
            raise FileProblem(f"{clip(pattern)}: matches no file")
        for match in matches:
            path = resolve(match)
            written.check(match, path)
            if path.is_file():
                _add_managed(found, path)
    files = tuple(found[name] for name in sorted(found))
    listing = [[f.upload_name, f.sha256] for f in files]
    return files, digest(canonical_json(listing))


def _glob(directory: Path, pattern: str) -> list[str]:
    """The matches of `pattern` below `directory`, relative to it and sorted, by glob's rules
    (wildcards skip hidden names; a final `**` matches everything below) except one: `**` never
    descends into a symlinked directory. glob.glob does, and two links to `..` make its walk
    exponential: a pull request could stall validate forever."""
    parts = Path(pattern).parts
    if parts and parts[-1] == "**":
        pattern = str(Path(pattern, "*"))  # pathlib's `**` alone matches only directories
    try:
        found = [path.relative_to(directory) for path in directory.glob(pattern)]
    except (ValueError, NotImplementedError):  # empty or absolute
        raise FileProblem(f"{shorten(pattern)}: not a pattern relative to the spec file") from None
    return sorted(
        str(path) for path in found if not any(_hidden(part) and part not in parts for part in path.parts)
    )


def _hidden(name: str) -> bool:
    return name.startswith(".") and name not in (".", "..")


def _check_pattern(spec_file: Path, pattern: str, root: Path) -> None:
    """Refuse, before walking, a pattern whose walk would leave the root (`/**`, `../../**`)."""
    parts = Path(pattern).parts
    magic = next((i for i, part in enumerate(parts) if _GLOB_MAGIC & set(part)), len(parts))
    if ".." in parts[magic:]:
        raise FileProblem(f"{clip(pattern)}: `..` after a wildcard could leave the working directory")
    base = (spec_file.parent / Path(*parts[:magic])).resolve()
    if not base.is_relative_to(root.resolve()):
        raise FileProblem(f"{clip(pattern)} searches {base}, outside the working directory {root}")


class _MatchResolver:
    """`resolve_inside` for the many matches of a pattern: each directory is resolved once, and
    a match that is not a symlink is its resolved directory plus its name (what realpath gives)."""

    def __init__(self, spec_file: Path, root: Path) -> None:
        self.spec_file, self.root, self.real_root = spec_file, root, root.resolve()
        self._dirs: dict[Path, Path] = {}

    def __call__(self, match: str) -> Path:
        path = self.spec_file.parent / match
        if path.name in ("", ".", "..") or path.is_symlink():
            return resolve_inside(self.spec_file, match, self.root)
        parent = self._dirs.get(path.parent)
        if parent is None:
            parent = self._dirs[path.parent] = path.parent.resolve()
        return _inside(match, parent / path.name, self.root, self.real_root)


class _WrittenByUs:
    """Refuses matches that evalspec writes itself (the lock, .evalspec/ or the state dir)."""

    def __init__(self, root: Path) -> None:
        self.real_root = root.resolve()
        state_dir = os.environ.get(STATE_DIR_ENV)
        self.state_dir = Path(state_dir).resolve() if state_dir is not None else None

    def check(self, match: str, path: Path) -> None:
        try:
            match.encode("utf-8")
        except UnicodeEncodeError:
            raise FileProblem(f"{shorten(match)}: the file name is not valid UTF-8; rename it") from None
        inside_state = ".evalspec" in path.relative_to(self.real_root).parts or (
            self.state_dir is not None and path.is_relative_to(self.state_dir)
        )
        if inside_state or path.name.endswith(_WRITTEN_SUFFIXES):
            raise FileProblem(
                f"{shorten(match)} is written by evalspec itself (the lockfile or .evalspec/): a "
                "collection holding it would change at every apply; narrow the pattern"
            )


def _add_managed(found: dict[str, ManagedFile], path: Path) -> None:
    # The server knows files by name only, so two documents may not share one.
    sha, size = file_sha256(path)
    name = path.name
    if name in found and found[name].path != path:
        raise FileProblem(f"{found[name].path} and {path} would both be uploaded as {name!r}")
    found[name] = ManagedFile(upload_name=name, path=path, sha256=sha, size=size)


def content_type(name: str) -> str:
    """The content type to declare when uploading `name`."""
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def collections_holding(spec: Spec, paths: Iterable[Path]) -> list[Diagnostic]:
    """A diagnostic, at its `files`, for each managed collection that holds one of `paths`
    (the lockfile and its companions, named only on the command line)."""
    wanted = {path.resolve() for path in paths}
    return [
        collection.where.diagnostic(
            f"{managed.path} is written by evalspec itself (the lockfile or its journal): "
            "a collection holding it would change at every apply; narrow the pattern", "files",
        )
        for collection in spec.collections.values()
        for managed in collection.files or ()
        if managed.path in wanted
    ]
