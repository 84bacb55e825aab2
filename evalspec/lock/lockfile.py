"""The lockfile model: a contract with users (README, "The lockfile"), changed only with its version."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, with_config
from typing_extensions import TypedDict  # pydantic validates this one before Python 3.12

from evalspec.base import runstatus

LOCK_VERSION = 1
SCORE_DIGITS = 6  # scores are kept to this many decimals, so a re-run with the same result does not churn


def round_score(value: float | None) -> float | None:
    """A score as the lock keeps it."""
    return None if value is None else round(value, SCORE_DIGITS)


class FileEvidence(BaseModel):
    """What the committed record keeps of one file of a cell's run: enough for a baseline, a gate,
    a paired comparison and a history, never the pipeline's output."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    digest: str | None = Field(None, description="sha256 of the document's bytes, when evalspec knows them "
                               "(managed collections); `sha256:` and 16 hex digits.")
    status: str | None = None
    score: float | None = Field(None, description="The file's score on the lock's 0..1 scale (raw when it "
                                "could not be read on that scale: the cell then has an error).")
    failing: tuple[str, ...] = Field((), description="Kinds of the checks that did not pass, in order.")
    skipped: tuple[str, ...] = Field((), description="Kinds of the checks the backend did not evaluate.")
    error: str | None = Field(None, description="Why the file could not be scored, if said (cut short).")
    # No validator rounds `score` (evidence_of does): 200,000 of these load with a lock of 10,000
    # cells, and a Python callback for each would be most of the time.


Request = dict[str, int | str | None]
"""A request body as the lock keeps it: `StartBatchRunRequest`'s fields, ids, names and digests."""
Inputs = dict[str, dict[str, dict[str, object]]]
"""What the managed inputs were when applied, by section and name (plan/inputs.py says what)."""
GateRules = dict[str, dict[str, object]]
"""The gates by name, as the spec states them."""


class LockCell(BaseModel):
    """What evalspec knows about one cell: what it sent, the run, and how it ended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str
    request: Request = Field(description="The body sent, schema contents replaced by digests.")
    run_id: int | None = None
    status: str | None = None
    total_files: int | None = None
    completed_files: int | None = None
    avg_score: float | None = None
    submitted_at: str | None = None
    completed_at: str | None = None
    error: str | None = Field(
        None, description="Why the cell's numbers cannot be trusted (e.g. a score outside 0..1); "
        "written only when there is one. A cell with an error fails every gate.",
    )

    state: str | None = Field(
        None, description="Where the run id lives: the backend's identity and, for a service that has "
        "one, its state's (`local#3f2a9c1d0b4e5f60`). A run id is read only there; absent in locks "
        "written before runs were bound to their state.",
    )
    files: dict[str, FileEvidence] | None = Field(
        None, description="Per-file evidence of the finished run, by file name (a name repeated in "
        "the run gets ` (2)`).",
    )
    pages: int | None = Field(
        None, description="Pages the run was submitted with, as the plan counted them (absent: unknown).",
    )
    usd: float | None = Field(
        None, description="What the run cost in dollars, by the price the plan had (absent: no price).",
    )
    conflict: str | None = Field(
        None, description="Set by the lock merge driver when both sides of a merge changed this cell: "
        "the next plan replaces it.",
    )

    _rounded = field_validator("avg_score")(round_score)

    @property
    def is_finished(self) -> bool:
        """The run ended (successfully or not) and will change no more."""
        return self.run_id is not None and runstatus.is_finished(self.status, self.completed_at)

    @property
    def is_failed(self) -> bool:
        """The run ended failed."""
        return self.is_finished and runstatus.is_failed(self.status)


class Lockfile(BaseModel):
    """The whole lock: one lineage, a serial bumped on every write, and the cells."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    lineage: str
    serial: int = Field(ge=0)
    gates: str | None = Field(None, description="Digest of the spec's gates when last applied.")
    gate_rules: GateRules | None = Field(
        None, description="The gates themselves, by name, so that a moved bar shows as old -> new "
        "(None in locks written before they were kept).",
    )
    inputs: Inputs | None = Field(
        None, description="What the managed inputs were when applied, so that plan and report can "
        "name what changed: `collections` (name -> digest and file digests), `rubrics` (name -> "
        "digest, file, definition as canonical JSON), `schemas` (digest -> name, file, canonical JSON).",
    )
    backend: str | None = Field(
        None, description="Where the run ids live: `local`, or the service's base URL.",
    )
    score_scale: float | None = Field(
        None, description="settings.score_scale the scores were read with; written only when not 1.",
    )
    cells: dict[str, LockCell] = Field(default_factory=dict)

    # Written only when set, so that locks of services scoring 0..1 stay as they always were.
    OPTIONAL_KEYS: ClassVar[tuple[str, ...]] = ("score_scale",)
    OPTIONAL_CELL_KEYS: ClassVar[tuple[str, ...]] = ("error", "state", "files", "pages", "usd", "conflict")

    @classmethod
    def new(cls) -> Lockfile:
        """An empty lock with a fresh lineage."""
        return cls(lineage=str(uuid.uuid4()), serial=0)

    def with_cells(self, cells: dict[str, LockCell], **changes: object) -> Lockfile:
        """A copy with these cells (sorted by key), the serial bumped, and these other `changes`."""
        ordered = {key: cells[key] for key in sorted(cells)}
        return self.model_copy(update={"cells": ordered, "serial": self.serial + 1, **changes})


@with_config(ConfigDict(extra="forbid"))
class RunFields(TypedDict, total=False):
    """The fields of a cell that its run sets (its answer, its place, its results' evidence):
    what `LockStore.record_run` journals and `update_run` changes. Typed as `LockCell` types them."""

    run_id: int | None
    status: str | None
    total_files: int | None
    completed_files: int | None
    avg_score: float | None
    completed_at: str | None
    error: str | None
    state: str | None
    files: dict[str, FileEvidence] | None
    pages: int | None
    usd: float | None
