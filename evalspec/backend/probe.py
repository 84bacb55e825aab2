"""`doctor`'s read-only first contact with a backend: does evalspec understand this service?

Every probe is a GET (none writes): the key is accepted, each endpoint evalspec uses answers, every answer
fits the client's models (or the field that does not fit is named), and what the docs leave
open is observed on existing runs: the score scale, the status words, the server's clock (run
adoption compares our clock with its timestamps) and its rate-limit headers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from evalspec.api import DatalabClient
from evalspec.api.answers import ApiShapeError, parse
from evalspec.api.extensions import CREATE_RUBRIC
from evalspec.api.paging import items_of
from evalspec.api.sender import Call
from evalspec.api.shapes import BatchRun, Collection, CollectionFile, Rubric, RunResults
from evalspec.base import runstatus
from evalspec.base.scores import out_of_range, suggested_scale
from evalspec.errors import AuthError, RemoteError

M = TypeVar("M", bound=BaseModel)
MAX_CLOCK_SKEW = 60.0  # the adoption window (apply/submit.py CLOCK_SKEW)
RUNS_SAMPLE = 50
RUBRICS = "/api/v1/eval_rubrics"
OPENAPI = "/openapi.json"


@dataclass(frozen=True)
class Finding:
    """One row of the doctor's table: `ok` True (fine), False (evalspec cannot work so), None (note)."""

    check: str
    ok: bool | None
    detail: str


@dataclass
class Observed:
    """What the answers showed beyond their shapes."""

    scores: list[float] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    headers: dict[str, str] = field(default_factory=dict)
    server_date: datetime | None = None


class Prober:
    """Runs the probes against one client, collecting findings in order."""

    def __init__(self, client: DatalabClient, scale: float, now: Callable[[], datetime]) -> None:
        self.client, self.scale, self.now = client, scale, now
        self.findings: list[Finding] = []
        self.seen = Observed()

    async def run(self) -> list[Finding]:
        """Every probe; stops early when the key is refused (nothing else can answer)."""
        collections = await self._list("/api/v1/collections", "collections", Collection, key_probe=True)
        if collections is None and self.findings[-1].check == "API key":
            return self.findings
        await self._list("/api/v1/eval_rubrics", "rubrics", Rubric)
        runs = await self._list("/api/v1/eval_batch_runs", "batch_runs", BatchRun, limit=RUNS_SAMPLE)
        if collections:
            await self._list(f"/api/v1/collections/{collections[0].id}/files", "files", CollectionFile)
        if runs:
            await self._run_details(runs)
        self.findings += [self._scale(), self._statuses(), self._clock(), self._rate_headers()]
        return self.findings

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> tuple[Call, Any]:
        call = Call("GET", path, "doctor", params=params)
        response = await self.client.sender.send(call)
        self._note_headers(response.headers)
        try:
            return call, response.json()
        except ValueError:
            raise ApiShapeError(f"GET {path} answered with a body that is not JSON", None,
                                may_have_acted=False) from None

    async def _list(self, path: str, key: str, model: type[M], *, limit: int = 1,
                    key_probe: bool = False) -> list[M] | None:
        try:
            call, body = await self._get(path, {"limit": limit})
            items = [parse(model, item, call, f"{key}.{i}") for i, item in enumerate(items_of(body, key))]
        except AuthError as exc:
            self.findings.append(Finding("API key" if key_probe else f"GET {path}", False, str(exc)))
            return None
        except RemoteError as exc:
            self.findings.append(Finding(f"GET {path}", False, str(exc)))
            return None
        if key_probe:
            self.findings.append(Finding("API key", True, "accepted"))
        self.findings.append(Finding(f"GET {path}", True, f"{len(items)} item(s) read"))
        for item in items:
            self._observe(item)
        return items

    async def _run_details(self, runs: list[BatchRun]) -> None:
        finished = next((run for run in runs if run.is_finished), runs[0])
        for path, model in ((f"/api/v1/eval_batch_runs/{finished.id}", BatchRun),
                            (f"/api/v1/eval_batch_runs/{finished.id}/results", RunResults)):
            try:
                call, body = await self._get(path)
                self._observe(parse(model, body, call))
            except RemoteError as exc:
                self.findings.append(Finding(f"GET {path}", False, str(exc)))
                continue
            self.findings.append(Finding(f"GET {path}", True, "read"))

    def _observe(self, item: BaseModel) -> None:
        if isinstance(item, BatchRun):
            self.seen.statuses.add(item.status)
            self.seen.scores += [item.avg_score] if item.avg_score is not None else []
        elif isinstance(item, RunResults):
            self._observe(item.batch_run)
            self.seen.scores += [r.eval_score for r in item.file_results if r.eval_score is not None]

    def _note_headers(self, headers: Mapping[str, str]) -> None:
        for name, value in headers.items():
            if "ratelimit" in name.lower() or name.lower() == "retry-after":
                self.seen.headers[name.lower()] = value
        date = headers.get("date")
        if date and self.seen.server_date is None:
            with contextlib.suppress(TypeError, ValueError):
                found = parsedate_to_datetime(date)
                # HTTP dates are GMT (RFC 9110); one sent without a zone (or as -0000) is read
                # as such, not compared naive with an aware clock (a TypeError, exit 70).
                self.seen.server_date = found if found.tzinfo else found.replace(tzinfo=timezone.utc)

    async def rubric_creation(self, managed: Sequence[str]) -> Finding:
        """Whether the service creates rubrics from a definition, told without writing: by the
        local service's capabilities, else by the service's own OpenAPI document. Datalab
        documents no such endpoint, so a spec with managed rubrics cannot be applied there."""
        check = "create rubrics"
        if CREATE_RUBRIC in await self.client.extensions.capabilities():
            return Finding(check, True, "offered (evalspec's POST /api/v1/eval_rubrics)")
        if await self._openapi_offers("post", RUBRICS):
            return Finding(check, True, f"offered (the service's OpenAPI lists POST {RUBRICS})")
        if not managed:
            return Finding(check, None, "not offered that evalspec can tell; the spec manages no rubric")
        names = ", ".join(managed)
        return Finding(check, False, f"not offered: this service lists no POST {RUBRICS}, so apply "
                       f"cannot create the spec's managed rubrics ({names}); make them in Datalab "
                       "and name them by `id:` instead of `definition:`")

    async def _openapi_offers(self, method: str, path: str) -> bool:
        try:
            _, document = await self._get(OPENAPI)
        except RemoteError:
            return False  # no published document (or not JSON): nothing is offered that we can see
        paths = document.get("paths") if isinstance(document, dict) else None
        operations = paths.get(path) if isinstance(paths, dict) else None
        return isinstance(operations, dict) and method in operations

    def _scale(self) -> Finding:
        if not self.seen.scores:
            return Finding("score scale", None, "no scores on existing runs yet: cannot tell")
        top = max(self.seen.scores)
        if top / self.scale > 1:
            return Finding("score scale", False, out_of_range(top, self.scale, "a score"))
        if self.scale > 1 and top <= 1 and suggested_scale(top) != self.scale:
            return Finding("score scale", None, f"scores up to {top:g} look 0..1, yet "
                           f"settings.score_scale is {self.scale:g}")
        return Finding("score scale", True, f"scores up to {top:g} / score_scale {self.scale:g}")

    def _statuses(self) -> Finding:
        words = sorted(self.seen.statuses)
        unknown = [w for w in words if not runstatus.is_known(w)]
        if not words:
            return Finding("status words", None, "no runs yet")
        if unknown:
            return Finding("status words", None, f"seen {', '.join(words)}; unknown: "
                           f"{', '.join(unknown)} (runs wait for completed_at with those)")
        return Finding("status words", True, f"seen {', '.join(words)}")

    def _clock(self) -> Finding:
        if self.seen.server_date is None:
            return Finding("clock", None, "the service sent no Date header: cannot compare")
        skew = (self.seen.server_date - self.now()).total_seconds()
        detail = f"server is {abs(skew):.0f} s {'ahead of' if skew >= 0 else 'behind'} this machine"
        return Finding("clock", abs(skew) <= MAX_CLOCK_SKEW, detail if abs(skew) <= MAX_CLOCK_SKEW else
                       f"{detail}: adopting runs after a lost answer allows {MAX_CLOCK_SKEW:.0f} s")

    def _rate_headers(self) -> Finding:
        if not self.seen.headers:
            return Finding("rate-limit headers", None, "none sent (evalspec paces itself: 400/60)")
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(self.seen.headers.items()))
        return Finding("rate-limit headers", True, shown)


async def probe(client: DatalabClient, scale: float = 1.0,
                now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                managed_rubrics: Sequence[str] = ()) -> list[Finding]:
    """The doctor's findings about the service behind `client` (read-only); `managed_rubrics`:
    the spec's rubrics that apply would create from their definition files."""
    prober = Prober(client, scale, now)
    findings = await prober.run()
    if findings[-1].check == "API key":
        return findings
    return [*findings, await prober.rubric_creation(managed_rubrics)]
