"""YAML loading: values, marks, and the refusals (duplicate keys, alias bombs, size, bad YAML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalspec.base import yamlsource
from evalspec.base.yamlsource import Mark, YamlLoadError, format_key_path, load_yaml, load_yaml_text


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
