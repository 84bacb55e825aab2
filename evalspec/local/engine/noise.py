"""A noisy judge, for rehearsal: `--score-noise SD` perturbs each completed file's score.

Datalab's LLM-backed rubrics need not score a file the same twice; the local engine always does.
This adds Gaussian noise of standard deviation `sd` to each file's score, clipped to 0..1 (so a
perfect file can only lose: a judge cannot give more than full marks), drawn from
sha256(seed, run id, filename): two runs of one cell differ, a file re-scored after a crash keeps
its first draw, and a fresh service given the same seed replays the same runs exactly (its run
ids count from 1 again). Failed files keep their 0: a judge never saw them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the backend reads the settings before the engine (and pypdf) loads
    from evalspec.local.engine.filetask import FileOutcome

DEFAULT_NOISE_SEED = 0
_STANDARD = NormalDist()


@dataclass(frozen=True)
class ScoreNoise:
    """Noise of standard deviation `sd` (on the 0..1 score scale), seeded."""

    sd: float
    seed: int = DEFAULT_NOISE_SEED

    def __post_init__(self) -> None:
        if not 0 <= self.sd <= 1:  # past 1 every score is clipped to 0 or 1: not a judge
            raise ValueError(f"score noise is a standard deviation in 0..1, not {self.sd}")

    def perturb(self, score: float, run_id: int, filename: str) -> float:
        """The score as a noisy judge gives it for this run and file."""
        return min(1.0, max(0.0, score + self.sd * self.draw(run_id, filename)))

    def draw(self, run_id: int, filename: str) -> float:
        """A standard normal number fixed by (seed, run id, filename)."""
        key = f"{self.seed}\0{run_id}\0{filename}".encode()
        word = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> 11  # 53 bits
        return _STANDARD.inv_cdf((word + 0.5) / 2 ** 53)  # strictly inside (0, 1)

    def outcome(self, run_id: int, outcome: FileOutcome) -> FileOutcome:
        """A completed file's outcome with its score perturbed; `eval_results` keeps the score the
        checks gave, so `evalspec show` can tell the noise from the rubric."""
        if self.sd == 0 or outcome.status != "completed" or not math.isfinite(outcome.score):
            return outcome
        noisy = self.perturb(outcome.score, run_id, outcome.filename)
        results = {**outcome.results,
                   "score_noise": {"sd": self.sd, "seed": self.seed, "unperturbed": outcome.score}}
        return dataclasses.replace(outcome, score=noisy, results=results)
