"""The executor: the only writer. It runs a plan's requests exactly as written, in order, and stops at the
first failure.

Recipe: take the target's apply lock (one apply at a time per target on this machine); refuse what must be refused
before any write (destructive operations without an allow, a plan for another target, a stale plan); then run the operations — account-wide ones first, then each customer's chain in plan order,
chains side by side within the client's concurrency bound. A 409 or an unknown outcome (timeout, dropped
connection, 5xx) is settled by a read-back, never by a blind retry. Every event goes to the journal.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

import orjson

from reconciler.apply.journal import Journal
from reconciler.apply.lock import target_lock
from reconciler.apply.readback import find_applied, is_idempotent
from reconciler.apply.verify import verify
from reconciler.errors import ApiError, ApplyError, ConflictError, WriteOutcomeUnknownError
from reconciler.plan.model import Operation, Plan

MAX_SENDS = 3
PLACEHOLDER = "${customer."
_PLACEHOLDER_BYTES = PLACEHOLDER.encode()


@dataclass
class Outcome:
    op: Operation
    status: str
    """``done``, ``already-done``, ``failed`` or ``not-attempted``."""
    message: str = ""
    created_id: str | None = None
    outcome_unknown: bool = False
    """For ``failed``: the write may have taken effect (its answer was lost and no read-back settled it)."""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.status in ("done", "already-done") for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


class OutcomeUnknownError(ApplyError):
    """A write whose answer was lost and that no read-back settled: it may or may not have taken effect."""


def refuse_unallowed(plan: Plan) -> None:
    blocked = [op for op in plan.operations if op.destructive and not op.allowed]
    if blocked:
        lines = "\n  ".join(f"{op.id}: {op.summary}" for op in blocked)
        raise ApplyError(f"the plan has {len(blocked)} destructive operation(s) without an explicit allow; nothing "
                         f"was applied:\n  {lines}", hint="set allow_destructive: true in the manifest, or plan "
                         "again with --allow-destructive ADDRESS, and review the new plan")


class Executor:
    def __init__(self, client: Any, plan: Plan, journal: Journal, *, plan_id: str,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.client, self.plan, self.journal, self.plan_id = client, plan, journal, plan_id
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.ids: dict[str, str] = {}
        self.stop = asyncio.Event()
        self.outcomes: dict[str, Outcome] = {}

    async def run(self) -> Report:
        refuse_unallowed(self.plan)
        async with target_lock(self.plan.target):
            try:
                return await self._verify_and_run()
            finally:
                self.journal.close()

    async def _verify_and_run(self) -> Report:
        verification = await verify(self.client, self.plan, self.journal.done())
        self._recall_created_ids(verification.already_done)
        self.journal.record("apply-start", target=self.plan.target, operations=len(self.plan.operations))
        account, chains = _chains(self.plan.operations)
        await self._run_chain(account, verification.already_done)
        if not self.stop.is_set():
            await asyncio.gather(*(self._run_chain(c, verification.already_done) for c in chains))
        report = Report([self.outcomes.get(op.id) or Outcome(op, "not-attempted") for op in self.plan.operations])
        self.journal.record("apply-end", ok=report.ok, done=report.count("done"),
                            failed=report.count("failed"), not_attempted=report.count("not-attempted"))
        await self.journal.commit()
        return report

    def _recall_created_ids(self, done: dict[str, dict]) -> None:
        for op in self.plan.operations:
            line = done.get(op.id)
            if op.creates and line and line.get("created_id"):
                self.ids[op.creates] = line["created_id"]

    async def _run_chain(self, ops: list[Operation], done: dict[str, dict]) -> None:
        for op in ops:
            if self.stop.is_set():
                return
            if op.id in done:
                self._finish(Outcome(op, "already-done", "recorded in the journal", done[op.id].get("created_id")))
            else:
                await self._run(op)
            await self.journal.commit()  # the outcome is on disk before this chain moves on

    async def _run(self, op: Operation) -> None:
        self.journal.record("start", op.id, address=op.address, method=op.request.method, path=op.request.path)
        try:
            outcome = await self._send(op, _filled(op.request.body, self.ids))
        except OutcomeUnknownError as exc:
            outcome = Outcome(op, "failed", exc.message, outcome_unknown=True)
        except ApiError as exc:
            outcome = Outcome(op, "failed", exc.message)
        except ApplyError as exc:
            outcome = Outcome(op, "failed", exc.message)
        if outcome.created_id and op.creates:
            self.ids[op.creates] = outcome.created_id
        self._finish(outcome)

    async def _send(self, op: Operation, body: dict | None) -> Outcome:
        for _ in range(MAX_SENDS):
            try:
                data = await self.client.request(op.request.method, op.request.path, json=body, write=True,
                                                 idempotency_key=idempotency_key(self.plan_id, op.id))
                return Outcome(op, "done", "", _created_id(data))
            except ConflictError:
                evidence = None if is_idempotent(op.request.path) else await find_applied(self.client, op, body)
                if evidence or is_idempotent(op.request.path):
                    return Outcome(op, "already-done", "409: already applied (read back)",
                                   (evidence or {}).get("id"))
                raise
            except WriteOutcomeUnknownError as exc:
                evidence = await self._read_back(op, body, exc)
                if evidence:
                    return Outcome(op, "done", f"confirmed by read-back after {exc.cause}", evidence.get("id"))
                self.journal.record("resend", op.id, cause=str(exc.cause))
        raise OutcomeUnknownError(f"{op.id}: outcome still unknown after {MAX_SENDS} sends and read-backs")

    async def _read_back(self, op: Operation, body: dict, unknown: WriteOutcomeUnknownError) -> dict | None:
        # A failed read-back settles nothing: the write may have happened, so it must not be reported as failed.
        try:
            return await find_applied(self.client, op, body)
        except ApiError as exc:
            raise OutcomeUnknownError(f"{op.id}: outcome unknown after {unknown.cause} (the write may have taken "
                                      f"effect), and the read-back failed: {exc.message}") from exc

    def _finish(self, outcome: Outcome) -> None:
        self.outcomes[outcome.op.id] = outcome
        fields = {"address": outcome.op.address}
        if outcome.created_id:
            fields["created_id"] = outcome.created_id
        if outcome.message:
            fields["message"] = outcome.message
        if outcome.outcome_unknown:
            fields["outcome_unknown"] = True
        self.journal.record(outcome.status, outcome.op.id, **fields)
        if outcome.status == "failed":
            self.stop.set()
        self.on_outcome(outcome)


def idempotency_key(plan_id: str, op_id: str) -> str:
    """The ``Idempotency-Key`` of one operation of one plan: Metronome replays the first result for a re-send
    with the same key (reference §1.5), on top of the ``uniqueness_key`` and read-back checks."""
    return "reconciler-" + hashlib.sha256(f"{plan_id}\x1f{op_id}".encode()).hexdigest()


def _chains(operations: list[Operation]) -> tuple[list[Operation], list[list[Operation]]]:
    """Account-wide operations, then one chain per customer in plan order."""
    account: list[Operation] = []
    chains: dict[str, list[Operation]] = {}
    for op in operations:
        if op.kind == "custom_field_key":
            account.append(op)
        else:
            chains.setdefault(_customer_of(op.address), []).append(op)
    return account, list(chains.values())


def _customer_of(address: str) -> str:
    kind, _, rest = address.partition(".")
    return rest.split("/", 1)[0]


def _created_id(data: Any) -> str | None:
    if isinstance(data, dict):
        inner = data.get("data", data)
        if isinstance(inner, dict) and isinstance(inner.get("id"), str):
            return inner["id"]
    return None


def _filled(body: Any, ids: dict[str, str]) -> Any:
    """``body`` with its placeholders filled; ``body`` itself (no copy) when it has none, as most bodies do.
    orjson finds that out in microseconds, where walking a large contract body costs a tenth of a millisecond."""
    try:
        if _PLACEHOLDER_BYTES not in orjson.dumps(body):
            return body
    except orjson.JSONEncodeError:
        pass
    return _fill(body, ids)


def _fill(value: Any, ids: dict[str, str]) -> Any:
    """Replace ``${customer.<name>.id}`` placeholders with ids created earlier in this apply."""
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, str) and value.startswith(PLACEHOLDER) and value.endswith(".id}"):
        address = value[2:-4]
        if address not in ids:
            raise ApplyError(f"{value} is not known: the operation creating {address} did not run")
        return ids[address]
    return value
