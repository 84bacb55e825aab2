"""`evalspec apply`: plan, then submit and follow under the lock, resumably."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.apply.executor import DEFAULT_CONCURRENCY, ApplyOptions, ApplyOutcome, Executor
from evalspec.apply.pages import shard_share
from evalspec.apply.pricing import what_the_service_tells
from evalspec.backend.connect import Backend, open_backend, opened_target
from evalspec.backend.local_kinds import unevaluated_rubric_warnings
from evalspec.backend.which import backend_for_lock, planned_target
from evalspec.base.durations import parse_duration
from evalspec.base.gcpause import gc_freeze_if_console
from evalspec.base.polling import LOCAL_POLL_CEILING, LOCAL_POLL_FIRST_WAIT, POLL_CEILING, POLL_FIRST_WAIT
from evalspec.base.rates import DEFAULT_RATE, rate_share
from evalspec.commands.guard import holding, refuse_collected_lock
from evalspec.commands.progress import Progress
from evalspec.console import err, out
from evalspec.errors import EXIT_OK, Interrupted, RemoteError, RunsFailed, UsageError
from evalspec.local.engine.noise import ScoreNoise
from evalspec.lock.journal import read_current_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.lock.store import LockStore
from evalspec.plan.budget import Limit, check_budget, parse_budget
from evalspec.plan.diff import Target
from evalspec.plan.display import summary_line
from evalspec.plan.pages import default_cache
from evalspec.plan.plan import Plan, make_plan
from evalspec.plan.priced import priced
from evalspec.plan.saved import check_not_stale, read_saved_plan
from evalspec.plan.select import Selection, parse_selection
from evalspec.spec.load import load_spec
from evalspec.spec.spec import Spec

RESUME_HINT = "run `evalspec apply` again to resume: runs already submitted are followed, never resubmitted"


@dataclass(frozen=True)
class ApplyRequest:
    """The apply command's arguments, unpacked from the CLI."""

    paths: Sequence[Path]
    lock_path: Path
    backend: str | None = None  # None: the lock's (backend_for_lock)
    plan_file: Path | None = None
    wait: bool = True
    retry_failed: bool = False
    selects: Sequence[str] = ()
    shard: str | None = None
    rate_limit: str | None = None
    concurrency: int | None = None
    poll_interval: float | None = None  # POLL_FIRST_WAIT; LOCAL_POLL_FIRST_WAIT for --backend local
    state_dir: Path | None = None
    timeout: str | None = None
    replace: Sequence[str] = ()  # cells to evaluate again whatever the lock holds (`all`: every one)
    score_noise: ScoreNoise | None = None  # --backend local as a noisy judge (--score-noise)
    budget: str | None = None  # --budget: pages=N,usd=X or none; None: settings.budget
    pages_in_flight: int | None = None  # None: settings.pages_in_flight (a shard's share of it)
    local_pages_in_flight: int | None = None  # --backend local's team page limit (service side)


def run(request: ApplyRequest) -> int:
    """Apply the specs (or a saved plan); exit 0, or raise the error that says what went wrong."""
    saved = read_saved_plan(request.plan_file) if request.plan_file else None
    paths = saved.spec_paths if saved else request.paths
    selects, shard = (saved.selects, saved.shard) if saved else (request.selects, request.shard)
    retry_failed = saved.retry_failed if saved else request.retry_failed
    replace = saved.replace if saved else tuple(request.replace)
    named_backend = (saved.backend if saved else None) or request.backend
    spec = load_spec(paths)
    timeout = timeout_seconds(request.timeout or spec.settings.timeout)  # refused before anything is touched
    limit = parse_budget(request.budget) if request.budget is not None else Limit.of(spec.settings.budget)
    refuse_collected_lock(spec, request.lock_path)
    selection = parse_selection(selects, shard)
    with holding(request.lock_path):
        current = read_current_lock(request.lock_path)  # the lock as `plan` sees it, journal included
        backend = backend_for_lock(current, named_backend)
        target = planned_target(backend, request.state_dir)
        planning = Planning(spec, selection, retry_failed, replace, target)
        plan = planning.make(current)
        if saved is not None and request.plan_file is not None:
            check_not_stale(saved, plan, request.plan_file)
        plan = priced(spec, plan, default_cache(request.state_dir))
        check_budget(plan.cost, limit)  # before anything is submitted, uploaded or written
        store = LockStore.open(request.lock_path)
        try:
            _keep_only_shard(store, selection)
            err(summary_line(plan))
            if backend == "local":
                for warning in unevaluated_rubric_warnings(spec):
                    err(warning)
            outcome = asyncio.run(_apply(request, backend, planning, plan, store, timeout, limit))
            if outcome.succeeded:
                store.commit_settings()
        finally:
            store.close()
    return _conclude(outcome, request)


@dataclass(frozen=True)
class Planning:
    """What the plan is made of, so that apply can make it again once a remote service has
    told where its runs live (a plan offline cannot know an `evalspec server`'s state): only
    when the plan follows runs up, since no other action depends on that place."""

    spec: Spec
    selection: Selection
    retry_failed: bool
    replace: Sequence[str]
    target: Target

    def make(self, lock: Lockfile | None, target: Target | None = None) -> Plan:
        return make_plan(self.spec, lock, self.selection, retry_failed=self.retry_failed,
                         replace=self.replace, target=target or self.target)

    def again_at(self, plan: Plan, lock: Lockfile, here: Target) -> Plan:
        """The plan for the backend as it answered: `plan` itself unless its runs to follow
        might live elsewhere than the offline plan could tell."""
        if here == self.target or not any(change.follows_run for change in plan.changes):
            return plan
        return self.make(lock, here)


def _keep_only_shard(store: LockStore, selection: Selection) -> None:
    """A shard's lock holds its own cells only, so that shard locks merge without conflicts."""
    if selection.shard is None:
        return
    for key in list(store.lock.cells):
        if not selection.shard.owns(key):
            store.remove(key)


async def _apply(request: ApplyRequest, backend_name: str, planning: Planning, plan: Plan,
                 store: LockStore, timeout: float | None, limit: Limit | None) -> ApplyOutcome:
    spec = planning.spec
    counts = plan.action_counts
    progress = Progress(counts["create"] + counts["replace"], counts["poll"])
    poll_first_wait, poll_ceiling = _poll_schedule(request, backend_name)
    options = ApplyOptions(
        wait=request.wait,
        concurrency=request.concurrency or spec.settings.concurrency or DEFAULT_CONCURRENCY,
        poll_first_wait=poll_first_wait,
        poll_ceiling=poll_ceiling,
        state_dir=request.state_dir,
        timeout=timeout,
        score_scale=spec.settings.score_scale,
        pages_in_flight=pages_in_flight(request, spec, planning.selection),
    )
    async with open_backend(
        backend_name, rate=rate_limit(request, spec, planning.selection, backend_name),
        state_dir=request.state_dir,
        score_noise=request.score_noise, local_pages_in_flight=request.local_pages_in_flight,
    ) as backend:
        gc_freeze_if_console()  # the imports and the local service's app live as long as this process
        here = await opened_target(backend)
        again = planning.again_at(plan, store.lock, here)  # a remote service: its state is known now
        if again is not plan:
            plan = priced(spec, again, default_cache(request.state_dir))
        plan = await _priced_by_the_service(spec, plan, backend, request.state_dir, limit)
        assert here.place is not None
        store.set_backend(backend.identity)
        executor = Executor(backend, spec, store, options, progress, here.place)
        _stop_on_interrupt(executor)
        try:
            return await executor.run(plan)
        finally:
            progress.close()


def rate_limit(request: ApplyRequest, spec: Spec, selection: Selection, backend: str) -> str | None:
    """The client-side request budget: --rate-limit as given, else the team's (settings.rate_limit,
    400/60 for a remote service), of which a shard takes its 1/N share."""
    if request.rate_limit is not None or selection.shard is None:
        return request.rate_limit or spec.settings.rate_limit
    team = spec.settings.rate_limit or (DEFAULT_RATE if backend != "local" else None)
    return rate_share(team, selection.shard.count) if team is not None else None


def pages_in_flight(request: ApplyRequest, spec: Spec, selection: Selection) -> int:
    """The pages of unfinished runs this apply stays under: --pages-in-flight as given, else
    settings.pages_in_flight, of which a shard takes its 1/N share (the team's limit is one)."""
    if request.pages_in_flight is not None:
        return request.pages_in_flight
    shards = selection.shard.count if selection.shard is not None else 1
    return shard_share(spec.settings.pages_in_flight, shards)


async def _priced_by_the_service(
    spec: Spec, plan: Plan, backend: Backend, state_dir: Path | None, limit: Limit | None,
) -> Plan:
    """The plan priced again with what only the service knows (custom pipelines' rates,
    unmanaged collections' pages) when that could change it, and the budget checked again,
    still before anything is submitted."""
    cost = plan.cost
    asks = cost is not None and (cost.unknown or cost.unpriced) and (limit is not None or any(
        c.cell is not None and c.cell.request.body.get("pipeline_id") for c in plan.changes))
    if not asks:
        return plan
    cells = [c.cell for c in plan.changes if c.cell is not None]
    told = await what_the_service_tells(backend.client, spec, cells, {})
    plan = priced(spec, plan, default_cache(state_dir), *told)
    check_budget(plan.cost, limit)
    return plan


def _poll_schedule(request: ApplyRequest, backend: str) -> tuple[float, float]:
    """The first wait between poll rounds and the most it grows to."""
    if backend != "local":
        return request.poll_interval or POLL_FIRST_WAIT, POLL_CEILING
    first_wait = request.poll_interval or LOCAL_POLL_FIRST_WAIT
    return first_wait, max(first_wait, LOCAL_POLL_CEILING)


def _stop_on_interrupt(executor: Executor) -> None:
    """First Ctrl-C: stop submitting and polling, save the lock. A second one aborts at once."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        err("Stopping: no new submissions; saving the lock (Ctrl-C again to abort now).")
        executor.interrupt()
        loop.remove_signal_handler(signal.SIGINT)

    # No signal handlers off the main thread (or on Windows): Ctrl-C then aborts at once.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, stop)


def timeout_seconds(text: str | None) -> float | None:
    """The apply timeout in seconds (None: wait for every run)."""
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--timeout: {exc}") from None


def _conclude(outcome: ApplyOutcome, request: ApplyRequest) -> int:
    if outcome.fatal is not None:
        raise RemoteError(f"{outcome.fatal}; the lock is saved: {RESUME_HINT}")
    if outcome.timed_out:
        meanwhile = outcome.failed_runs + outcome.cell_errors + outcome.score_errors
        raise RemoteError(
            f"Timed out with {outcome.in_flight} run(s) unfinished; the lock is saved with them as "
            "they are. `evalspec apply` follows them up (never resubmits), or "
            "`evalspec status --refresh` records where they are."
            + ("\nMeanwhile:\n  " + "\n  ".join(meanwhile[:20]) if meanwhile else "")
        )
    if outcome.interrupted:
        raise Interrupted(
            f"Interrupted with {outcome.in_flight} run(s) in flight; the lock is saved; {RESUME_HINT}."
        )
    problems = outcome.failed_runs + outcome.cell_errors + outcome.score_errors
    if problems:
        shown = "\n  ".join(problems[:20]) + ("\n  ..." if len(problems) > 20 else "")
        hints = ["The lock records them"]
        if outcome.failed_runs or outcome.cell_errors:
            hints.append("`evalspec apply --retry-failed` resubmits failed runs")
        if outcome.score_errors:
            hints.append("with settings.score_scale fixed, `evalspec apply` reads their scores "
                         "again (nothing is resubmitted)")
        raise RunsFailed(f"{len(problems)} cell(s) failed:\n  {shown}\n" + "; ".join(hints) + ".")
    if not request.wait:
        out(f"Submitted {outcome.submitted} run(s) without waiting; "
            "`evalspec apply` or `evalspec status --refresh` follows them up.")
    else:
        out(f"Apply complete: {outcome.submitted} submitted ({outcome.adopted} adopted), "
            f"{outcome.removed} removed from the lock.")
    return EXIT_OK
