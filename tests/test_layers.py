"""The house's floor plan, read from the imports: stages import the base and lower stages only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "evalspec"

# Lower stages first; a module may import its own stage and any stage listed before it.
STAGES = ["errors", "base", "spec", "lock", "plan", "api", "backend", "apply", "report", "commands", "entry"]
# The local service is a world of its own: it may import only the base (and the error tree).
LOCAL_MAY_IMPORT = {"base", "errors", "local"}
PRINTING = {"console"}  # the output helpers: commands and the CLI only


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("evalspec.")}


def _modules() -> list[tuple[str, Path]]:
    return [(path.relative_to(PACKAGE.parent).with_suffix("").as_posix().replace("/", "."), path)
            for path in sorted(PACKAGE.rglob("*.py"))]


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_imports_go_downward(module: str, path: Path) -> None:
    stage = _stage(module)
    for imported in _imports(path):
        target = _stage(imported)
        if stage == "local":
            assert target in LOCAL_MAY_IMPORT, f"{module} imports {imported}"
        elif target in PRINTING:
            assert stage in ("commands", "entry", "cli"), f"{module} prints through {imported}"
        elif stage in STAGES and target in STAGES:
            assert STAGES.index(target) <= STAGES.index(stage), f"{module} imports upward: {imported}"


def test_the_engine_never_imports_the_http_face() -> None:
    for path in (PACKAGE / "local" / "engine").glob("*.py"):
        assert not any(name.startswith("evalspec.local.http") for name in _imports(path)), path


def test_the_readers_depend_on_the_shared_blocks_not_on_documents() -> None:
    # documents.py dispatches to the readers; were they to import it back, the two would be one.
    for path in (PACKAGE / "local" / "engine").glob("*_reader.py"):
        assert "evalspec.local.engine.documents" not in _imports(path), path


def test_only_the_http_face_and_the_package_entry_import_the_http_face() -> None:
    # The runtime (service.py, worker.py), store/ and engine/ sit behind the face: http/app.py
    # builds the app over the runtime, so the runtime never reaches back for the app.
    entry = {PACKAGE / "local" / "__init__.py", PACKAGE / "local" / "__main__.py"}
    http = PACKAGE / "local" / "http"
    for path in (PACKAGE / "local").rglob("*.py"):
        if path in entry or http in path.parents:
            continue
        assert not any(name.startswith("evalspec.local.http") for name in _imports(path)), path


def test_nothing_below_the_commands_prints() -> None:
    for module, path in _modules():
        if _stage(module) in ("commands", "cli", "entry", "console") or module.endswith("__main__"):
            continue
        if module.startswith("evalspec.local.http.server"):
            continue  # announces through a callback it is given; checked by name below
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        assert not [c for c in calls if c.func.id == "print"], f"{module} prints"  # type: ignore[attr-defined]
        text = path.read_text(encoding="utf-8")
        assert "sys.stdout" not in text and "sys.stderr" not in text, f"{module} writes to the console"
