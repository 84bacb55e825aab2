"""Rendering a report: the built-in formats, a user's template, and the size limits of markdown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from evalspec.base import jsontext
from evalspec.errors import InputError
from evalspec.report.changes import not_evaluated_cells, what_changed
from evalspec.report.document import (
    cell_documents,
    document_head,
    explained_files,
    grids,
    movers,
    report_document,
)
from evalspec.report.environment import make_environment, user_template_environment
from evalspec.report.values import Report

FORMATS = ("markdown", "html", "junit", "json")
TEMPLATES = {"markdown": "report.md", "html": "report.html", "junit": "junit.xml"}
PR_COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters; keep a margin
# Each step further from the full report, tried in order until the markdown fits: (per-file
# tables, cell rows, explained files). What matters least goes first: the per-file tables, then
# the reasons of the least important files, then cell rows.
MARKDOWN_LEVELS: tuple[tuple[bool, int | None, int | None], ...] = (
    (True, None, None), (False, None, None), (False, None, 50), (False, None, 10),
    (False, 100, 10), (False, 0, 0),
)


def render(report: Report, fmt: str, *, limit: int = PR_COMMENT_LIMIT) -> str:
    """The report in a built-in format; markdown is kept under `limit` bytes."""
    return "".join(render_chunks(report, fmt, limit=limit))


def render_chunks(report: Report, fmt: str, *, limit: int = PR_COMMENT_LIMIT) -> Iterator[str]:
    """`render`'s text in chunks, for writing as it comes: json cell by cell, without the
    document or the text of 10,000 cells ever whole in memory; the other formats in one chunk."""
    if fmt == "json":
        yield from jsontext.iter_dumps(document_head(report), "cells", cell_documents(report))
        yield "\n"
        return
    yield _render_text(report, fmt, limit)


def _render_text(report: Report, fmt: str, limit: int) -> str:
    document = report_document(report, lazy=True)
    if fmt == "markdown":
        return fit_markdown(document, limit)
    if fmt not in TEMPLATES:
        raise InputError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return make_environment().get_template(TEMPLATES[fmt]).render(context(document))


def fit_markdown(document: dict[str, Any], limit: int) -> str:
    """Markdown under `limit` bytes: drop the per-file part first, then cell rows, then truncate.

    Each level is rendered as a stream and abandoned as soon as it passes the limit, so a large
    report costs the part of each level that fits, not the whole of every level.
    """
    template = make_environment().get_template(TEMPLATES["markdown"])
    shared = context(document, limit=limit)  # grids, movers and explanations once, not per level
    explained = shared["explained"]
    head = b""
    for files, cell_limit, explain_limit in MARKDOWN_LEVELS:
        shown = explained if explain_limit is None else explained[:explain_limit]
        chunks = template.generate({**shared, "include_files": files, "cell_limit": cell_limit,
                                    "explained": shown, "explained_left_out": len(explained) - len(shown)})
        head, fits = _head(chunks, limit)
        if fits:
            return head.decode("utf-8")
    note = "\n\n> Report truncated to fit the size limit; see the full report in the CI artifacts.\n"
    cut = head[: max(0, limit - len(note.encode("utf-8")))]
    return cut.decode("utf-8", "ignore") + note


def _head(chunks: Iterator[str], limit: int) -> tuple[bytes, bool]:
    """The UTF-8 text of `chunks` if it fits in `limit` bytes (True), else its first bytes past it."""
    parts, size = [], 0
    for chunk in chunks:
        encoded = chunk.encode("utf-8")
        parts.append(encoded)
        size += len(encoded)
        if size > limit:
            return b"".join(parts), False
    return b"".join(parts), True


def context(
    document: dict[str, Any], *, files: bool = True, cell_limit: int | None = None, limit: int | None = None,
    explain_limit: int | None = None,
) -> dict[str, Any]:
    """What every template sees: the JSON document plus grids, movers, the files to explain
    (most important first) and what was left out."""
    regressions, improvements = movers(document)
    explained = explained_files(document)
    shown = explained if explain_limit is None else explained[:explain_limit]
    return {
        "report": document, "grids": grids(document), "regressions": regressions,
        "improvements": improvements, "include_files": files, "cell_limit": cell_limit,
        "size_limit": limit, "explained": shown, "explained_left_out": len(explained) - len(shown),
        "what_changed": what_changed(document), "not_evaluated": not_evaluated_cells(document),
    }


def render_template(report: Report, path: Path) -> str:
    """A user's own template, in a sandbox, with the same context as the built-in ones."""
    env = user_template_environment(path)
    try:
        return env.get_template(path.name).render(context(report_document(report)))
    except OSError as exc:
        raise InputError(f"--template {path}: cannot read it: {exc}") from None
    except TemplateError as exc:
        line = getattr(exc, "lineno", None) or _template_line(exc, path)
        where = f"{path}:{line}" if line else str(path)
        raise InputError(f"--template {where}: {type(exc).__name__}: {exc}") from None


def _template_line(exc: BaseException, path: Path) -> int | None:
    # Runtime errors carry no lineno, but jinja2 rewrites the traceback to point into the template.
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
