"""The plan as people read it: managed objects, cells grouped by action, then one summary line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evalspec.base.text import plural
from evalspec.plan.cost import CellCost, PlanCost, dollars, pages_text
from evalspec.plan.diff import ACTIONS, Change
from evalspec.plan.managed import SIDECAR_NOTE, ManagedObject
from evalspec.plan.plan import Plan

SYMBOLS = {"create": "+", "replace": "~", "poll": ">", "keep": " ", "remove": "-"}
HEADINGS = {
    "create": "to create", "replace": "to replace", "poll": "to follow (submitted, not finished)",
    "keep": "unchanged", "remove": "to remove from the lock",
}


def render_plan(plan: Plan, *, show_unchanged: bool = False) -> str:
    """A readable table grouped by action, ending with the summary line."""
    lines: list[str] = managed_lines(plan.managed)
    costs = {c.key: c for c in plan.cost.cells} if plan.cost is not None else {}
    width = max((len(c.key) for c in plan.changes), default=0)
    shown: dict[tuple[str, tuple[str, ...]], str] = {}  # a diff -> the cell it is printed under
    for obj in plan.managed:  # the managed objects section prints a rubric's diff already
        if obj.kind == "rubric" and obj.diff:
            shown[(f"rubric {obj.name}", tuple(obj.diff))] = "managed objects"
    for action in ACTIONS:
        group = [c for c in plan.changes if c.action == action]
        if not group or (action == "keep" and not show_unchanged):
            continue
        lines.append(f"{HEADINGS[action]} ({len(group)}):")
        lines += [line for change in group for line in _row(change, width, plan.known_ids, shown, costs)]
        lines.append("")
    lines += cost_lines(plan.cost)
    lines += _notes(plan)
    lines.append(summary_line(plan))
    return "\n".join(lines)


def _row(change: Change, width: int, known: Mapping[tuple[str, str], int],
         shown: dict[tuple[str, tuple[str, ...]], str], costs: Mapping[str, CellCost]) -> list[str]:
    """A cell's line and its causes; a diff already printed (under another cell, or in the managed
    objects section) is named, not repeated: a rubric used by 40 cells has one diff, not 40."""
    lookups = change.cell.request.with_known(known)[1] if change.cell and change.submits else {}
    extra = f"  [lookup: {', '.join(sorted(lookups.values()))}]" if lookups else ""
    if change.key in costs:
        extra += f"  [{cell_pages_text(costs[change.key])}]"
    lines = [f"  {SYMBOLS[change.action]} {change.key:<{width}}  {change.reason}{extra}"]
    for cause in change.causes:
        where = shown.setdefault((cause.input, cause.detail), change.key) if cause.detail else change.key
        if where == change.key:
            lines.append(f"      {cause}")
            lines += [f"        {line}" for line in cause.detail]
        else:
            place = "in" if where == "managed objects" else "under"
            lines.append(f"      {cause} (diff shown {place} {where})")
    return lines


def managed_lines(objects: Sequence[ManagedObject]) -> list[str]:
    """The managed objects section (nothing when the plan submits no cell that uses one)."""
    if not objects:
        return []
    lines = ["managed objects (content-addressed: found by name, created when missing, never edited):"]
    for obj in objects:
        lines.append(f"  {obj.action} {obj.kind} {obj.name} -> {obj.server_name}: {_details(obj)}")
        lines += [f"      {line}" for line in obj.diff]
    if any(obj.sidecars for obj in objects):
        lines.append(f"  ({SIDECAR_NOTE})")
    return [*lines, ""]


def _details(obj: ManagedObject) -> str:
    if obj.kind == "rubric":
        what = {"+": "new definition", "~": "definition changes", "=": "definition unchanged"}
        return f"{what[obj.action]} ({obj.file})"
    counts = plural(obj.documents, "document")
    if obj.sidecars:
        counts += f", {plural(obj.sidecars, 'truth sidecar')}"
    moved = [f"{n} {verb}" for n, verb in zip(obj.files, ("added", "removed", "changed"), strict=True) if n]
    return counts + (f"; files since the lock: {', '.join(moved)}" if moved else "")


def _notes(plan: Plan) -> list[str]:
    if plan.gate_moves:
        return ["gates moved since the lock was applied:", *(f"  {m}" for m in plan.gate_moves), ""]
    if not plan.gates_changed:
        return []
    return ["Note: the spec's gates changed since the lock was last written.", ""]


def summary_line(plan: Plan) -> str:
    """`Plan: 3 to create, 1 to replace, 12 unchanged, 0 to remove` (and `N to follow` if any)."""
    counts = plan.action_counts
    parts = [f"{counts['create']} to create", f"{counts['replace']} to replace"]
    if counts["poll"]:
        parts.append(f"{counts['poll']} to follow")
    parts += [f"{counts['keep']} unchanged", f"{counts['remove']} to remove"]
    return "Plan: " + ", ".join(parts)


def cell_pages_text(cost: CellCost) -> str:
    """`12 pages, $0.05`; `pages unknown`; `~3 pages` when estimated."""
    if cost.pages is None:
        return "pages unknown"
    text = pages_text(cost.pages, cost.estimated)
    return text + (f", {dollars(cost.cents)}" if cost.cents is not None else "")


def cost_lines(cost: PlanCost | None) -> list[str]:
    """What the submitted cells hold in pages and cost: known totals, and what is not known."""
    if cost is None or not cost.cells:
        return []
    estimated = any(c.estimated for c in cost.cells)
    line = f"Pages: apply would evaluate {pages_text(cost.pages, estimated)}"
    if cost.cents is not None:
        line += f", about {dollars(cost.cents)}"
    lines = [line]
    if cost.unknown:
        lines.append(f"  pages unknown for {plural(len(cost.unknown), 'cell')} (unmanaged collections; "
                     "`plan --refresh` asks the service): " + ", ".join(cost.unknown[:5])
                     + (", ..." if len(cost.unknown) > 5 else ""))
    if cost.unpriced and cost.cents is not None:
        lines.append(f"  no price for {plural(len(cost.unpriced), 'cell')} (settings.prices): "
                     + ", ".join(cost.unpriced[:5]) + (", ..." if len(cost.unpriced) > 5 else ""))
    return [*lines, ""]
