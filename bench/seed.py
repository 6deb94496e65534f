"""Seeding an estate fast: the emulator in this process (no server, no latency), the manifests built from dicts.

The seeded state is exactly what ``reconciler apply`` makes of the estate's manifests (the same planner and
executor, through the emulator's in-process transport), so the measured ``plan`` afterwards reads a live state
that apply produced. YAML parsing is skipped here (the documents are validated from their dicts); the measured
scenarios always load the YAML files.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from bench import estate
from reconciler.manifest.desired import Desired
from reconciler.manifest.loader import check_document, to_desired
from reconciler.manifest.problems import Document
from reconciler.runner import run

UTC = dt.timezone.utc


def desired_of(n: int, variant: estate.Variant = estate.Variant(), only: frozenset[int] | None = None) -> Desired:
    """The estate's ``Desired`` straight from the generated dicts (what loading the written files gives)."""
    documents = []
    for i in (range(n) if only is None else sorted(only)):
        for data in estate.documents(i, variant):
            document = Document(f"{estate.customer_key(i)}.yaml", data)
            problems = check_document(document)
            if problems:
                raise ValueError(f"generated manifest does not validate: {problems[0]}")
            documents.append(document)
    return to_desired(documents)


async def plan_in_process(emulator, desired: Desired, now: dt.datetime):
    """Plan ``desired`` against the in-process emulator (the read phase of the pipeline, then the planner)."""
    from reconciler.live.read import read_live
    from reconciler.metronome import open_client, resolve_endpoint
    from reconciler.plan.planner import PlanOptions, default_effective_at, plan

    endpoint = resolve_endpoint(f"emulator:{emulator_db(emulator)}")
    async with open_client(endpoint, transport=emulator.transport(), concurrency=32) as client:
        live = await read_live(client, desired, seats_from=default_effective_at(now))
    return plan(desired, live, now, PlanOptions(target=endpoint.display))


async def apply_in_process(emulator, the_plan, journal: Path) -> None:
    from reconciler.apply.executor import Executor
    from reconciler.metronome import open_client, resolve_endpoint
    from reconciler.plan.format import plan_id

    endpoint = resolve_endpoint(f"emulator:{emulator_db(emulator)}")
    pid = plan_id(the_plan)
    async with open_client(endpoint, transport=emulator.transport(), concurrency=32) as client:
        report = await Executor(client, the_plan, _UnsyncedJournal(journal, pid), plan_id=pid).run()
    if not report.ok:
        failed = next(o for o in report.outcomes if o.status == "failed")
        raise RuntimeError(f"seeding failed at {failed.op.id}: {failed.message}")


class _UnsyncedJournal:
    """The seeding apply's journal: kept in memory (a real apply fsyncs every line; seeding is not measured)."""

    def __init__(self, path: Path, plan_id: str) -> None:
        self.path, self.plan_id, self.lines = path, plan_id, []

    def record(self, event: str, op_id: str | None = None, **fields) -> None:
        self.lines.append((event, op_id, fields))

    async def commit(self) -> None:
        """Nothing to make durable: the lines are in memory."""

    def close(self) -> None:
        """Nothing to close."""

    def done(self) -> dict[str, dict]:
        return {}


def emulator_db(emulator) -> str:
    return os.fspath(emulator.bench_db)


def seed(db: Path, n: int, workdir: Path) -> None:
    """Create the emulator database ``db`` holding the estate of ``n`` customers, applied from its manifests."""
    from reconciler.emulator import Emulator

    emulator = Emulator(db_path=db)
    emulator.bench_db = db
    try:
        now = dt.datetime.now(UTC)
        the_plan = run(plan_in_process(emulator, desired_of(n), now))
        run(apply_in_process(emulator, the_plan, workdir / "seed-journal.jsonl"))
    finally:
        emulator.close()
