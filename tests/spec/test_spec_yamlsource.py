"""YAML loading: values, marks, and the refusals (duplicate keys, alias bombs, size, bad YAML)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evalspec.base import yamlsource
from evalspec.base.yamlsource import (
    Mark,
    YamlLoadError,
    format_key_path,
    json_problem,
    load_yaml,
    load_yaml_text,
)
from evalspec.errors import Diagnostic, shorten


def test_values_and_marks_of_keys_and_values() -> None:
    data, marks = load_yaml_text("version: 1\npipelines:\n  md: {type: convert}\nlist: [a, null]\n", "s.yaml")
    assert data == {"version": 1, "pipelines": {"md": {"type": "convert"}}, "list": ["a", None]}
    assert marks.keys[("pipelines", "md")] == Mark(3, 3)
    assert marks.values[("pipelines", "md")] == Mark(3, 7)
    assert marks.values[("pipelines", "md", "type")] == Mark(3, 14)
    assert marks.values[("list", 1)] == Mark(4, 11)


def test_locate_falls_back_to_the_nearest_ancestor() -> None:
    _, marks = load_yaml_text("a:\n  b: 1\n", "s.yaml")
    assert marks.locate(("a", "b", "c", 0)) == Mark(2, 6)
    assert marks.locate(("a", "b"), prefer_key=True) == Mark(2, 3)
    diagnostic = marks.diagnostic(("a", "zz"), "boom")
    assert str(diagnostic) == "s.yaml:2:3: a.zz: boom"


def test_format_key_path() -> None:
    assert format_key_path(("matrix", "include", 0, "rubric")) == "matrix.include[0].rubric"
    assert format_key_path((0, "a")) == "[0].a"
    assert format_key_path(()) == ""


def test_empty_document_is_none() -> None:
    assert load_yaml_text("# nothing\n", "s.yaml")[0] is None


def test_duplicate_key_is_refused_with_both_lines() -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text("a: 1\nb:\n  c: 1\n  c: 2\n", "s.yaml")
    assert str(info.value.diagnostic) == "s.yaml:4:3: duplicate key 'c' (first defined at line 3)"


def test_merge_keys_are_resolved() -> None:
    data, _ = load_yaml_text("base: &b {type: extract}\np: {<<: *b, page_schema: x}\n", "s.yaml")
    assert data["p"] == {"type": "extract", "page_schema": "x"}


def test_non_scalar_key_is_refused() -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text("? [a, b]\n: 1\n", "s.yaml")
    assert info.value.diagnostic.message == "mapping keys must be scalars"
    assert (info.value.diagnostic.line, info.value.diagnostic.col) == (1, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # a tagged sequence: PyYAML would call os.system; we must neither call it nor drop the tag
        ("a: !!python/object/apply:os.system ['true']\n",
         "invalid YAML: unsupported tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
        ("a: !custom {b: 1}\n", "invalid YAML: unsupported tag '!custom'"),
        # a tagged scalar goes through the safe constructor, which refuses it (no traceback)
        ("a: !!python/name:os.system x\n",
         "invalid YAML: could not determine a constructor for the tag "
         "'tag:yaml.org,2002:python/name:os.system'"),
    ],
)
def test_unsafe_tags_are_refused(text: str, message: str) -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text(text, "s.yaml")
    assert str(info.value.diagnostic) == f"s.yaml:1:4: {message}"


def test_alias_bomb_is_refused_quickly() -> None:
    # 10 ** 6 leaves from a few hundred bytes: refused once it passes MAX_NODES values.
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcde", "bcdef", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text("\n".join(lines) + "\n", "bomb.yaml")
    assert info.value.diagnostic.message == (
        f"document expands to more than {yamlsource.MAX_NODES} values (alias bomb?)"
    )


def test_shared_aliases_below_the_limit_are_fine() -> None:
    data, _ = load_yaml_text("a: &a [1, 2]\nb: *a\n", "s.yaml")
    assert data == {"a": [1, 2], "b": [1, 2]}


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("#" * (yamlsource.MAX_FILE_BYTES + 1))
    with pytest.raises(YamlLoadError) as info:
        load_yaml(path, display_name="big.yaml")
    assert str(info.value.diagnostic) == "big.yaml: file is 1048577 bytes, above the limit of 1048576"


def test_file_at_the_size_limit_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("a: 1\n" + "#" * (yamlsource.MAX_FILE_BYTES - 5))
    assert load_yaml(path)[0] == {"a": 1}


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"a: \xe9\n")
    with pytest.raises(YamlLoadError) as info:
        load_yaml(path, display_name="latin.yaml")
    assert str(info.value.diagnostic) == "latin.yaml:1:4: file is not valid UTF-8"


def test_invalid_yaml_is_located() -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text("a: [1, 2\nb: 3\n", "s.yaml")
    diagnostic = info.value.diagnostic
    assert diagnostic.message.startswith("invalid YAML: ")
    assert diagnostic.line == 2


def test_many_distinct_values_are_not_an_alias_bomb() -> None:
    # Regression: every value counted towards MAX_NODES, so a lock of ~4,500 cells was refused.
    count = yamlsource.MAX_NODES + 10_000
    data, _ = load_yaml_text("[" + "1, " * count + "]", "big.lock", fast=True)
    assert len(data) == count


def test_fast_parser_keeps_the_checks() -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text("a: 1\na: 2\n", "x.lock", fast=True)
    assert str(info.value.diagnostic) == "x.lock:2:1: duplicate key 'a' (first defined at line 1)"
    data, marks = load_yaml_text("a: {b: null, c: '1', d: 2.5, e: ~}\n", "x.lock", fast=True)
    assert data == {"a": {"b": None, "c": "1", "d": 2.5, "e": None}}
    assert marks.values[("a", "d")] == Mark(1, 25)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int x\n", "s.yaml:1:4: invalid YAML: 'x' is not a valid !!int"),
        ("a: !!float x\n", "s.yaml:1:4: invalid YAML: 'x' is not a valid !!float"),
        ("a: !!bool maybe\n", "s.yaml:1:4: invalid YAML: 'maybe' is not a valid !!bool"),
        ("a: !!timestamp x\n", "s.yaml:1:4: invalid YAML: 'x' is not a valid !!timestamp"),
        ("a: !!int " + "9" * 5000 + "\n", "s.yaml:1:4: invalid YAML: '99999999999999999999999999999999999"),
        ("a: &a [*a]\n", "s.yaml:1:4: invalid YAML: an alias refers to itself"),
        ("a: &a {b: [1, {c: *a}]}\n", "s.yaml:1:4: invalid YAML: an alias refers to itself"),
        ("a:\n  b: x\x01\n", "s.yaml:2:7: invalid YAML: character #x0001 not allowed"),
        ("a: \x00\n", "s.yaml:1:4: invalid YAML: character #x0000 not allowed"),
        ("a: &a 1\nb: {<<: *a}\n",
         "s.yaml:2:4: invalid YAML: expected a mapping or list of mappings for merging, but found scalar"),
        ("b: {<<: [1]}\n", "s.yaml:1:4: invalid YAML: expected a mapping for merging, but found scalar"),
        ("a: " + "[" * 65 + "]" * 65 + "\n", "s.yaml:1:67: invalid YAML: nested deeper than 64 levels"),
        ("a: " + "{b: " * 65 + "1" + "}" * 65 + "\n",
         "s.yaml:1:253: invalid YAML: nested deeper than 64 levels"),
    ],
)
def test_what_would_crash_the_loader_is_refused_where_it_is(text: str, message: str) -> None:
    with pytest.raises(YamlLoadError) as info:
        load_yaml_text(text, "s.yaml")
    assert str(info.value.diagnostic).startswith(message)
    assert len(str(info.value.diagnostic)) < 200  # the 5,000 digits are not repeated


def test_deep_nesting_through_aliases_is_refused_too() -> None:
    # Each anchor is shallow; chained through aliases, the value nests 70 deep.
    lines = ["l0: &l0 [x]"] + [f"l{i}: &l{i} [[[[[[[[[[*l{i - 1}]]]]]]]]]]" for i in range(1, 8)]
    with pytest.raises(YamlLoadError, match="nested deeper than 64 levels"):
        load_yaml_text("\n".join(lines) + "\n", "s.yaml")


def test_the_fast_loader_refuses_deep_nesting_as_well() -> None:
    with pytest.raises(YamlLoadError, match="nested deeper than 64 levels"):
        load_yaml_text("a: " + "[" * 900 + "]" * 900 + "\n", "l.lock", fast=True)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "spec.yaml")  # opening it for reading the usual way waits for a writer
    with pytest.raises(YamlLoadError) as info:
        load_yaml(tmp_path / "spec.yaml", display_name="spec.yaml")
    assert str(info.value.diagnostic) == "spec.yaml: not a regular file"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: x\n", "s.yaml:1:1: [1]: key 1 is not a string"),
        ("a:\n  yes: 1\n", "s.yaml:2:3: a.True: key True is not a string (YAML reads yes/no/on/off"),
        ("t: 2026-01-15\n", "s.yaml:1:4: t: 2026-01-15 reads as a date in YAML: quote it"),
        ("w: [.inf]\n", "s.yaml:1:5: w[0]: inf is not a finite number"),
        ("w: {x: .nan}\n", "s.yaml:1:8: w.x: nan is not a finite number"),
        ("b: !!binary aGVsbG8=\n", "s.yaml:1:4: b: a bytes value cannot be sent as JSON"),
    ],
)
def test_json_problem_names_what_json_cannot_carry(text: str, message: str) -> None:
    value, marks = load_yaml_text(text, "s.yaml")
    problem = json_problem(value, marks)
    assert problem is not None and str(problem).startswith(message)


def test_plain_json_values_have_no_problem() -> None:
    value, marks = load_yaml_text("a: [1, 2.5, 'x', null, true, {b: '2026-01-15'}]\n", "s.yaml")
    assert json_problem(value, marks) is None


def test_long_values_are_cut_in_messages() -> None:
    long = "x" * 500_000
    message = str(Diagnostic("s.yaml", 1, 1, "a." + long, f"unknown name {long!r}"))
    assert len(message) < 1300 and message.startswith("s.yaml:1:1: a.xxx") and "chars)" in message
    assert shorten(long) == f"'{'x' * 36}[...]{'x' * 36}'"  # 79 characters
