"""A fast writer and reader for the YAML subset the lockfile is written in.

PyYAML takes seconds to dump or load a lock of 10,000 cells (2.5 s and 3.7 s even with
libyaml), and apply rewrites the lock at every checkpoint. The lock is a tree of mappings with
scalar leaves, so it is written here directly: keys sorted, block style, a string plain when
YAML would read it back as that same string and JSON-quoted otherwise (JSON strings are valid
YAML double-quoted scalars). `parse_emitted` reads exactly that subset back and answers None
for anything else (a hand edit, a comment, a flow sequence), so that the caller falls back on
the full YAML loader, which also gives the located error messages.

A `Flow` mapping (a file's evidence) is written on one line, `{"failing":["x"],"score":0.5}`:
compact JSON with sorted keys, which YAML reads as the same mapping, so that a pull request diff
names the file whose line moved. 200,000 of them make a lock of 10,000 cells, so they are
written and read by orjson; the few values on which JSON and YAML 1.1 part ways (a float that
JSON writes with an exponent, `1e-6`, which YAML reads as a string; a character YAML refuses or
reads as a line break) are written in YAML's own spelling (`1.0e-06`, `\u2028`), and a line
that holds them unescaped is left to the full loader.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping

import yaml

from evalspec.base import jsontext

INDENT = "  "
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+\-=\[\],:@]*\Z")
_INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+(e[-+][0-9]+)?\Z")
# Characters to escape inside quotes: those YAML refuses, and those it reads as line breaks or
# a byte order mark (and that str.splitlines would split on).
_NON_PRINTABLE = re.compile(
    yaml.reader.Reader.NON_PRINTABLE.pattern + "|[\x85\u2028\u2029\ufeff]"
)
_LINE = re.compile(r'( *)("(?:[^"\\]|\\.)*"|[^ :"#][^ ]*?):(?: (.+))?\Z')


@functools.lru_cache(maxsize=1 << 16)  # field names and statuses repeat on every cell
def _is_plain_string(value: str) -> bool:
    """Whether YAML reads `value`, unquoted, back as this very string (not a number, date, ...)."""
    if not _PLAIN.match(value) or value.endswith(":") or ": " in value:
        return False
    resolvers = yaml.SafeLoader.yaml_implicit_resolvers
    for _tag, regexp in resolvers.get(value[0], []) + resolvers.get(None, []):
        if regexp.match(value):
            return False
    return True


def format_scalar(value: object) -> str:
    """One scalar as YAML text that reads back as the same value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_float(value)
    text = str(value)
    if _is_plain_string(text):
        return text
    # YAML refuses some characters even inside quotes unless they are escaped; JSON's
    # surrogate pairs would read back as two characters, so astral ones get YAML's \U form.
    return _NON_PRINTABLE.sub(_escape, json.dumps(text, ensure_ascii=False))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _format_float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:  # YAML 1.1 needs the dot: `1e-05` would read back as a string
        mantissa += ".0"
    if not exponent:
        return mantissa
    return f"{mantissa}e{exponent if exponent[0] in '+-' else '+' + exponent}"


class Flow(dict[str, object]):
    """A mapping of scalars and lists of strings, written on one line (see the module docstring)."""


def format_flow(data: Mapping[str, object]) -> str:
    """A Flow mapping as one line of compact JSON that YAML reads back as the same mapping."""
    if all(_json_is_yaml(value) for value in data.values()):
        text = jsontext.compact_sorted(data).decode("utf-8")
        if not _NON_PRINTABLE.search(text):
            return text
    items = (f"{_quoted(str(key))}:{_flow_value(data[key])}" for key in sorted(data))
    return "{" + ",".join(items) + "}"


def _json_is_yaml(value: object) -> bool:
    """Whether JSON's spelling of `value` reads back as it in YAML (floats with an exponent do not)."""
    if isinstance(value, float):
        return value == 0 or 1e-4 <= abs(value) < 1e16
    return not isinstance(value, (list, tuple)) or all(isinstance(item, str) for item in value)


def _flow_value(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_flow_value(item) for item in value) + "]"
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a flow mapping cannot hold {value!r}")
    return format_scalar(value)


def _quoted(text: str) -> str:
    return _NON_PRINTABLE.sub(_escape, json.dumps(text, ensure_ascii=False))


def emit(data: dict[str, object]) -> str:
    """A mapping of mappings and scalars as block YAML with sorted keys."""
    lines: list[str] = []
    _emit_mapping(data, 0, lines)
    return "".join(lines)


def _emit_mapping(data: dict[str, object], depth: int, lines: list[str]) -> None:
    indent = INDENT * depth
    for key in sorted(data):
        value = data[key]
        name = format_scalar(key)
        if isinstance(value, Flow):
            lines.append(f"{indent}{name}: {format_flow(value)}\n")
        elif isinstance(value, dict) and value:
            lines.append(f"{indent}{name}:\n")
            _emit_mapping(value, depth + 1, lines)
        elif isinstance(value, dict):
            lines.append(f"{indent}{name}: {{}}\n")
        else:
            lines.append(f"{indent}{name}: {format_scalar(value)}\n")


def parse_emitted(text: str) -> dict[str, object] | None:
    """Read text written by `emit` (after comment lines); None when it is anything else."""
    root: dict[str, object] = {}
    stack: list[tuple[int, dict[str, object]]] = [(-1, root)]
    expecting_child, previous_depth = False, -1
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        brace = line.find(': {"')
        if brace > 0:  # a Flow line under a plain key, e.g. a file's evidence: most lines of a big lock
            key = line[:brace].lstrip(" ")
            depth, odd = divmod(brace - len(key), 2)
            if not odd and depth == stack[-1][0] + 1 and key[0] != '"' and _is_plain_string(key):
                parent = stack[-1][1]
                value = _parse_flow(line[brace + 2:])
                if key in parent or value is _INVALID:
                    return None
                parent[key] = value
                expecting_child, previous_depth = False, depth
                continue
        match = _LINE.match(line)
        if match is None or len(match.group(1)) % 2:
            return None
        depth = len(match.group(1)) // 2
        if expecting_child and depth != previous_depth + 1:
            return None  # `key:` with nothing below reads as null in YAML, not as a mapping
        while stack[-1][0] >= depth:
            stack.pop()
        if depth != stack[-1][0] + 1:
            return None
        previous_depth = depth
        parent = stack[-1][1]
        name = _parse_scalar(match.group(2))
        if not isinstance(name, str) or name in parent:
            return None
        raw = match.group(3)
        expecting_child = raw is None
        if raw is None:
            child: dict[str, object] = {}
            parent[name] = child
            stack.append((depth, child))
        elif raw == "{}":
            parent[name] = {}
        else:
            value = _parse_flow(raw) if raw[0] == "{" else _parse_scalar(raw)  # flows are unique: not cached
            if value is _INVALID:
                return None
            parent[name] = value
    return None if expecting_child else root


_INVALID = object()


@functools.lru_cache(maxsize=1 << 16)
def _parse_scalar(raw: str) -> object:
    if raw.startswith('"'):
        try:
            return json.loads(raw)
        except ValueError:
            return _INVALID
    if raw == "null":
        return None
    if raw in ("true", "false"):
        return raw == "true"
    if _INT.match(raw):
        return int(raw)
    if _FLOAT.match(raw):
        return float(raw)
    special = {".nan": math.nan, ".inf": math.inf, "-.inf": -math.inf}
    if raw in special:
        return special[raw]
    return raw if _is_plain_string(raw) else _INVALID


def _parse_flow(raw: str) -> object:
    """A Flow line as `format_flow` writes it; _INVALID for anything else (YAML then reads it)."""
    if _NON_PRINTABLE.search(raw):
        return _INVALID  # YAML reads or refuses these otherwise than JSON
    try:
        value = jsontext.loads(raw)
    except ValueError:
        return _INVALID  # e.g. YAML's \U escape, which JSON lacks: the full loader reads it
    if type(value) is not dict:
        return _INVALID
    for item in value.values():
        # JSON's `1e5` or `1e-6` is a string to YAML 1.1: only the spelling `format_flow` writes
        # reads alike. (Lists hold strings, as the lock's model requires.)
        if type(item) is float and f":{item!r}" not in raw and f":{format_scalar(item)}" not in raw:
            return _INVALID
    return value
