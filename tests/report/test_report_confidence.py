"""Gates with `confidence`: the paired delta on shared files, min_score's interval, Holm, fallbacks.

Locks are built in memory with per-file evidence; the statistics they print are checked against an
independent brute force (every sign vector) and scipy, not against the code under test.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import pytest
from scipy import stats as scipy_stats

from evalspec.lock.lockfile import FileEvidence, LockCell, Lockfile
from evalspec.report import paired as paired_module
from evalspec.report.build import Side, build_report
from evalspec.report.gates import evaluate_gates
from evalspec.report.paired import delta_text, shared_files
from evalspec.report.values import CellRow, Verdict
from evalspec.spec.schema_models import Gate

KEY = "docs/convert/quality"


def evidence(scores: Mapping[str, float | None], digest: str | None = None,
             **overrides: FileEvidence) -> dict[str, FileEvidence]:
    files = {name: FileEvidence(digest=digest and f"sha256:{digest}{name}", status="completed", score=score)
             for name, score in scores.items()}
    return {**files, **overrides}


def lock_of(cells: Mapping[str, dict[str, FileEvidence] | None], lineage: str = "a" * 32) -> Lockfile:
    made = {}
    for key, files in cells.items():
        scored = [f.score for f in (files or {}).values() if f.score is not None]
        made[key] = LockCell(
            fingerprint="sha256:same", request={}, run_id=1, status="completed",
            total_files=len(files or {}), completed_files=len(files or {}),
            avg_score=round(sum(scored) / len(scored), 6) if scored else None,
            completed_at="2026-12-01T00:00:00Z", files=files,
        )
    return Lockfile(lineage=lineage, serial=1, cells=made)


def cells_of(current: Mapping[str, dict[str, FileEvidence] | None],
             baseline: Mapping[str, dict[str, FileEvidence] | None] | None) -> tuple[CellRow, ...]:
    base = Side("base.lock", lock_of(baseline, "b" * 32), {}) if baseline is not None else None
    return build_report(Side("evalspec.lock", lock_of(current), {}), base).current_cells


def verdicts(gate: Gate, current: Mapping[str, dict[str, FileEvidence] | None],
             baseline: Mapping[str, dict[str, FileEvidence] | None] | None) -> list[Verdict]:
    [result] = evaluate_gates([gate], cells_of(current, baseline), baseline is not None)
    return list(result.verdicts)


def scores(values: Sequence[float], prefix: str = "f") -> dict[str, float | None]:
    return {f"{prefix}{i:03d}.pdf": value for i, value in enumerate(values)}


def brute_force_sign_flip_p_below(deltas: Sequence[float], threshold: float) -> float:
    """P(mean of sign-flipped (d - threshold) <= observed): every one of the 2**n vectors."""
    centred = [d - threshold for d in deltas]
    observed = sum(centred)
    flips = list(itertools.product((1, -1), repeat=len(centred)))
    means = (sum(s * c for s, c in zip(signs, centred, strict=True)) for signs in flips)
    hits = sum(1 for mean in means if mean <= observed + 1e-12)
    return hits / len(flips)


# -- what enters the paired delta -------------------------------------------------------------


def test_added_removed_replaced_and_unscored_files_never_enter_the_paired_delta() -> None:
    baseline = evidence({"a.pdf": 1.0, "b.pdf": 1.0, "gone.pdf": 0.2, "swapped.pdf": 0.9, "broke.pdf": 0.8},
                        digest="x")
    current = evidence({"a.pdf": 1.0, "b.pdf": 1.0, "new.pdf": 0.1, "broke.pdf": 0.8}, digest="x",
                       **{"swapped.pdf": FileEvidence(digest="sha256:other", status="completed", score=0.1),
                          "broke.pdf": FileEvidence(digest="sha256:xbroke.pdf", status="failed", score=None,
                                                    error="timeout")})
    shared = shared_files(current, baseline)
    assert shared.names == ("a.pdf", "b.pdf")
    assert shared.added == (("new.pdf", 0.1),) and shared.removed == (("gone.pdf", 0.2),)
    assert shared.replaced == ("swapped.pdf",) and shared.unscored == ("broke.pdf",)
    assert shared.apart == "1 added, 1 removed, 1 replaced, 1 unscored on one side"


def test_a_harder_added_document_fails_the_raw_gate_and_passes_the_paired_one() -> None:
    """The issue's measurement: one harder document added to a 2-file collection, nothing else
    changed. The raw rule sees the cell's mean drop; the paired one sees no shared file move."""
    same = {f"f{i}.pdf": 1.0 for i in range(20)}
    baseline = {KEY: evidence(same, digest="d")}
    current = {KEY: evidence({**same, "hard.pdf": 0.0}, digest="d")}
    [raw] = verdicts(Gate(name="g", max_drop=0.02), current, baseline)
    [paired] = verdicts(Gate(name="g", max_drop=0.02, confidence=0.95), current, baseline)
    assert not raw.passed and "dropped 0.048" in raw.reason
    assert paired.passed, paired.reason
    assert paired.reason.startswith("Δ +0.000 on 20 shared files")
    assert "1 added" in paired.reason


# -- the figures, against independent implementations -----------------------------------------


@pytest.mark.parametrize("deltas", [
    [-0.1, -0.2, -0.05, -0.15, -0.3, -0.12],
    [-0.1, 0.05, -0.2, 0.0, -0.02, -0.3, 0.1, -0.15, -0.07, -0.04],
])
def test_the_sign_flip_p_value_of_a_drop_is_every_sign_vector_counted(deltas: list[float]) -> None:
    before = [0.9] * len(deltas)
    after = [0.9 + d for d in deltas]
    shared = shared_files(evidence(scores(after)), evidence(scores(before)))
    compared = shared.compare(0.95, threshold=-0.02)
    assert compared is not None and compared.delta.method == "sign-flip"
    assert compared.delta.p_below == pytest.approx(brute_force_sign_flip_p_below(
        [a - b for a, b in zip(after, before, strict=True)], -0.02), abs=1e-12)


def test_the_bootstrap_interval_of_many_files_agrees_with_scipy() -> None:
    rng = scipy_stats.norm(loc=-0.03, scale=0.05)
    deltas = list(rng.rvs(size=60, random_state=7))
    before = [0.5] * 60
    after = [0.5 + d for d in deltas]
    compared = shared_files(evidence(scores(after)), evidence(scores(before))).compare(0.95)
    assert compared is not None and compared.delta.method == "bootstrap"
    reference = scipy_stats.bootstrap((deltas,), lambda x: sum(x) / len(x), confidence_level=0.95,
                                      method="percentile", n_resamples=10_000, random_state=1)
    assert compared.delta.low == pytest.approx(reference.confidence_interval.low, abs=0.004)
    assert compared.delta.high == pytest.approx(reference.confidence_interval.high, abs=0.004)
    t_test = scipy_stats.ttest_1samp(deltas, 0.0)
    assert compared.p_value == pytest.approx(t_test.pvalue, abs=0.01)


# -- verdicts --------------------------------------------------------------------------------


def test_max_drop_with_confidence_fails_only_on_a_drop_shown_larger_than_the_bar() -> None:
    before = [0.9] * 30
    small_noisy = [0.9 + d for d in ([-0.05, 0.04] * 15)]  # mean -0.005: noise around the bar
    large = [0.9 - 0.1 + d for d in ([-0.01, 0.01] * 15)]  # mean -0.1, tight
    baseline = {KEY: evidence(scores(before)), "other/convert/quality": evidence(scores(before))}
    current = {KEY: evidence(scores(small_noisy)), "other/convert/quality": evidence(scores(large))}
    judged = {v.key: v for v in verdicts(Gate(name="g", max_drop=0.02, confidence=0.95), current, baseline)}
    assert judged[KEY].passed and "a drop above 0.02 not shown" in judged[KEY].reason
    assert not judged["other/convert/quality"].passed
    assert "a drop above 0.02 shown" in judged["other/convert/quality"].reason
    assert "30 shared files: catches drops above 0.0" in judged["other/convert/quality"].reason


def test_gates_with_and_without_confidence_side_by_side_on_the_same_data() -> None:
    before = [0.9] * 30
    after = [0.9 + d for d in ([-0.09, 0.04] * 15)]  # mean -0.025: past the raw bar, within noise
    baseline, current = {KEY: evidence(scores(before))}, {KEY: evidence(scores(after))}
    [raw] = verdicts(Gate(name="raw", max_drop=0.02), current, baseline)
    [noisy] = verdicts(Gate(name="ci", max_drop=0.02, confidence=0.95), current, baseline)
    assert not raw.passed and noisy.passed
    assert noisy.rule == "max_drop <= 0.02 at 95 %" and raw.rule == "max_drop <= 0.02"


def test_min_score_with_confidence_fails_only_when_the_upper_bound_is_below_the_bar() -> None:
    just_below = [0.6, 1.0] * 15  # mean 0.80: below the raw bar, but spread too wide to tell
    far_below = [0.5, 0.6] * 15
    current = {KEY: evidence(scores(just_below)), "other/convert/quality": evidence(scores(far_below))}
    judged = {v.key: v for v in verdicts(Gate(name="g", min_score=0.81, confidence=0.95), current, None)}
    assert judged[KEY].passed and "a mean below 0.81 not shown" in judged[KEY].reason
    assert not judged["other/convert/quality"].passed
    [raw] = [v for v in verdicts(Gate(name="g", min_score=0.81), current, None) if v.key == KEY]
    assert not raw.passed


def test_too_few_files_to_tell_pass_and_say_so() -> None:
    current = {KEY: evidence(scores([0.1, 0.2, 0.1]))}
    [verdict] = verdicts(Gate(name="g", min_score=0.8, confidence=0.95), current, None)
    assert verdict.passed and "3 files: too few to tell at 95 %" in verdict.reason


def test_holm_turns_a_marginal_cell_of_many_into_a_pass() -> None:
    """One cell at p just under 0.05 fails alone; among 20 cells, Holm asks for p <= 0.05 / 20."""
    before = [0.9] * 40
    marginal = [0.9 - 0.012 + d for d in ([-0.04, 0.04] * 20)]
    fine = [0.9 + d for d in ([-0.01, 0.01] * 20)]
    baseline = {f"c{i:02d}/convert/quality": evidence(scores(before)) for i in range(20)}
    current = {f"c{i:02d}/convert/quality": evidence(scores(marginal if i == 0 else fine)) for i in range(20)}
    key = "c00/convert/quality"
    alone = {v.key: v for v in verdicts(Gate(name="g", max_drop=0.0, confidence=0.95), current, baseline)}
    corrected = {v.key: v for v in verdicts(
        Gate(name="g", max_drop=0.0, confidence=0.95, correction="holm"), current, baseline)}
    assert not alone[key].passed
    assert corrected[key].passed and "Holm p" in corrected[key].reason


def test_cells_without_evidence_fall_back_to_the_raw_rule_with_a_note() -> None:
    baseline = {KEY: None}
    current = {KEY: None}
    cells = cells_of(current, baseline)
    assert cells[0].paired is None
    gate = Gate(name="g", max_drop=0.02, confidence=0.95)
    base = Side("b", lock_of(baseline, "b" * 32).model_copy(update={"cells": {
        KEY: lock_of(baseline).cells[KEY].model_copy(update={"avg_score": 0.9})}}), {})
    now = Side("c", lock_of(current).model_copy(update={"cells": {
        KEY: lock_of(current).cells[KEY].model_copy(update={"avg_score": 0.8})}}), {})
    [result] = evaluate_gates([gate], build_report(now, base).current_cells, True)
    [verdict] = result.verdicts
    assert not verdict.passed
    assert verdict.reason == ("dropped 0.100 (0.900 -> 0.800) > 0.02; "
                              "no per-file evidence on both sides: raw rule")


def test_the_seed_makes_the_figures_the_same_every_time() -> None:
    before = [0.7] * 40
    after = [0.7 + 0.01 * ((i * 7) % 11 - 5) for i in range(40)]
    texts = set()
    for _ in range(3):
        paired_module.compare_paired_cached.cache_clear()  # resample again, do not read the kept result
        texts.add(delta_text(shared_files(evidence(scores(after)), evidence(scores(before)))))
    assert len(texts) == 1
    [text] = texts
    assert text.startswith("Δ ") and "on 40 shared files [95 % CI" in text
