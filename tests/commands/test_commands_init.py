"""`evalspec init` in an empty git repository: a setup that validates, applies offline, and leaves
nothing of evalspec's state for git to pick up."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from apply_helpers import evalspec_env, run_cli

from evalspec.spec.workflows import ACTION_PLACEHOLDER

pytestmark = pytest.mark.slow


def _env(root: Path) -> dict[str, str]:
    env = evalspec_env(root / "unused")
    del env["EVALSPEC_STATE_DIR"]  # the default state dir, .evalspec/ in the repository
    return env


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def _name_the_action(root: Path) -> None:
    """What init tells the user to do before validate passes: name the action the workflow uses."""
    workflow = root / ".github" / "workflows" / "evalspec.yml"
    workflow.write_text(workflow.read_text().replace(ACTION_PLACEHOLDER, "./tools/evalspec"))


def test_init_then_validate_apply_and_git_status(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("node_modules/", encoding="utf-8")  # no final newline
    env = _env(tmp_path)
    assert run_cli(tmp_path, env, "init").returncode == 0
    _name_the_action(tmp_path)
    for args in (("validate",), ("apply", "--backend", "local"), ("check",)):
        done = run_cli(tmp_path, env, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert (tmp_path / ".evalspec").is_dir()  # the local backend's state exists...
    untracked = _git(tmp_path, "status", "--porcelain", "--untracked-files=all").splitlines()
    paths = [line[3:] for line in untracked]
    assert not [p for p in paths if p.startswith(".evalspec/") or p.endswith((".pid", ".journal"))]
    assert "evalspec.lock" in paths and "specs/evalspec.yaml" in paths  # ...but git sees only these
    assert ".github/workflows/evalspec.yml" in paths and ".pre-commit-config.yaml" in paths
    ignored = _git(tmp_path, "check-ignore", "evalspec.lock.pid", "evalspec.lock.journal").split()
    assert ignored == ["evalspec.lock.pid", "evalspec.lock.journal"]
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8").startswith("node_modules/\n# evalspec")


def test_init_refuses_to_overwrite_and_force_replaces(tmp_path: Path) -> None:
    env = _env(tmp_path)
    spec = tmp_path / "specs" / "evalspec.yaml"
    spec.parent.mkdir()
    spec.write_text("mine\n", encoding="utf-8")
    refused = run_cli(tmp_path, env, "init")
    assert refused.returncode == 2
    assert "specs/evalspec.yaml" in refused.stderr and "--force" in refused.stderr
    assert spec.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "schemas").exists()  # nothing written at all
    forced = run_cli(tmp_path, env, "init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "replaced   specs/evalspec.yaml" in forced.stdout
    _name_the_action(tmp_path)
    assert run_cli(tmp_path, env, "validate").returncode == 0
    again = run_cli(tmp_path, env, "init", "--force")
    assert again.returncode == 0
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8").count(".evalspec/") == 1


def test_init_names_the_lock_merge_driver_and_prints_its_one_config_line(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitattributes").write_text("*.pdf binary\n", encoding="utf-8")
    done = run_cli(tmp_path, _env(tmp_path), "init")
    assert done.returncode == 0, done.stderr
    assert 'git config merge.evalspec.driver "evalspec lock merge-driver %O %A %B"' in done.stdout
    attributes = (tmp_path / ".gitattributes").read_text(encoding="utf-8")
    assert attributes.startswith("*.pdf binary\n") and "evalspec.lock merge=evalspec\n" in attributes
    assert _git(tmp_path, "check-attr", "merge", "evalspec.lock").strip() == "evalspec.lock: merge: evalspec"
