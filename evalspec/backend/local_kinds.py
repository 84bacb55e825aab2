"""Which managed rubrics the local backend cannot evaluate at all (no check kind it knows)."""

from __future__ import annotations

from evalspec.base.checkkinds import CHECK_KINDS
from evalspec.spec.spec import Spec


def unevaluated_rubric_warnings(spec: Spec) -> list[str]:
    """One warning per managed rubric whose definition uses no kind the local engine evaluates."""
    warnings = []
    for name, rubric in sorted(spec.rubrics.items()):
        evaluations = (rubric.definition or {}).get("evaluations") or []
        kinds = sorted({str(ev.get("kind")) for ev in evaluations if isinstance(ev, dict)})
        if rubric.definition is not None and not any(kind in CHECK_KINDS for kind in kinds):
            warnings.append(
                f"warning: rubric {name!r} ({rubric.where}) uses no check kind the local backend "
                f"evaluates ({', '.join(kinds) or 'none'}): every file of its cells scores 0 "
                f"there. Local kinds: {', '.join(sorted(CHECK_KINDS))}"
            )
    return warnings
