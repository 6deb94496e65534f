"""Contract operations: one ``contracts/create`` for a new contract, or the fewest ``/v2/contracts/edit`` calls
for an existing one (more than one only when seat changes exceed 500 seats per call), then the side calls the
edit endpoint cannot carry (custom field values).
"""

from __future__ import annotations

from reconciler.plan.canon import canonical_json
from reconciler.plan.compare import COMPARATORS, EDIT_SECTIONS, SCALAR_SECTIONS, ContractContext, EditPart
from reconciler.plan.customers import OpSpec
from reconciler.plan.drift import MANIFEST_SHA_FIELD, record_sha_op, recorded_sha
from reconciler.plan.fingerprint import contract_fingerprint
from reconciler.plan.identity import contract_uniqueness_key, operation_key
from reconciler.plan.model import Change, Request, Risk
from reconciler.plan.seats import MAX_SEATS_PER_EDIT

CREATE_SECTIONS = ("subscriptions", "recurring_commits", "recurring_credits", "commits", "credits", "overrides")


def create_op(ctx: ContractContext, customer_key: str, customer_id: str) -> OpSpec:
    body: dict = {"customer_id": customer_id,
                  "uniqueness_key": contract_uniqueness_key(customer_key, ctx.manifest.metadata.name)}
    for comparator in COMPARATORS:
        entries = comparator.create_entries(ctx)
        if comparator.section == "contract":
            body.update(entries[0])
        elif entries:
            body[comparator.section] = entries
    body["custom_fields"] = {**body.get("custom_fields", {}), MANIFEST_SHA_FIELD: ctx.manifest_sha}
    changes = [Change(path=k, action="create", after=v) for k, v in body.items()
               if k not in ("uniqueness_key", "custom_fields")]
    if ctx.spec.custom_fields:
        changes.append(Change(path="custom_fields", action="create", after=dict(ctx.spec.custom_fields)))
    counts = ", ".join(f"{len(body[s])} {s}" for s in CREATE_SECTIONS if body.get(s))
    return OpSpec(ctx.address, "contract", "create", f"create contract{' with ' + counts if counts else ''}",
                  "no live contract has this manifest's uniqueness_key", Request(
                      method="POST", path="/v1/contracts/create", body=body),
                  changes, risk=Risk.BILLING, customer_id=customer_id, uniqueness_key=body["uniqueness_key"])


def edit_ops(ctx: ContractContext, since: str) -> list[OpSpec]:
    parts: list[EditPart] = []
    for comparator in COMPARATORS:
        parts.extend(comparator.compare(ctx))
    live = ctx.live
    if not parts and not ctx.side_requests:
        return []  # the common case at scale: nothing to fingerprint, nothing to record
    fp = contract_fingerprint(live, since)
    base = {"customer_id": live.contract["customer_id"], "contract_id": live.contract["id"]}
    ops = [_edit_op(ctx, base, group, fp, i) for i, group in enumerate(_group(parts))]
    ops += [_side_op(ctx, side, fp) for side in ctx.side_requests]
    sha = ctx.manifest_sha
    if ops and recorded_sha(live.contract) != sha:
        ops.append(record_sha_op(ctx.address, live.contract, sha, fp))
    return ops


def _group(parts: list[EditPart]) -> list[list[tuple[EditPart, dict | None, int]]]:
    """Pack parts into edits: everything in the first, seat batches spilling into later ones at 500 seats each."""
    groups: list[list[tuple[EditPart, dict | None, int]]] = [[]]
    used = 0
    for part in parts:
        for n, batch in enumerate(part.seat_batches or [None]):
            weight = _seat_count(batch)
            if (n > 0 or used + weight > MAX_SEATS_PER_EDIT) and groups[-1]:
                groups.append([])
                used = 0
            groups[-1].append((part, batch, n))
            used += weight
    return [g for g in groups if g]


def _seat_count(batch: dict | None) -> int:
    if not batch:
        return 0
    return sum(len(e["seat_ids"]) for s in ("add_seat_ids", "remove_seat_ids") for e in batch.get(s, []))


def _edit_body(base: dict, group: list[tuple[EditPart, dict | None]]) -> dict:
    body = dict(base)
    subscriptions: dict[str, dict] = {}
    for part, batch, n in group:
        if part.section in SCALAR_SECTIONS:
            body[part.section] = part.entry
        elif part.section == "update_subscriptions":
            sub_id = part.entry["subscription_id"]
            entry = subscriptions.setdefault(sub_id, dict(part.entry) if n == 0 else {"subscription_id": sub_id})
            if batch:
                entry["seat_updates"] = batch
        else:
            body.setdefault(part.section, []).append(part.entry)
    if subscriptions:
        body["update_subscriptions"] = list(subscriptions.values())
    ordered = {k: body[k] for k in ("customer_id", "contract_id")}
    ordered |= {s: body[s] for s in EDIT_SECTIONS if s in body}
    return ordered


def _edit_op(ctx: ContractContext, base: dict, group, fp: str, index: int) -> OpSpec:
    body = _edit_body(base, group)
    parts = _unique_parts(group)
    key = operation_key(ctx.address, fp, index, canonical_json(body))
    body["uniqueness_key"] = key
    destructive = any(p.destructive for p in parts)
    changes = [c for part, batch, n in group for c in _changes_in(part, batch, n)]
    summary = "; ".join(p.summary for p, _, n in group if n == 0) if index == 0 else "; ".join(
        _batch_summary(p, b, n) for p, b, n in group)
    return OpSpec(ctx.address, "contract", "end" if destructive else "update", summary,
                  f"{len(changes)} field(s) differ from the manifest",
                  Request(method="POST", path="/v2/contracts/edit", body=body), changes,
                  risk=max((p.risk for p in parts), default=Risk.SAFE), destructive=destructive, fingerprint=fp,
                  live_id=base["contract_id"], customer_id=base["customer_id"], uniqueness_key=key)


def _unique_parts(group) -> list[EditPart]:
    seen: list[EditPart] = []
    for part, _, _ in group:
        if not any(part is s for s in seen):
            seen.append(part)
    return seen


def _changes_in(part: EditPart, batch: dict | None, n: int) -> list[Change]:
    """The changes this call makes: a seat part's changes are split across its batches, the rest go first."""
    if not part.seat_batches:
        return part.changes if n == 0 else []
    seats = [c for c in part.changes if c.path.endswith(".seat_ids")]
    other = [] if n else [c for c in part.changes if not c.path.endswith(".seat_ids")]
    if not seats or not batch:
        return other
    removed = [s for e in batch.get("remove_seat_ids", []) for s in e["seat_ids"]]
    added = [s for e in batch.get("add_seat_ids", []) for s in e["seat_ids"]]
    return other + ([Change(path=seats[0].path, action="update", before=removed, after=added)]
                    if removed or added else [])


def _batch_summary(part: EditPart, batch: dict | None, n: int) -> str:
    subject = part.summary.split(":", 1)[0]
    removed = sum(len(e["seat_ids"]) for e in (batch or {}).get("remove_seat_ids", []))
    added = sum(len(e["seat_ids"]) for e in (batch or {}).get("add_seat_ids", []))
    bits = [f"remove {removed} seats" if removed else "", f"add {added} seats" if added else ""]
    return f"{subject}: seat batch {n + 1} of {len(part.seat_batches)}: " + ", ".join(b for b in bits if b)


def _side_op(ctx: ContractContext, side, fp: str) -> OpSpec:
    return OpSpec(ctx.address, "contract", "update", side.summary, "custom field values differ",
                  Request(method="POST", path=side.path, body=side.body), side.changes, risk=Risk.SAFE,
                  fingerprint=fp, live_id=ctx.contract["id"], customer_id=ctx.contract["customer_id"])
