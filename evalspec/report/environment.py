"""The one jinja2 environment factory, and the filters every template (built-in or the user's) gets."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from evalspec.base.text import plural

ESCAPED_SUFFIXES = (".html", ".htm", ".xml", ".svg")
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")
# Characters XML 1.0 cannot carry at all, even escaped; a file name could hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What would start markdown or HTML syntax inside a table cell or a line of text (GitHub's
# renderer): these characters anywhere; `_` only at a word's edge (GFM ignores it inside a word);
# `<` only where it would open a tag, `&` only where it would start an entity.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_TAG = re.compile(r"<([A-Za-z/!?])")
_MD_ENTITY = re.compile(r"&(#?[A-Za-z0-9]+;)")


def autoescape_for(name: str | None) -> bool:
    """HTML and XML templates escape every value; `x.html.j2` counts as HTML too."""
    if name is None:
        return False
    lowered = name.lower()
    for suffix in TEMPLATE_SUFFIXES:
        lowered = lowered.removesuffix(suffix)
    return lowered.endswith(ESCAPED_SUFFIXES)


def make_environment(loader: BaseLoader | None = None, *, sandboxed: bool = False) -> Environment:
    """StrictUndefined (a typo in a template is an error, not a blank); autoescape by file type."""
    cls = SandboxedEnvironment if sandboxed else Environment
    env = cls(
        loader=loader or PackageLoader("evalspec.report", "templates"),
        undefined=StrictUndefined, autoescape=autoescape_for, finalize=_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(
        score=score, delta=delta, md=md, heat=heat, seconds=seconds, plural=plural, num=num, code=code,
        verdict_heat=verdict_heat,
    )
    return env


def user_template_environment(path: Path) -> Environment:
    """A sandboxed environment for a user's template: it may read the report, not the machine."""
    from jinja2 import FileSystemLoader

    return make_environment(FileSystemLoader(str(path.parent)), sandboxed=True)


def _finalize(value: object) -> object:
    if isinstance(value, Markup):  # already-safe output (a macro's): re-wrapping keeps it unescaped
        return Markup(_NOT_XML.sub("", value))
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


def score(value: float | None) -> str:
    """0.912 -> `0.912`; no score -> an en dash."""
    return "–" if value is None else f"{value:.3f}"


def delta(value: float | None) -> str:
    """+0.020 / -0.015 / ±0.000; nothing without a baseline value."""
    if value is None:
        return ""
    return "±0.000" if value == 0 else f"{value:+.3f}"


def md(value: object) -> str:
    """Text safe inside a GitHub markdown line or table cell, escaped no more than it must be, so
    the raw comment reads well in a terminal too: `po_number` and `a/b/c` stay as they are."""
    text = " ".join(str(value).splitlines())
    text = _MD_ENTITY.sub(r"&amp;\1", text)
    text = _MD_TAG.sub(r"&lt;\1", text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_UNDERSCORE.sub(r"\\_", text)


def code(value: object) -> str:
    """A markdown code span: its text is shown as it is, nothing inside needs escaping."""
    text = " ".join(str(value).splitlines())
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def num(value: float | None) -> str:
    """A weight or threshold as written: 1, 0.5, 2.25."""
    return "" if value is None else f"{value:g}"


def verdict_heat(value: float | None, passed: bool | None) -> str:
    """A cell's fill judged against its gates: when a gate fails for it, red to amber however high
    the score (a 0.85 failing a 0.9 gate is not green), and still by its score: darker and redder
    the lower it is, so a 0.2 and a 0.85 that both fail read apart. The score's hue otherwise."""
    if passed is False and value is not None:
        v = max(0.0, min(1.0, value))
        return f"hsl({round(v * 45)}, 75%, {round(58 + 24 * v)}%)"
    return heat(value)


def heat(value: float | None) -> str:
    """A fill colour from red (0) through yellow to green (1); grey for no score."""
    if value is None:
        return "#e5e7eb"
    hue = round(max(0.0, min(1.0, value)) * 120)
    return f"hsl({hue}, 70%, 78%)"


def seconds(value: float | None) -> str:
    """JUnit `time`: seconds with millisecond precision, 0 when unknown."""
    return f"{value or 0.0:.3f}"
