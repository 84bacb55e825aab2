"""Gates with `confidence`: `max_drop` and `min_score` judged by what the per-file scores show.

The raw rules (gates.py) compare two numbers, so a noisy judge flips them. With confidence:

- `max_drop: D` fails only when the files both sides share show, at that confidence, a drop
  larger than D: the one-sided upper bound of their mean delta is below -D;
- `min_score: B` fails only when the one-sided upper bound of the cell's mean file score is
  below B.

Each cell's test gives the one-sided p-value of "no worse than the bar" (`p_below` at the bar:
at most 1 - confidence exactly when the bound is past it), so a verdict is read off the p-value,
and `correction: holm` adjusts the p-values of every cell the gate covers before reading them.
A cell without the evidence to test (an old lock, no shared files) is judged by the raw rule,
and its reason says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from evalspec.base.text import plural
from evalspec.report.paired import SharedFiles, can_show, comparison_text
from evalspec.report.stats import DEFAULT_POWER, MeanInterval, PairedComparison, holm, mean_interval
from evalspec.report.values import NEW, CellRow

Rule = Callable[[CellRow], tuple[bool, str]]


@dataclass(frozen=True)
class Confidence:
    """A gate's confidence, and whether its cells are corrected as one family (Holm)."""

    level: float
    holm: bool = False

    @property
    def alpha(self) -> float:
        """The false-alarm rate one verdict may have (the family's, with Holm)."""
        return 1 - self.level

    @property
    def label(self) -> str:
        """`at 95 %`, `at 95 % (holm)`: what a rule's label adds."""
        return f"at {self.level * 100:g} %" + (" (holm)" if self.holm else "")


@dataclass(frozen=True)
class _Test:
    interval: MeanInterval  # of the shared-file delta (max_drop) or of the file scores (min_score)
    p: float  # the p-value a verdict reads: Holm-adjusted when the gate asks for it


def max_drop_rule(bar: float, confidence: Confidence, cells: Sequence[CellRow], raw: Rule) -> Rule:
    """`max_drop: bar` at `confidence` on the cells the gate covers; `raw` for cells it cannot test."""
    tests = _tests(cells, confidence, lambda cell: _delta_interval(cell, bar, confidence.level))

    def rule(cell: CellRow) -> tuple[bool, str]:
        if cell.change == NEW or cell.baseline_score is None:
            return raw(cell)  # passes, and says why
        test = tests.get(cell.key)
        if test is None:
            passed, reason = raw(cell)
            return passed, f"{reason}; {_untested_drop(cell.paired)}: raw rule"
        shared = cell.paired
        assert shared is not None  # a test was made from it
        moved = f"cell {cell.baseline_score:.3f} -> {cell.score:.3f}{_apart(shared)}"
        if not can_show(test.interval.n, confidence.level):
            return True, f"{_too_few(test.interval.n, 'shared file', confidence)} ({moved})"
        shown = test.p <= confidence.alpha
        floor = f"{-bar:+g}" if bar else "0"
        relation = "<" if shown else ">="
        bound = f"bound {test.interval.upper:+.3f} {relation} {floor}{_holm_p(test, confidence)}"
        verdict = f"a drop above {bar:g} {'shown' if shown else 'not shown'} ({bound})"
        compared = shared.compare(confidence.level, threshold=-bar)  # the test's own, kept
        text = comparison_text(compared, confidence.level)
        catches = _catches(compared, shared.n, bar, confidence.level)
        return not shown, f"{text}: {verdict}; {moved}; {catches}; {test.interval.method_text}"
    return rule


def min_score_rule(bar: float, confidence: Confidence, cells: Sequence[CellRow], raw: Rule) -> Rule:
    """`min_score: bar` at `confidence`; `raw` for cells without per-file evidence."""
    tests = _tests(cells, confidence, lambda cell: _score_interval(cell, bar, confidence.level))

    def rule(cell: CellRow) -> tuple[bool, str]:
        test = tests.get(cell.key)
        if test is None:
            passed, reason = raw(cell)
            return passed, f"{reason}; no per-file scores in the lock: raw rule"
        interval = test.interval
        if not can_show(interval.n, confidence.level):
            return True, f"mean {interval.mean:.3f}: {_too_few(interval.n, 'file', confidence)}"
        shown = test.p <= confidence.alpha
        bound = f"bound {interval.upper:.3f} {'<' if shown else '>='} {bar:g}{_holm_p(test, confidence)}"
        level = f"{confidence.level * 100:g} %"
        return not shown, (f"mean {interval.mean:.3f} of {plural(interval.n, 'file')} [{level} CI "
                           f"{interval.low:.3f}, {interval.high:.3f}]: a mean below {bar:g} "
                           f"{'shown' if shown else 'not shown'} ({bound}); {interval.method_text}")
    return rule


def _tests(cells: Sequence[CellRow], confidence: Confidence,
           interval_of: Callable[[CellRow], MeanInterval | None]) -> Mapping[str, _Test]:
    """Each testable usable cell's interval and p-value, Holm-adjusted over them when asked."""
    found: dict[str, tuple[MeanInterval, float]] = {}
    for cell in cells:
        interval = interval_of(cell) if cell.unusable is None else None
        if interval is not None and interval.p_below is not None:
            found[cell.key] = (interval, interval.p_below)
    p_values = [p for _, p in found.values()]
    if confidence.holm:
        p_values = list(holm(p_values))
    return {key: _Test(interval, p)
            for (key, (interval, _)), p in zip(found.items(), p_values, strict=True)}


def _delta_interval(cell: CellRow, bar: float, confidence: float) -> MeanInterval | None:
    if cell.change == NEW or cell.paired is None:
        return None
    compared = cell.paired.compare(confidence, threshold=-bar)
    return compared.delta if compared is not None else None


def _score_interval(cell: CellRow, bar: float, confidence: float) -> MeanInterval | None:
    if not cell.file_scores:
        return None
    return mean_interval(cell.file_scores, confidence=confidence, threshold=bar)


def _catches(compared: PairedComparison | None, shared: int, bar: float, confidence: float) -> str:
    """`48 shared files: catches drops above 0.05 (80% of the time)`: the gate fails when the drop
    is shown past its bar, so what it catches with the power of stats.power is bar + detectable."""
    detectable = compared.detectable if compared is not None else None
    n = plural(shared, "shared file")
    if detectable is None:
        return f"{n}: too few to catch any drop at {confidence * 100:g} %"
    return f"{n}: catches drops above {bar + detectable:.2f} ({DEFAULT_POWER:.0%} of the time)"


def _untested_drop(shared: SharedFiles | None) -> str:
    if shared is None:
        return "no per-file evidence on both sides"
    return f"no shared files ({shared.apart})" if shared.apart else "no shared files"


def _apart(shared: SharedFiles) -> str:
    return f"; {shared.apart}" if shared.apart else ""


def _holm_p(test: _Test, confidence: Confidence) -> str:
    return f", Holm p {test.p:.3f}" if confidence.holm else ""


def _too_few(n: int, what: str, confidence: Confidence) -> str:
    return f"{plural(n, what)}: too few to tell {confidence.label} (passes)"
