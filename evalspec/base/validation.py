"""Turning pydantic validation errors into located diagnostics."""

from __future__ import annotations

from typing import Any, get_origin

from pydantic import BaseModel, ValidationError

from evalspec.base.suggest import did_you_mean
from evalspec.base.yamlsource import KeyPath, Marks
from evalspec.errors import Diagnostic, shorten


def validate_model(
    model: type[BaseModel], data: Any, marks: Marks, base: KeyPath = ()
) -> tuple[Any, list[Diagnostic]]:
    """Validate `data` as `model`; on failure return diagnostics located through `marks`."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_diagnostic(error, model, marks, base) for error in exc.errors()]


def _diagnostic(error: Any, model: type[BaseModel], marks: Marks, base: KeyPath) -> Diagnostic:
    path = _yaml_path(error["loc"])
    full = (*base, *path)
    if error["type"] == "extra_forbidden":
        key = str(path[-1]) if path else ""
        allowed = _allowed_keys(model, path[:-1])
        hint = did_you_mean(key, allowed)
        if not hint and allowed:
            hint = f" (allowed: {', '.join(sorted(allowed))})"
        return marks.diagnostic(full, f"unknown key {shorten(key)}{hint}", prefer_key=True)
    if error["type"] == "missing":
        return marks.diagnostic(full[:-1], f"missing required key {full[-1]!r}")
    return marks.diagnostic(full, _message(error))


def _yaml_path(loc: tuple[Any, ...]) -> KeyPath:
    """Drop pydantic's union-branch and validator labels, which are not keys in the YAML."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and not _is_type_label(part)):
            path.append(part)
    return tuple(path)


def _is_type_label(part: str) -> bool:
    return (
        part.startswith(("function-", "tuple[", "list[", "dict[", "literal["))
        or part in {"str", "int", "float", "bool", "none", "Matrix", "CollectionRef", "RubricRef"}
        or "[" in part
    )


def _message(error: Any) -> str:
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")


def _allowed_keys(model: type[BaseModel], path: KeyPath) -> set[str]:
    """The field names of the model that `path` (within `model`) points at, if we can tell."""
    annotation: Any = model
    for part in path:
        if isinstance(part, int):
            continue  # a list element: _inner_model looks through tuple[...] below
        if _is_dict(annotation):
            annotation = _inner_model(annotation)  # `part` is a user-chosen name
            continue
        current = _inner_model(annotation)
        field = current.model_fields.get(part) if current is not None else None
        if field is None:
            return set()
        annotation = field.annotation
    current = _inner_model(annotation)
    return set(current.model_fields) if current is not None else set()


def _is_dict(annotation: Any) -> bool:
    if get_origin(annotation) is dict:
        return True
    return any(_is_dict(arg) for arg in getattr(annotation, "__args__", ()))


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _inner_model(annotation: Any) -> Any:
    """The first BaseModel found inside an annotation like `dict[str, Pipeline] | None`."""
    if _is_model(annotation):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
