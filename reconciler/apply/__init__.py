"""Apply: the only stage that writes to Metronome (DESIGN.md §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from reconciler.apply.executor import Executor, Outcome, Report, refuse_unallowed
from reconciler.apply.journal import Journal, default_path
from reconciler.plan.model import Plan

__all__ = ["Executor", "Journal", "Outcome", "Report", "apply_plan", "refuse_unallowed"]


async def apply_plan(plan: Plan, *, endpoint: str | None = None, journal_path: str | Path | None = None,
                     on_outcome: Callable[[Outcome], None] | None = None, transport: Any = None,
                     progress: Callable[[str], None] | None = None, concurrency: int | None = None,
                     verified_id: str | None = None) -> Report:
    """Check the plan's target, then execute it against ``endpoint`` with a journal. ``verified_id`` is the
    plan's id as :func:`~reconciler.plan.format.load_plan_with_id` checked it (else it is computed here)."""
    from reconciler.metronome import open_client, resolve_endpoint
    from reconciler.plan.format import check_target, plan_id

    resolved = resolve_endpoint(endpoint)
    check_target(plan, resolved.display)
    refuse_unallowed(plan)
    pid = verified_id or plan_id(plan)
    journal = Journal(journal_path or default_path(pid), pid)
    options = {} if concurrency is None else {"concurrency": concurrency}
    async with open_client(resolved, transport=transport, progress=progress, **options) as client:
        return await Executor(client, plan, journal, plan_id=pid, on_outcome=on_outcome).run()
