"""The baseline a report compares with: a lockfile path, or the lock as committed at a git ref."""

from __future__ import annotations

import subprocess
from pathlib import Path

from evalspec.errors import InputError
from evalspec.lock.io import parse_lock, read_lock
from evalspec.lock.lockfile import Lockfile

GIT_PREFIX = "git:"


def load_baseline(text: str, lock_path: Path) -> Lockfile | None:
    """The baseline lock `text` names; None when `git:REF` has no lock at that ref (an empty baseline)."""
    if text.startswith(GIT_PREFIX):
        return lock_at_ref(text[len(GIT_PREFIX):], lock_path)
    lock = read_lock(Path(text))
    if lock is None:
        raise InputError(f"--baseline {text}: no such lockfile")
    return lock


def lock_at_ref(ref: str, lock_path: Path) -> Lockfile | None:
    """The lock at `lock_path` as committed at `ref`, or None when that commit has no such file."""
    if not ref or ref.startswith("-"):  # a leading dash would be read by git as an option
        raise InputError(f"--baseline git:{ref}: expected a git ref, e.g. git:HEAD~1 or git:origin/main")
    directory = lock_path.resolve().parent
    not_repo = f"{directory} is not in a git repository"
    root = Path(_git(directory, "rev-parse", "--show-toplevel", what=not_repo))
    relative = _relative(lock_path.resolve(), root.resolve())
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=f"git:{ref} names no commit")
    spec = f"{ref}:{relative}"
    if subprocess.run(["git", "cat-file", "-e", spec], cwd=root, capture_output=True).returncode != 0:
        return None  # the lock did not exist yet at that commit: everything is new
    return parse_lock(_git(root, "show", spec, what=f"cannot read {spec}", strip=False), f"git:{spec}")


def head_commit(lock_path: Path) -> str | None:
    """The commit checked out where the lock lives (shown in reports), or None outside git."""
    try:
        done = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=lock_path.resolve().parent,
                              capture_output=True, text=True)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise InputError(f"the lockfile {path} is outside the git repository at {root}") from None


def _git(cwd: Path, *args: str, what: str, strip: bool = True) -> str:
    """Run git; on failure an InputError that says `what` and git's own words."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError:
        raise InputError("--baseline git:...: git is not installed (or not on PATH)") from None
    except NotADirectoryError:
        raise InputError(f"--baseline git:...: {what}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"--baseline: {what}" + (f" ({detail[-1]})" if detail else ""))
    text = done.stdout.decode("utf-8", "replace")
    return text.strip() if strip else text
