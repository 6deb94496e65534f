"""Before any write: is the plan still true? Re-read every object the plan acts on and compare fingerprints.

Every object is checked concurrently (a sequential re-read would cost one round trip per object on top of the
writes). An object whose fingerprint changed is stale, unless the change is this very plan's own earlier, partial run
(a journal line, or one of the plan's edit keys in the contract's edit history). One stale object refuses the
whole plan, with the list of what changed and the advice to plan again, before a single write.
"""

from __future__ import annotations

import asyncio
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
    """Check every object the plan acts on, all concurrently (the client bounds the requests in flight)."""
    result = Verification(already_done=dict(journal_done))
    since = ts(default_effective_at(plan.now))
    touched = {op.address for op in plan.operations if op.id in journal_done}
    checks = [_check(client, ops, journal_done, touched, since) for ops in _objects(plan).values()]
    stale: list[str] = []
    for address, state in await asyncio.gather(*checks):
        if state == "resumed":
            result.resumed.add(address)
        elif state is not None:
            stale.append(f"{address} ({state})")
    if stale:
        raise StalePlanError(f"the plan is stale: {len(stale)} object(s) changed since it was made:\n  "
                             + "\n  ".join(stale), changed=stale,
                             hint="run reconciler plan again, review the new plan, then apply it")
    return result


async def _check(client, ops: list[Operation], journal_done: dict[str, dict], touched: set[str],
                 since: str) -> tuple[str | None, str | None]:
    """(address, None) when the object is as planned, ``resumed`` when this plan changed it, else why stale."""
    pending = [op for op in ops if op.id not in journal_done]
    if not pending or not pending[0].fingerprint:
        return None, None
    first = pending[0]
    current = await _current_fingerprint(client, first, since)
    if current == first.fingerprint:
        return first.address, None
    if first.address in touched or await _edited_by_plan(client, first, ops):
        return first.address, "resumed"
    return first.address, "deleted" if current is None else "changed since the plan"


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
    ids = [sub["id"] for sub in contract.get("subscriptions") or []
           if sub.get("quantity_management_mode") == "SEAT_BASED" and sub.get("id")]
    histories = await asyncio.gather(*(client.get_subscription_seats_history(
        contract["customer_id"], contract["id"], sub_id, starting_at=since) for sub_id in ids))
    live.seats.update(zip(ids, histories))
    return live


async def _edited_by_plan(client, first: Operation, ops: list[Operation]) -> bool:
    keys = {op.uniqueness_key for op in ops if op.uniqueness_key}
    if first.kind != "contract" or not keys:
        return False
    history = await client.get_edit_history(first.customer_id, first.live_id)
    return any(edit.get("uniqueness_key") in keys for edit in history)
