"""The GitHub workflow `evalspec init` writes, checked offline: its action reference replaced.

The scaffold cannot name the evalspec action by `OWNER/evalspec@TAG`: evalspec has no published
release, and such a name is one anyone could register (it would run with `contents: write` and
the key). So it writes a placeholder that actionlint rejects (no `@ref`) and that `validate`
turns into an error at its line until it is replaced by a path or a reference you trust.
"""

from __future__ import annotations

from pathlib import Path

from evalspec.errors import Diagnostic

ACTION_PLACEHOLDER = "REPLACE-ME-with-the-evalspec-action"
WORKFLOWS = ".github/workflows"
HOW_TO_REPLACE = (
    "replace it with the evalspec action you trust: a path to a copy of the evalspec repository "
    "in yours (`uses: ./tools/evalspec`) or your fork pinned to a commit "
    "(`uses: YOUR-ORG/evalspec@<commit sha>`)"
)


def placeholder_diagnostics(root: Path) -> list[Diagnostic]:
    """An error per workflow line under `root/.github/workflows` that still holds the placeholder."""
    folder = root / WORKFLOWS
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file()):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue  # not ours to judge: actionlint and GitHub read workflows
        for number, line in enumerate(lines, start=1):
            col = line.find(ACTION_PLACEHOLDER)
            if col >= 0 and not line.lstrip().startswith("#"):
                found.append(Diagnostic(
                    f"{WORKFLOWS}/{path.name}", number, col + 1, "uses",
                    f"the workflow still names the placeholder {ACTION_PLACEHOLDER!r}; {HOW_TO_REPLACE}",
                ))
    return found
