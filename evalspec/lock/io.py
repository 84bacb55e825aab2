"""Deterministic lockfile dump/load; every write goes through the base layer's atomic write."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from evalspec.base.atomic import write_atomic
from evalspec.base.gcpause import gc_paused
from evalspec.base.textfile import LocatedError, read_text_file
from evalspec.base.validation import validate_model
from evalspec.base.yamlsource import YamlLoadError, load_yaml_text
from evalspec.errors import Diagnostic, LockfileError, SpecError, shorten
from evalspec.lock import codec
from evalspec.lock.lockfile import LOCK_VERSION, Lockfile

HEADER = (
    # No tool version here: upgrading evalspec must not rewrite every committed lock.
    "# Written by evalspec. Do not edit by hand: `evalspec apply` regenerates it.\n"
    "# Review it like code: each cell's run id, status and scores.\n"
)


def dump_lock(lock: Lockfile) -> str:
    """The lock as YAML text: sorted keys, no write timestamps, so equal locks are equal bytes."""
    data = lock.model_dump(mode="json")
    _drop_unset(data, Lockfile.OPTIONAL_KEYS)
    cells: dict[str, dict[str, object]] = data["cells"]
    for cell in cells.values():
        _drop_unset(cell, Lockfile.OPTIONAL_CELL_KEYS)
        files = cell.get("files")
        if isinstance(files, dict):
            cell["files"] = {name: _evidence_line(f) for name, f in files.items()}
    return HEADER + codec.emit(data)


def _drop_unset(data: dict[str, object], optional: tuple[str, ...]) -> None:
    """Without the optional keys that are unset (see `Lockfile.OPTIONAL_KEYS`)."""
    for key in optional:
        if data.get(key) is None:
            data.pop(key, None)


def _evidence_line(evidence: Mapping[str, object]) -> codec.Flow:
    """A file's evidence on one line, without what is empty (no digest, no failing checks)."""
    return codec.Flow((k, v) for k, v in evidence.items() if (v is not None and v != []) or k == "score")


def parse_lock(text: str, name: str) -> Lockfile:
    """Parse lock text; a broken lock is a LockfileError naming the file, line and key."""
    with gc_paused():
        fast = _parse_written(text)
        if fast is not None:
            return fast
        _refuse_conflict_markers(text, name)
        return _parse_lock(text, name)


CONFLICT_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ", "||||||| ")


def _refuse_conflict_markers(text: str, name: str) -> None:
    """A lock that git merged line by line (two branches both applied) gets the ways out, not
    `invalid YAML`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(CONFLICT_MARKERS) or line == "=======":
            message = (
                "the lockfile holds git conflict markers (two branches both applied). Either take "
                f"one side and evaluate again: `git checkout --ours {Path(name).name} && evalspec apply`; "
                "or let evalspec merge it cell by cell: `git merge --abort`, then "
                "`git config merge.evalspec.driver \"evalspec lock merge-driver %O %A %B\"` with "
                "`evalspec.lock merge=evalspec` in .gitattributes (`evalspec init` writes it), "
                "and merge again"
            )
            raise LockfileError(str(Diagnostic(name, number, 1, "", message)))


def _parse_written(text: str) -> Lockfile | None:
    """The lock, if `text` is exactly as evalspec writes it and valid; None means "look closer"."""
    data = codec.parse_emitted(text)
    if data is None or not _is_our_version(data.get("version")):
        return None
    try:
        return Lockfile.model_validate(data)
    except ValidationError:
        return None  # the full loader reports where


def _is_our_version(version: object) -> bool:
    return not isinstance(version, bool) and version == LOCK_VERSION  # True == 1 in Python


def _parse_lock(text: str, name: str) -> Lockfile:
    try:
        data, marks = load_yaml_text(text, name, fast=True)
    except YamlLoadError as exc:
        raise LockfileError(f"{exc.diagnostic}") from None
    if data is None:
        message = "the lockfile is empty: delete it to start afresh, or restore it from git"
        raise LockfileError(str(Diagnostic(name, 1, 1, "", message)))
    if isinstance(data, dict) and "version" in data and not _is_our_version(data["version"]):
        message = (
            f"lock version {shorten(data['version'])} is not {LOCK_VERSION}; "
            "it was written by another evalspec version"
        )
        raise LockfileError(str(marks.diagnostic(("version",), message)))
    lock, problems = validate_model(Lockfile, data, marks)
    if problems:
        detail = str(SpecError(problems))
        raise LockfileError(f"{detail}\n(the lockfile is written by evalspec; restore it from git)")
    assert isinstance(lock, Lockfile)
    return lock


def read_lock(path: Path) -> Lockfile | None:
    """The lock at `path`, or None when there is none yet."""
    if not path.exists():
        return None
    try:
        text = read_text_file(path, str(path))
    except LocatedError as exc:
        advice = "(the lockfile is written by evalspec; restore it from git)"
        raise LockfileError(f"{exc.diagnostic} {advice}") from None
    return parse_lock(text, str(path))


def write_lock(path: Path, lock: Lockfile) -> None:
    """Write the lock atomically and durably."""
    write_atomic(path, dump_lock(lock))
