"""Deterministic lockfile dump/load; every write goes through the base layer's atomic write."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from evalspec.base.atomic import write_atomic
from evalspec.base.gcpause import gc_paused
from evalspec.base.validation import validate_model
from evalspec.base.yamlsource import YamlLoadError, load_yaml_text
from evalspec.errors import LockfileError, SpecError
from evalspec.lock import codec
from evalspec.lock.lockfile import LOCK_VERSION, Lockfile

HEADER = (
    # No tool version here: upgrading evalspec must not rewrite every committed lock.
    "# Written by evalspec. Do not edit by hand: `evalspec apply` regenerates it.\n"
    "# Review it like code: each cell's run id, status and scores.\n"
)


def dump_lock(lock: Lockfile) -> str:
    """The lock as YAML text: sorted keys, no write timestamps, so equal locks are equal bytes."""
    return HEADER + codec.emit(lock.model_dump(mode="json"))


def parse_lock(text: str, name: str) -> Lockfile:
    """Parse lock text; a broken lock is a LockfileError naming the file, line and key."""
    with gc_paused():
        fast = _parse_written(text)
        return fast if fast is not None else _parse_lock(text, name)


def _parse_written(text: str) -> Lockfile | None:
    """The lock, if `text` is exactly as evalspec writes it and valid; None means "look closer"."""
    data = codec.parse_emitted(text)
    if data is None or data.get("version") != LOCK_VERSION:
        return None
    try:
        return Lockfile.model_validate(data)
    except ValidationError:
        return None  # the full loader reports where


def _parse_lock(text: str, name: str) -> Lockfile:
    try:
        data, marks = load_yaml_text(text, name, fast=True)
    except YamlLoadError as exc:
        raise LockfileError(f"{exc.diagnostic}") from None
    if isinstance(data, dict) and data.get("version") not in (None, LOCK_VERSION):
        raise LockfileError(
            f"{name}: lock version {data.get('version')!r} is not {LOCK_VERSION}; "
            "it was written by another evalspec version"
        )
    lock, problems = validate_model(Lockfile, data, marks)
    if problems:
        detail = str(SpecError(problems))
        raise LockfileError(f"{detail}\n(the lockfile is written by evalspec; restore it from git)")
    assert isinstance(lock, Lockfile)
    return lock


def read_lock(path: Path) -> Lockfile | None:
    """The lock at `path`, or None when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(f"{path}: cannot read the lockfile: {exc}") from None
    return parse_lock(text, str(path))


def write_lock(path: Path, lock: Lockfile) -> None:
    """Write the lock atomically and durably."""
    write_atomic(path, dump_lock(lock))
