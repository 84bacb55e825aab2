"""Runs bound to their place, the plan's rules for runs that live elsewhere, and the evidence line."""

from __future__ import annotations

from types import SimpleNamespace

import yaml

from evalspec.lock import places
from evalspec.lock.codec import Flow, emit, parse_emitted
from evalspec.lock.io import dump_lock, parse_lock
from evalspec.lock.lockfile import FileEvidence, LockCell, Lockfile
from evalspec.plan.diff import Rules, Target, _action
from evalspec.plan.explain import input_causes

HERE = places.place("local", "aaaa")
THERE = places.place("local", "bbbb")


def cell(state: str | None, status: str = "completed", **extra: object) -> LockCell:
    return LockCell(fingerprint="f", request={}, run_id=3, status=status, state=state,
                    completed_at="2026-01-01T00:00:00Z" if status == "completed" else None, **extra)


WANTED = SimpleNamespace(key="c/p/r", request=SimpleNamespace(fingerprint="f", lookups={}))


def action(previous: LockCell, rules: Rules) -> tuple[str, str]:
    """The plan's action for a wanted cell of the same fingerprint (only that is compared here)."""
    return _action(WANTED, previous, rules)  # type: ignore[arg-type]


def test_a_run_is_readable_only_at_its_own_place() -> None:
    lock = Lockfile.new()
    assert places.readable_at(cell(HERE), lock, HERE) and not places.readable_at(cell(THERE), lock, HERE)
    older_local = lock.model_copy(update={"backend": "local"})
    assert not places.readable_at(cell(None), older_local, HERE)  # a local state it cannot name
    remote = lock.model_copy(update={"backend": "https://x.test"})
    assert places.readable_at(cell(None), remote, "https://x.test")  # a URL names a remote service
    assert places.short(THERE) == "local state bbbb" and places.backend_of(THERE) == "local"


def test_finished_runs_elsewhere_are_kept_unfinished_ones_evaluated_again_here() -> None:
    here = Rules(target=Target("local", HERE, True), lock_backend="local")
    assert action(cell(THERE), here)[0] == "keep"
    assert action(cell(THERE, status="running"), here) == (
        "replace", "run 3 lives in local state bbbb, not here: evaluated again here")
    assert action(cell(HERE, status="running"), here)[0] == "poll"
    unknown = Rules(target=Target("https://x.test"), lock_backend="https://x.test")
    assert action(cell("https://x.test", status="running"), unknown)[0] == "poll"  # offline: not known


def test_another_backend_replaces_every_cell_with_the_move_named() -> None:
    rules = Rules(target=Target("https://www.datalab.to"), lock_backend="local")
    assert action(cell(HERE), rules) == ("replace", "backend local -> https://www.datalab.to")
    assert action(cell(None), rules) == ("replace", "backend local -> https://www.datalab.to")


def test_replace_asked_and_merge_conflicts_are_replaced() -> None:
    assert action(cell(HERE), Rules(replace=frozenset({"c/p/r"})))[0] == "replace"
    assert action(cell(HERE, conflict="conflicting results from a merge"), Rules()) == (
        "replace", "conflicting results from a merge")


def test_server_ids_of_managed_objects_are_not_causes() -> None:
    inputs = {"collections": {"c": {"digest": "d", "files": {}}}, "rubrics": {}}
    causes = input_causes("c/p/-", ({"collection_id": 1}, inputs), ({"collection_id": 9}, inputs))
    assert causes == ()
    unmanaged = input_causes("c/p/-", ({"collection_id": 1}, {}), ({"collection_id": 9}, {}))
    assert [c.input for c in unmanaged] == ["collection_id"]


def test_evidence_lines_read_back_the_same_through_both_readers() -> None:
    evidence = {
        "a b.pdf": FileEvidence(digest="sha256:0123456789abcdef", status="completed", score=1e-06,
                                failing=("text_contains", "kind with: colon, comma"), skipped=("llm",)),
        "ünï\u2028.md": FileEvidence(status="failed", score=None, error='said "no"\ttwice'),
    }
    lock = Lockfile.new().with_cells({"k": cell(HERE, files=evidence)})
    text = dump_lock(lock)
    assert parse_lock(text, "x") == lock
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert Lockfile.model_validate(yaml.safe_load(body)) == lock  # what the full loader reads
    assert dump_lock(parse_lock(text, "x")) == text
    assert text.count("\n      ") == 2  # one line a file: a diff names the file that moved
    assert '"score":1.0e-06' in text  # YAML's spelling, not JSON's 1e-06 (a string to YAML 1.1)


def test_a_flow_line_spelt_otherwise_goes_to_the_full_loader() -> None:
    assert parse_emitted(emit({"a": Flow({"score": 0.5})})) == {"a": {"score": 0.5}}
    assert parse_emitted('a: {"score": 1e5}\n') is None  # YAML 1.1 reads 1e5 as a string
    assert parse_emitted('a: {"score":0.5}\n') == {"a": {"score": 0.5}}
    assert parse_emitted('a: {"score": 0.5}\n') is None  # another spelling: the full loader reads it
