"""The CI files we ship: the composite action and the pre-commit hook, as their consumers read them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from evalspec.cli import cli

ROOT = Path(__file__).parent.parent


def test_action_inputs_and_steps() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {name: inputs[name]["default"] for name in ("paths", "backend", "baseline", "lock")} == {
        "paths": "specs", "backend": "datalab", "baseline": "", "lock": "evalspec.lock",
    }
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    commands = [re.findall(r"evalspec (\w+)", script) for script in scripts]
    assert [c for c in commands if c] == [["apply"], ["report"], ["check"]]
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
