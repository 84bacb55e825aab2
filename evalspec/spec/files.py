"""Files that specs point at: JSON schemas, rubric definitions, managed collection documents.

Every path is relative to the spec file that names it, resolved (symlinks too) and refused when
it leaves the root (the working directory): a spec from a pull request must not read
`~/.ssh/id_rsa` into a request body.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path
from typing import Any

from evalspec.base.canonical import canonical_json, digest, file_sha256
from evalspec.spec.spec import ManagedFile

CONTENT_TYPES = {
    ".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html",
    ".md": "text/markdown", ".txt": "text/plain", ".json": "application/json",
}


class FileProblem(Exception):
    """A referenced file is missing, outside the root, or malformed."""


def resolve_inside(spec_file: Path, relative: str, root: Path) -> Path:
    """`relative` resolved against the spec file's directory; must stay inside `root`."""
    target = (spec_file.parent / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise FileProblem(f"{relative} resolves to {target}, outside the working directory {root}")
    return target


def read_json_file(path: Path) -> Any:
    """Parse a JSON file, with the error's line and column."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileProblem(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise FileProblem(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileProblem(f"{path}: cannot read: {exc}") from None


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
    for pattern in patterns:
        # Matches relative to the spec file's directory, as resolve_inside expects them.
        matches = sorted(glob.glob(pattern, root_dir=spec_file.parent, recursive=True))
        if not matches:
            raise FileProblem(f"{pattern}: matches no file")
        for match in matches:
            path = resolve_inside(spec_file, match, root)
            if path.is_file():
                _add_managed(found, path)
    files = tuple(found[name] for name in sorted(found))
    listing = [[f.upload_name, f.sha256] for f in files]
    return files, digest(canonical_json(listing))


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
