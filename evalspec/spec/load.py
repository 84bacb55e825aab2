"""Loading spec files into one checked `Spec`, reporting every problem at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalspec.base.validation import validate_model
from evalspec.base.yamlsource import Marks, YamlLoadError, load_yaml
from evalspec.errors import Diagnostic, SpecError
from evalspec.spec import files as spec_files
from evalspec.spec.definitions import load_definition, sidecar_problems
from evalspec.spec.references import check_references
from evalspec.spec.schema_models import Gate, Settings, SpecFile
from evalspec.spec.spec import (
    Collection,
    Located,
    MatrixDef,
    PipelineDef,
    Rubric,
    SchemaFile,
    Spec,
)

NAMED_SECTIONS = ("collections", "rubrics", "schemas", "pipelines")


def discover(paths: Sequence[Path]) -> list[Path]:
    """The spec files named by `paths`: files as given, directories' *.yaml / *.yml (not below)."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"}))
        elif path.exists():  # a FIFO or device too: load_yaml refuses it without reading
            found.append(path)
        else:
            problems.append(Diagnostic(str(path), None, None, "", "no such file or directory"))
    if not problems and not found:
        problems.append(Diagnostic(", ".join(map(str, paths)), None, None, "", "no spec files"))
    if problems:
        raise SpecError(problems)
    return found


def load_spec(paths: Sequence[Path], root: Path | None = None) -> Spec:
    """Load, merge and check the spec files under `paths`; raise SpecError listing every problem."""
    loader = _Loader((root or Path.cwd()).resolve())
    for path in discover(paths):
        loader.add_file(path)
    return loader.finish()


def _valid(part: dict[str, Any]) -> bool:
    try:
        SpecFile.model_validate({"version": 1, **part})
    except ValidationError:
        return False
    return True


def display_name(path: Path) -> str:
    """`path` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Diagnostic] = []
        self.notes: list[str] = []  # warnings and notes: shown, never fatal
        self.files: list[str] = []
        self.named: dict[str, dict[str, tuple[Any, Located, Path]]] = {s: {} for s in NAMED_SECTIONS}
        self.matrices: list[MatrixDef] = []
        self.gates: list[Gate] = []
        self.gate_sites: list[Located] = []
        self.settings: tuple[Settings, Located] | None = None
        self.broken: set[str] = set()

    def add_file(self, path: Path) -> None:
        name = display_name(path)
        self.files.append(name)
        try:
            data, marks = load_yaml(path, display_name=name)
        except YamlLoadError as exc:
            self.problems.append(exc.diagnostic)
            return
        if not isinstance(data, dict):
            self.problems.append(marks.diagnostic((), "a spec file must be a mapping"))
            return
        spec_file, problems = validate_model(SpecFile, data, marks)
        self.problems.extend(problems)
        if spec_file is None:
            spec_file = self._salvage(data)
        if spec_file is not None:
            self._merge(spec_file, marks, path)

    def _salvage(self, data: dict[str, Any]) -> SpecFile | None:
        """The parts of an invalid file that are valid on their own, so that the problems of the
        rest of the spec are found in the same run; names whose definition was invalid are kept
        in `broken`, so that their uses are not reported as unknown as well."""
        kept: dict[str, Any] = {"version": data.get("version")}
        for section, value in data.items():
            if section in NAMED_SECTIONS and isinstance(value, dict):
                kept[section] = {n: v for n, v in value.items() if _valid({section: {n: v}})}
                self.broken.update(str(n) for n in value if n not in kept[section])
            elif section != "version" and _valid({section: value}):
                kept[section] = value
        try:
            return SpecFile.model_validate(kept)
        except ValidationError:
            return None

    def _merge(self, spec_file: SpecFile, marks: Marks, path: Path) -> None:
        for section in NAMED_SECTIONS:
            for name, value in getattr(spec_file, section).items():
                self._define(section, name, value, Located(marks, (section, name)), path)
        matrix = spec_file.matrix
        if isinstance(matrix, tuple):
            self.matrices += [MatrixDef(m, Located(marks, ("matrix", i))) for i, m in enumerate(matrix)]
        elif matrix is not None:
            self.matrices.append(MatrixDef(matrix, Located(marks, ("matrix",))))
        self.gates.extend(spec_file.gates)
        self.gate_sites += [Located(marks, ("gates", i)) for i in range(len(spec_file.gates))]
        if spec_file.settings is not None:
            where = Located(marks, ("settings",))
            if self.settings is not None:
                first = self.settings[1]
                self.problems.append(where.diagnostic(f"settings defined again (first at {first})"))
            else:
                self.settings = (spec_file.settings, where)

    def _confident(self, gate: Gate, where: Located, default: float | None) -> Gate:
        """The gate with settings.confidence when it sets none (so the lock records the rule it
        was judged by, and moving the default shows as a moved bar)."""
        if gate.confidence is None and default is not None:
            gate = gate.model_copy(update={"confidence": default})
        if gate.correction is not None and gate.confidence is None:
            self.problems.append(where.diagnostic(
                f"gate {gate.name!r}: correction {gate.correction} needs confidence (on the gate, "
                "or settings.confidence)", "correction"))
        return gate

    def _define(self, section: str, name: str, value: Any, where: Located, path: Path) -> None:
        table = self.named[section]
        if name in table:
            first = table[name][1]
            self.problems.append(where.diagnostic(f"{section[:-1]} {name!r} is also defined at {first}"))
            self.problems.append(first.diagnostic(f"{section[:-1]} {name!r} is defined again at {where}"))
            return
        table[name] = (value, where, path)

    def finish(self) -> Spec:
        settings = self.settings[0] if self.settings else Settings()
        spec = Spec(
            files=tuple(self.files),
            collections=self._collections(),
            rubrics=self._rubrics(),
            schemas=self._schemas(),
            pipelines={n: PipelineDef(n, v, w) for n, (v, w, _) in self.named["pipelines"].items()},
            matrices=tuple(self.matrices),
            gates=tuple(self._confident(gate, where, settings.confidence)
                        for gate, where in zip(self.gates, self.gate_sites, strict=True)),
            settings=settings,
            gate_sites=tuple(self.gate_sites),
            settings_site=self.settings[1] if self.settings else None,
            notes=tuple(self.notes),
        )
        self.problems.extend(check_references(spec, frozenset(self.broken)))
        if self.problems:
            raise SpecError(self.problems)
        return spec

    def _collections(self) -> dict[str, Collection]:
        out: dict[str, Collection] = {}
        for name, (ref, where, path) in self.named["collections"].items():
            files, files_digest = None, None
            if ref.files is not None:
                try:
                    files, files_digest = spec_files.expand_managed_files(path, ref.files, self.root)
                    self._check_sidecars(Collection(name, ref, files, files_digest, where))
                except spec_files.FileProblem as exc:
                    self.problems.append(where.diagnostic(str(exc), "files"))
            out[name] = Collection(name, ref, files, files_digest, where)
        return out

    def _check_sidecars(self, collection: Collection) -> None:
        errors, warnings = sidecar_problems(collection)
        self.problems += errors
        self.notes += warnings

    def _rubrics(self) -> dict[str, Rubric]:
        out: dict[str, Rubric] = {}
        for name, (ref, where, path) in self.named["rubrics"].items():
            definition = self._definition(ref.definition, where, path) if ref.definition else None
            digest = spec_files.canonical_schema(definition)[1] if definition is not None else None
            out[name] = Rubric(name, ref, definition, digest, where)
        return out

    def _definition(self, relative: str, where: Located, path: Path) -> dict[str, Any] | None:
        """A managed rubric's definition, its problems at the rubric file's own lines."""
        try:
            target = spec_files.resolve_inside(path, relative, self.root)
        except spec_files.FileProblem as exc:
            self.problems.append(where.diagnostic(str(exc), "definition"))
            return None
        if not target.is_file():
            # A FIFO or device would block the read (or never end): refused before reading.
            missing = "not a regular file" if target.exists() else "file not found"
            self.problems.append(where.diagnostic(f"{target}: {missing}", "definition"))
            return None
        definition, errors, notes = load_definition(target)
        self.problems += errors
        self.notes += notes
        return definition

    def _schemas(self) -> dict[str, SchemaFile]:
        out: dict[str, SchemaFile] = {}
        for name, (relative, where, path) in self.named["schemas"].items():
            try:
                target = spec_files.resolve_inside(path, relative, self.root)
                text, schema_digest = spec_files.canonical_schema(spec_files.read_json_file(target))
            except spec_files.FileProblem as exc:
                self.problems.append(where.diagnostic(str(exc)))
                self.broken.add(name)  # reported here, at its root: not again where it is used
                continue
            out[name] = SchemaFile(name, target, text, schema_digest, where)
        return out
