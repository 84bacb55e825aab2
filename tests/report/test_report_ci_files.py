"""The CI files we ship: the composite action and the pre-commit hook, as their consumers read them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalspec.cli import cli
from evalspec.spec.workflows import ACTION_PLACEHOLDER

ROOT = Path(__file__).parents[2]
SCAFFOLD_WORKFLOW = "evalspec/scaffold/files/dot-github/workflows/evalspec.yml"


def test_action_inputs_and_steps() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {name: inputs[name]["default"] for name in ("paths", "backend", "baseline", "lock")} == {
        "paths": "specs", "backend": "", "baseline": "", "lock": "evalspec.lock",
    }  # backend: the lock's own, as for every command
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    commands = [re.findall(r"evalspec (\w+)", script) for script in scripts]
    assert [c for c in commands if c] == [["validate", "plan"], ["apply"], ["report"], ["check"]]
    for step in action["runs"]["steps"]:
        assert "shell" in step or "uses" in step  # composite run steps must name their shell


def test_action_never_pastes_expressions_into_scripts() -> None:
    # `${{ inputs.x }}` inside `run:` is script injection; inputs go through `env:` instead.
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", "")


def test_action_uses_only_real_options() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        for command, flags in re.findall(r"evalspec (\w+)((?:\\\n|[^\n])*)", step.get("run", "")):
            known = {opt for param in cli.commands[command].params for opt in param.opts}
            assert set(re.findall(r"(?<![\w-])--?[a-z][\w-]*", flags)) <= known, command


def test_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "evalspec-validate" and hook["entry"] == "evalspec validate"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("specs/a.yaml") and files.search("b.yml") and files.search("s.json")
    assert not files.search("notes.md")
    assert "validate" in cli.commands


def _action() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def _step(name: str) -> dict[str, Any]:
    (step,) = [s for s in _action()["runs"]["steps"] if s.get("name") == name]
    return step


def test_action_references_only_what_it_declares() -> None:
    action = _action()
    text = (ROOT / "action.yml").read_text()
    ids = {step["id"] for step in action["runs"]["steps"] if "id" in step}
    assert set(re.findall(r"inputs\.([\w-]+)", text)) <= set(action["inputs"])
    assert set(re.findall(r"steps\.([\w-]+)\.outputs", text)) <= ids


def _run_step(name: str, cwd: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run one of the action's bash steps as the runner would, with `env` as its environment."""
    output = cwd / "github-output"
    output.write_text("")
    full = {"PATH": os.environ["PATH"], "HOME": str(cwd), "GITHUB_OUTPUT": str(output),
            "EVALSPEC_ACTION_PATH": str(ROOT), **env}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _step(name)["run"]],
                          cwd=cwd, env=full, capture_output=True, text=True)
    return done, output.read_text()


@pytest.mark.parametrize(("backend", "key", "applies"), [
    ("datalab", "", "false"), ("datalab", "sk-x", "true"), ("local", "", "true"),
])
def test_apply_is_skipped_without_a_key_and_says_so(
    tmp_path: Path, backend: str, key: str, applies: str
) -> None:
    env = {"EVALSPEC_BACKEND": backend, "EVALSPEC_IS_FORK": "true", "DATALAB_API_KEY": key}
    done, output = _run_step("Can apply run here?", tmp_path, env)
    assert done.returncode == 0
    assert f"apply={applies}" in output and "fork=true" in output
    assert ("not evaluated: no key for forks" in done.stdout) == (applies == "false")
    for name in ("evalspec apply", "evalspec check"):  # the steps that need a key are gated on it
        assert "steps.mode.outputs.apply == 'true'" in _step(name)["if"]
    for name in ("Commit the lock to the branch", "Adopt a lock an earlier run could not push"):
        assert "steps.mode.outputs.fork != 'true'" in _step(name)["if"]


def test_a_fork_is_said_to_be_not_evaluated_in_the_job_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"EVALSPEC_BACKEND": "datalab", "EVALSPEC_IS_FORK": "true", "DATALAB_API_KEY": "",
           "GITHUB_STEP_SUMMARY": str(summary), "EVALSPEC_BRANCH": "user/fix"}
    done, output = _run_step("Can apply run here?", tmp_path, env)
    assert done.returncode == 0
    assert summary.read_text().startswith("## evalspec: not evaluated\n\nNot evaluated: no key for forks")
    assert "artifact=evalspec-lock-user-fix" in output  # an artifact name has no `/`
    env["EVALSPEC_IS_FORK"] = "false"
    done, _ = _run_step("Can apply run here?", tmp_path, env)
    assert "not evaluated: no DATALAB_API_KEY" in done.stdout  # the repository's own: a missing secret


def test_the_scaffold_job_names_the_fork_outcome() -> None:
    job = yaml.safe_load((ROOT / SCAFFOLD_WORKFLOW).read_text())["jobs"]["evalspec"]
    assert "'evalspec (not evaluated: no key for forks)'" in job["name"]
    assert "github.event.pull_request.head.repo.full_name != github.repository" in job["name"]


def _git(cwd: Path, *args: str) -> str:
    author = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return subprocess.run(["git", *author, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_the_lock_is_committed_once_and_only_when_changed(tmp_path: Path) -> None:
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    _git(tmp_path, "init", "-q", "--bare", str(remote))
    _git(tmp_path, "clone", "-q", str(remote), str(work))
    _git(work, "checkout", "-q", "-b", "feature")
    (work / "evalspec.lock").write_text("serial: 1\n")
    (work / "notes.txt").write_text("not the lock\n")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "start")
    _git(work, "push", "-q", "origin", "feature")
    env = {"EVALSPEC_LOCK": "evalspec.lock", "EVALSPEC_BRANCH": "feature"}

    done, output = _run_step("Commit the lock to the branch", work, env)
    assert done.returncode == 0, done.stderr
    assert "committed=false" in output

    (work / "evalspec.lock").write_text("serial: 2\n")
    (work / "notes.txt").write_text("changed, but not the action's to commit\n")
    done, output = _run_step("Commit the lock to the branch", work, env)
    assert done.returncode == 0, done.stderr
    assert "committed=true" in output and "pushed=true" in output
    pushed = _git(remote, "log", "--format=%s", "feature").splitlines()
    assert pushed == ["evalspec: update evalspec.lock", "start"]
    assert _git(remote, "show", "--name-only", "--format=", "feature").split() == ["evalspec.lock"]


def test_sticky_comment_finds_its_own_comment_by_a_marker() -> None:
    script = _step("Sticky pull request comment")["run"]
    assert script.count("<!-- evalspec-report -->") == 1
    assert "--method PATCH" in script and "--method POST" in script


def test_scaffold_workflow_uses_the_action_as_declared() -> None:
    workflow = yaml.safe_load((ROOT / SCAFFOLD_WORKFLOW).read_text())
    assert "github.event.pull_request.number" in workflow["concurrency"]["group"]
    steps = workflow["jobs"]["evalspec"]["steps"]
    (uses,) = [s for s in steps if s.get("uses") == ACTION_PLACEHOLDER]
    assert set(uses["with"]) <= set(_action()["inputs"])
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write", "actions": "write"}
    assert "secrets.EVALSPEC_PUSH_TOKEN" in uses["with"]["github-token"]


def test_scaffold_workflow_reconciles_the_default_branch_on_push() -> None:
    workflow = yaml.safe_load((ROOT / SCAFFOLD_WORKFLOW).read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["paths"] == triggers["pull_request"]["paths"]
    assert "github.event.repository.default_branch" in workflow["jobs"]["evalspec"]["if"]
    plan = _step("evalspec validate and plan")
    assert "--detailed-exitcode" in plan["run"] and plan["id"] == "plan"
    assert "steps.plan.outputs.pending == 'true'" in _step("evalspec apply")["if"]
    assert "github.event_name == 'push'" in _step("Commit the lock to the branch")["if"]


@pytest.mark.parametrize(("code", "pending", "fails"),
                         [(0, "false", False), (5, "true", False), (2, "", True)])
def test_the_plan_step_says_whether_the_lock_is_behind(
        tmp_path: Path, code: int, pending: str, fails: bool) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "evalspec"  # the step's own logic, around an evalspec that answers `code`
    fake.write_text(f"#!/bin/sh\n[ \"$1\" = plan ] && exit {code}\nexit 0\n")
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "EVALSPEC_PATHS": "specs",
           "EVALSPEC_LOCK": "x.lock"}
    done, output = _run_step("evalspec validate and plan", tmp_path, env)
    assert (done.returncode != 0) == fails
    assert (f"pending={pending}" in output) == (not fails)


def _run_steps(cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """The action's steps from the mode check to `check`, as the runner runs them; their outputs."""
    outputs: dict[str, str] = {}
    for name in ("Can apply run here?", "evalspec validate and plan", "evalspec apply", "evalspec check"):
        step_env = {k: v.replace("${{ steps.mode.outputs.backend }}", outputs.get("backend", ""))
                    for k, v in _resolved_env(name).items()}
        done, output = _run_step(name, cwd, {**env, **step_env})
        assert done.returncode == 0, (name, done.stdout, done.stderr)
        outputs.update(line.split("=", 1) for line in output.splitlines() if "=" in line)
        if outputs.get("apply") == "false":
            break
    return outputs


def _resolved_env(name: str) -> dict[str, str]:
    """A step's `env` with the action's inputs at their defaults (the workflow `init` writes sets
    none of these) and the fork test false."""
    inputs = {key: str(spec.get("default", "")) for key, spec in _action()["inputs"].items()}
    env = {}
    for key, value in (_step(name).get("env") or {}).items():
        found = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", str(value))
        env[key] = inputs[found.group(1)] if found else ("false" if key == "EVALSPEC_IS_FORK" else str(value))
    return env


@pytest.mark.slow
def test_the_readme_flow_gives_a_green_first_pull_request_with_and_without_a_key(
        tmp_path: Path, local_server: Any) -> None:
    """init, apply --backend local, commit; then the workflow's steps: without a key they follow
    the lock's local backend; with a key for a service they still do (the lock's backend), and
    naming datalab evaluates every cell on that service."""
    from apply_helpers import evalspec_env, run_cli

    _git(tmp_path, "init", "-q")
    env = evalspec_env(tmp_path / "unused")
    del env["EVALSPEC_STATE_DIR"]
    assert run_cli(tmp_path, env, "init").returncode == 0
    workflow = tmp_path / ".github" / "workflows" / "evalspec.yml"
    assert run_cli(tmp_path, env, "validate").returncode == 2  # until the placeholder is replaced
    workflow.write_text(workflow.read_text().replace(ACTION_PLACEHOLDER, "./tools/evalspec"))
    assert run_cli(tmp_path, env, "apply", "--backend", "local").returncode == 0
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "evals")
    lock = (tmp_path / "evalspec.lock").read_text()
    base = {k: v for k, v in env.items() if k in ("PYTHONPATH", "CI")}
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # the `evalspec` script
    without_key = _run_steps(tmp_path, {**base, "DATALAB_API_KEY": ""})
    assert (without_key["backend"], without_key["apply"]) == ("local", "true")
    assert (tmp_path / "evalspec.lock").read_text() == lock  # nothing to do: every cell kept
    keyed = {**base, "DATALAB_API_KEY": "test-key", "DATALAB_BASE_URL": local_server.url}
    assert _run_steps(tmp_path, keyed)["backend"] == "local"
    assert (tmp_path / "evalspec.lock").read_text() == lock
    done = run_cli(tmp_path, {**env, **keyed}, "apply", "--backend", "datalab")
    assert done.returncode == 0, done.stderr
    assert "to replace" in done.stderr
    assert f"backend: {local_server.url}" in (tmp_path / "evalspec.lock").read_text()
    assert run_cli(tmp_path, {**env, **keyed}, "check").returncode == 0
