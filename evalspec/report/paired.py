"""A cell against its baseline file by file: the files both sides share, and the ones apart.

A cell's own delta (its avg_score against the baseline's) mixes two things: documents added or
removed, and scores that moved on the same documents. Gates that know noise read only the
second, so here the committed evidence of both sides (lockfile.FileEvidence) is split into:

- shared: same file name and the same document (digest; a side without digests, an unmanaged
  collection, matches by name), scored on both sides. Only these enter the paired delta;
- added / removed: in one side only, each with its own score;
- replaced: the name is in both but the bytes differ, so its two scores are of two documents;
- unscored: shared, but one side could not score it (counted, shown apart, never a delta).

The comparison itself (interval, p-value, detectable drop) is `stats.compare_paired`, made when
first asked for and kept by its inputs: a report of 10,000 cells shows a few, and the gates and
the text of one cell ask for the same one.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from evalspec.base.text import plural
from evalspec.lock.lockfile import FileEvidence
from evalspec.report.jsontypes import Json
from evalspec.report.stats import EXACT_MAX_N, PairedComparison, compare_paired

DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class SharedFiles:
    """The files of a cell and its baseline, split as the module says; scores on 0..1."""

    names: tuple[str, ...]  # the shared files, sorted
    baseline: tuple[float, ...]  # their baseline scores, in `names` order
    current: tuple[float, ...]
    added: tuple[tuple[str, float | None], ...] = ()
    removed: tuple[tuple[str, float | None], ...] = ()
    replaced: tuple[str, ...] = ()
    unscored: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """How many files enter the paired delta."""
        return len(self.names)

    def compare(self, confidence: float = DEFAULT_CONFIDENCE,
                threshold: float | None = None) -> PairedComparison | None:
        """The paired comparison at `confidence` (with the p-value of "delta >= threshold" when
        one is given); None when no file is shared. Seeded: the same files give the same figures."""
        return compare_paired_cached(self.baseline, self.current, confidence, threshold)

    @property
    def apart(self) -> str:
        """`1 added, 2 removed, 1 replaced` (the files outside the paired delta), or ""."""
        counts = [(len(self.added), "added"), (len(self.removed), "removed"),
                  (len(self.replaced), "replaced"), (len(self.unscored), "unscored on one side")]
        return ", ".join(f"{n} {what}" for n, what in counts if n)


@functools.lru_cache(maxsize=4096)
def compare_paired_cached(baseline: tuple[float, ...], current: tuple[float, ...], confidence: float,
                          threshold: float | None) -> PairedComparison | None:
    """compare_paired, kept by its inputs: a report and its gates ask for the same pairs."""
    return compare_paired(baseline, current, confidence=confidence, threshold=threshold)


def shared_files(current: Mapping[str, FileEvidence], baseline: Mapping[str, FileEvidence]) -> SharedFiles:
    """Split two runs' evidence (each by unique file name) into shared files and the rest."""
    names, before, after = [], [], []
    replaced, unscored = [], []
    for name in sorted(current.keys() & baseline.keys()):
        now, then = current[name], baseline[name]
        score, base_score = standing_score(now), standing_score(then)
        if now.digest is not None and then.digest is not None and now.digest != then.digest:
            replaced.append(name)
        elif score is None or base_score is None:
            unscored.append(name)
        else:
            names.append(name)
            before.append(base_score)
            after.append(score)
    return SharedFiles(
        names=tuple(names), baseline=tuple(before), current=tuple(after),
        added=tuple((name, current[name].score) for name in sorted(current.keys() - baseline.keys())),
        removed=tuple((name, baseline[name].score) for name in sorted(baseline.keys() - current.keys())),
        replaced=tuple(replaced), unscored=tuple(unscored),
    )


def standing_score(item: FileEvidence) -> float | None:
    """A file's score when it stands: it has one, and no error says the backend could not score it."""
    return item.score if item.error is None else None


def delta_text(shared: SharedFiles, confidence: float = DEFAULT_CONFIDENCE) -> str:
    """`Δ -0.031 on 48 shared files [95 % CI -0.052, -0.011], p 0.004`, or why there is none."""
    return comparison_text(shared.compare(confidence), confidence)


def comparison_text(compared: PairedComparison | None, confidence: float) -> str:
    """delta_text of a comparison made already (a gate's, whose threshold changes only its
    one-sided p-value: the figures shown are the same)."""
    if compared is None:
        return "no shared files to compare"
    d = compared.delta
    level = f"{confidence * 100:g} %"
    interval = f"[{level} CI {d.low:+.3f}, {d.high:+.3f}]" if can_show(d.n, confidence) else \
        f"(too few for a {level} interval)"
    return f"Δ {d.mean:+.3f} on {plural(d.n, 'shared file')} {interval}, p {_p_text(compared.p_value)}"


def can_show(n: int, confidence: float) -> bool:
    """Whether n files can show anything at this confidence: the exact test's smallest p is 2**-n."""
    return n > EXACT_MAX_N or 2.0 ** -n <= 1 - confidence


def paired_json(shared: SharedFiles, confidence: float = DEFAULT_CONFIDENCE) -> Json:
    """The split and the comparison as report data (the json format's `paired` of a cell)."""
    compared = shared.compare(confidence)
    figures: Json = {"delta": None}
    if compared is not None:
        d = compared.delta
        figures = {
            "baseline_mean": compared.baseline_mean, "current_mean": compared.current_mean,
            "delta": d.mean, "low": d.low, "high": d.high, "sd": d.sd, "p_value": compared.p_value,
            "method": d.method_text, "detectable_drop": compared.detectable,
        }
    return {
        "shared_files": shared.n, "confidence": confidence, **figures,
        "added": [{"filename": name, "score": score} for name, score in shared.added],
        "removed": [{"filename": name, "score": score} for name, score in shared.removed],
        "replaced": list(shared.replaced), "unscored": list(shared.unscored),
        "text": delta_text(shared, confidence) + (f"; {shared.apart}" if shared.apart else ""),
    }


def _p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
