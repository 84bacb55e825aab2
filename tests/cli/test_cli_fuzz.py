"""Fuzzing `validate` and `plan` with mutated sample specs: every outcome is exit 0 or 2, never a
traceback (exit 70) and never a hang.

The sample specs in specs/ (spec files, rubric definitions, JSON schemas) are copied once; each
example mutates one file with YAML's sharp edges (anchors, tags, deep brackets, control
characters, bytes that are not UTF-8, dates, `yes:` keys...), runs one command in-process through
`run_cli` (as the console script does, but fast), and restores the file.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalspec.base.paths
from evalspec.cli import cli, run_cli

TARGETS = (
    "specs/collections.yaml", "specs/matrix.yaml", "specs/pipelines.yaml",
    "specs/rubrics/report-quality.yaml", "schemas/invoice.json",
)
SHARP = [
    "&a ", "*a", "&a [*a]", "<<: *a", "<<: 1", "!!int x", "!!float x", "!!bool maybe", "!!timestamp x",
    "!!binary aGk=", "!!python/object:os.system", "!custom", "[" * 70, "{a: " * 70, "]", "}",
    "\x00", "\x01", "\x85", "\ufeff", "\u2028", "yes", "no:", "2026-01-15", ".inf", ".nan", "-.inf",
    "1e400", "NaN", "Infinity", "~", "null", "true", "0x1F", "'", '"', ": ", "- ", "? ", "#", "|\n",
    ">-\n", "\n", "\n  ", "\t", "%YAML 1.1\n", "---\n", "...\n", "/**", "../", "../../",
    "x" * 300, "é", "\U0001f600", "\\0", "version: 2", "id: true", 'id: "7"', "max_cells: 100000000",
]
BAD_BYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"]


@st.composite
def mutation(draw: st.DrawFn) -> tuple[str, bytes]:
    """One target file and its mutated bytes."""
    target = draw(st.sampled_from(TARGETS))
    data = (REPO_ROOT / target).read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        data = draw(_edit(data))
    return target, data


@st.composite
def _edit(draw: st.DrawFn, data: bytes) -> bytes:
    start = draw(st.integers(0, len(data)))
    end = draw(st.integers(start, min(len(data), start + 40)))
    inserted = draw(st.one_of(
        st.sampled_from(SHARP).map(str.encode),
        st.sampled_from(BAD_BYTES),
        st.text(max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.just(data[start:end] * draw(st.integers(2, 5))),  # repeat: duplicates, long values
        st.just(b""),  # delete
    ))
    return data[:start] + inserted + data[end:]


@contextlib.contextmanager
def inside(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REPO_ROOT / "specs", root / "specs")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    return root


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated=mutation(), command=st.sampled_from(["validate", "plan"]))
def test_a_mutated_spec_is_valid_or_exit_2_never_a_crash(
    sample: Path, mutated: tuple[str, bytes], command: str
) -> None:
    target, data = mutated
    path = sample / target
    original = path.read_bytes()
    path.write_bytes(data)
    stderr = io.StringIO()
    try:
        with inside(sample), contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()), \
                pytest.MonkeyPatch.context() as patch:
            # plan keeps its page counts in the state directory: the sample's own, not the user's
            patch.setattr(evalspec.base.paths, "default_state_dir", lambda: sample / "state")
            code = run_cli(cli, [command, "--lock", "none.lock"] if command == "plan" else [command])
    finally:
        path.write_bytes(original)
    assert code in (0, 2), stderr.getvalue()
    assert "Traceback" not in stderr.getvalue() and "internal error" not in stderr.getvalue()
