"""Before any write: is the plan still true? Re-read every object the plan acts on and compare fingerprints.

An object whose fingerprint changed is stale, unless the change is this very plan's own earlier, partial run
(a journal line, or one of the plan's edit keys in the contract's edit history). One stale object refuses the
whole plan, with the list of what changed and the advice to plan again, before a single write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.errors import NotFoundError, StalePlanError
from reconciler.live.model import LiveContract, LiveCustomer
from reconciler.plan.canon import ts
from reconciler.plan.fingerprint import contract_fingerprint, customer_fingerprint
from reconciler.plan.model import Operation, Plan
from reconciler.plan.planner import default_effective_at


@dataclass
class Verification:
    already_done: dict[str, dict] = field(default_factory=dict)
    """op id -> evidence, for operations an earlier run of this plan finished."""
    resumed: set[str] = field(default_factory=set)
    """Addresses this plan already touched in an earlier run: their operations are confirmed one by one."""


async def verify(client, plan: Plan, journal_done: dict[str, dict]) -> Verification:
    result = Verification(already_done=dict(journal_done))
    since = ts(default_effective_at(plan.now))
    stale: list[str] = []
    touched = {op.address for op in plan.operations if op.id in journal_done}
    for key, ops in _objects(plan).items():
        pending = [op for op in ops if op.id not in journal_done]
        if not pending or not pending[0].fingerprint:
            continue
        current = await _current_fingerprint(client, pending[0], since)
        if current == pending[0].fingerprint:
            continue
        if pending[0].address in touched or await _edited_by_plan(client, pending[0], ops):
            result.resumed.add(pending[0].address)
            continue
        stale.append(f"{pending[0].address} ({'deleted' if current is None else 'changed since the plan'})")
    if stale:
        raise StalePlanError(f"the plan is stale: {len(stale)} object(s) changed since it was made:\n  "
                             + "\n  ".join(stale), changed=stale,
                             hint="run reconciler plan again, review the new plan, then apply it")
    return result


def _objects(plan: Plan) -> dict[tuple, list[Operation]]:
    objects: dict[tuple, list[Operation]] = {}
    for op in plan.operations:
        if op.live_id:
            objects.setdefault((op.kind, op.live_id), []).append(op)
    return objects


async def _current_fingerprint(client, op: Operation, since: str) -> str | None:
    try:
        if op.kind == "customer":
            return customer_fingerprint(LiveCustomer(customer=await client.get_customer(op.live_id)))
        contract = await client.get_contract(op.customer_id, op.live_id)
    except NotFoundError:
        return None
    return contract_fingerprint(await read_contract_seats(client, contract, since), since)


async def read_contract_seats(client, contract: dict, since: str) -> LiveContract:
    live = LiveContract(contract=contract)
    for sub in contract.get("subscriptions") or []:
        if sub.get("quantity_management_mode") == "SEAT_BASED" and sub.get("id"):
            live.seats[sub["id"]] = await client.get_subscription_seats_history(
                contract["customer_id"], contract["id"], sub["id"], starting_at=since)
    return live


async def _edited_by_plan(client, first: Operation, ops: list[Operation]) -> bool:
    keys = {op.uniqueness_key for op in ops if op.uniqueness_key}
    if first.kind != "contract" or not keys:
        return False
    history = await client.get_edit_history(first.customer_id, first.live_id)
    return any(edit.get("uniqueness_key") in keys for edit in history)
