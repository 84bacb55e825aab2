"""How the CLI turns outcomes into exit codes and messages (evalspec.entry)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from evalspec.cli import cli, run_cli
from evalspec.errors import Diagnostic, LockHeld, RunsFailed, SpecError, UsageError

# plan counts pages through a cache in the state directory
pytestmark = pytest.mark.usefixtures("state_dir")


def _failing(error: BaseException) -> int:
    @click.command()
    def command() -> None:
        raise error

    return run_cli(command, [])


@pytest.mark.parametrize(
    ("error", "code"),
    [(UsageError("x"), 2), (RunsFailed("x"), 3), (LockHeld("x"), 4), (KeyboardInterrupt(), 130)],
)
def test_expected_errors_map_to_their_exit_codes(error: BaseException, code: int) -> None:
    assert _failing(error) == code


def test_spec_errors_print_one_line_each_and_a_count(capsys: pytest.CaptureFixture[str]) -> None:
    problems = [Diagnostic("a.yaml", 3, 5, "pipelines.md.typ", "unknown key 'typ'"),
                Diagnostic("b.yaml", None, None, "", "no such file or directory")]
    assert _failing(SpecError(problems)) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: a.yaml:3:5: pipelines.md.typ: unknown key 'typ'",
        "error: b.yaml: no such file or directory",
        "2 problems found.",
    ]


def test_an_unexpected_error_saves_its_traceback_and_exits_70(capsys: pytest.CaptureFixture[str]) -> None:
    assert _failing(ZeroDivisionError("boom")) == 70
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "internal error: ZeroDivisionError: boom" in err
    saved = re.search(r"The full traceback is in (\S+);", err)
    assert saved is not None
    text = Path(saved.group(1)).read_text()
    assert "Traceback" in text and "ZeroDivisionError: boom" in text
    Path(saved.group(1)).unlink()


def test_usage_errors_exit_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(cli, ["plan", "--shard"]) == 2
    assert run_cli(cli, ["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "No such command" in err


def test_version_and_help_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(cli, ["--version"]) == 0
    assert run_cli(cli, ["apply", "--help"]) == 0
    assert "resume" in capsys.readouterr().out


def test_a_shard_apply_needs_its_own_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Written over the main lock, a shard's lock would drop every other shard's cells."""
    monkeypatch.chdir(tmp_path)
    assert run_cli(cli, ["apply", "--shard", "1/2", "--backend", "local"]) == 2
    assert "give it its own --lock" in capsys.readouterr().err
    assert not (tmp_path / "evalspec.lock").exists()


def test_shell_completion_as_the_readme_documents_it() -> None:
    # The installed console script, as a shell calls it: click names the variable after it.
    script = Path(sys.executable).parent / "evalspec"
    env = {**os.environ, "_EVALSPEC_COMPLETE": "bash_complete", "COMP_WORDS": "evalspec g", "COMP_CWORD": "1"}
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "plain,gc" in done.stdout.splitlines()


def test_an_unexpected_error_quoting_the_key_is_scrubbed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-'secret'\\part"
    monkeypatch.setenv("DATALAB_API_KEY", key)
    assert _failing(RuntimeError(f"header {key!r} and {key}")) == 70
    err = capsys.readouterr().err
    saved = re.search(r"The full traceback is in (\S+);", err)
    assert saved is not None
    text = Path(saved.group(1)).read_text()
    Path(saved.group(1)).unlink()
    assert 'internal error: RuntimeError: header "***" and ***' in err
    assert "secret" not in err and "secret" not in text and "RuntimeError: header" in text
