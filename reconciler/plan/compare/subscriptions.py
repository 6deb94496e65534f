"""Subscriptions: identity by product and billing frequency; quantity and seats as desired state over time.

Only ``ending_before`` and ``name`` change in place (plus quantity and seats). Everything else is fixed at
creation; a change there is a plan error with the way out. Quantities go out as **absolute** ``quantity_updates``
so a re-applied plan is harmless; seats go out as ``seat_updates`` deltas computed by :mod:`..seats`.
"""

from __future__ import annotations

from reconciler.manifest.models import Subscription
from reconciler.plan.canon import clean, covers, effective_end, project, ref_id, ts, whole, with_end
from reconciler.plan.compare.base import (Comparator, ContractContext, EditPart, SideRequest, change, diff_changes,
                                          differing, per_object)
from reconciler.plan.identity import changed_identity, match_items
from reconciler.plan.model import Risk
from reconciler.plan.seats import SeatState, batch_seat_updates, plan_seat_deltas

MUTABLE = ("ending_before", "name")
ENDING = frozenset({"ending_before"})
IDENTITY = ("product_id", "billing_frequency")
IDENTITY_WAY_OUT = ("keep this entry with an ending_before (allow_destructive) and add a subscription under a new key "
                    "that starts then")
WAY_OUT = ("subscriptions cannot be edited there; add a new subscription under a new key (and end this one "
           "with allow_destructive), or move the customer to a new contract")


def desired_canon(sub: Subscription, ctx: ContractContext) -> dict:
    return clean({
        "product_id": ctx.resolver.product(sub.product, ctx.where("subscriptions", sub.key) + ".product"),
        "billing_frequency": sub.billing_frequency,
        "collection_schedule": sub.collection_schedule,
        "proration": sub.proration.model_dump(exclude_none=True),
        "quantity_management_mode": sub.quantity_management_mode,
        "starting_at": sub.starting_at or ctx.spec.starting_at,
        "ending_before": sub.ending_before,
        "name": sub.name,
        "description": sub.description,
        "billing_cycle_config": sub.billing_cycle_config.model_dump(exclude_none=True)
        if sub.billing_cycle_config else None,
        "seat_group_key": sub.seat_config.seat_group_key if sub.seat_config else None,
    })


def live_canon(raw: dict) -> dict:
    rate = raw.get("subscription_rate") or {}
    return clean({
        "product_id": ref_id(rate.get("product")) or rate.get("product_id"),
        "billing_frequency": rate.get("billing_frequency"),
        "collection_schedule": raw.get("collection_schedule"),
        "proration": raw.get("proration"),
        "quantity_management_mode": raw.get("quantity_management_mode") or "QUANTITY_ONLY",
        "starting_at": ts(raw.get("starting_at")),
        "ending_before": ts(raw.get("ending_before")),
        "name": raw.get("name"),
        "description": raw.get("description"),
        "billing_cycle_config": _billing_cycle(raw.get("billing_cycle_config")),
        "seat_group_key": (raw.get("seat_config") or {}).get("seat_group_key"),
    })


def _billing_cycle(config: dict | None) -> dict | None:
    if not config:
        return None
    return {**config, "anchor_date": ts(config.get("anchor_date"))}


def create_entry(sub: Subscription, ctx: ContractContext) -> dict:
    canon = desired_canon(sub, ctx)
    entry = {
        "temporary_id": sub.key,
        "subscription_rate": {"product_id": canon.get("product_id"), "billing_frequency": sub.billing_frequency},
        "collection_schedule": sub.collection_schedule,
        "proration": sub.proration.model_dump(exclude_none=True),
        "quantity_management_mode": sub.quantity_management_mode,
        "starting_at": ts(sub.starting_at),
        "ending_before": ts(sub.ending_before),
        "name": sub.name,
        "description": sub.description,
        "custom_fields": sub.custom_fields,
        "billing_cycle_config": clean(sub.billing_cycle_config.model_dump()) if sub.billing_cycle_config else None,
    }
    entry = clean(entry)
    if sub.quantity_management_mode == "SEAT_BASED" and sub.seat_config:
        entry["seat_config"] = {
            "seat_group_key": sub.seat_config.seat_group_key,
            "initial_seat_ids": list(sub.seat_config.seat_ids),
            "initial_unassigned_seats": sub.seat_config.unassigned_seats,
        }
    else:
        entry["initial_quantity"] = whole(sub.quantity)
    return entry


class SubscriptionComparator(Comparator):
    section = "subscriptions"

    def create_entries(self, ctx: ContractContext) -> list[dict]:
        ctx.links["subscriptions"] = {s.key: s.key for s in ctx.spec.subscriptions}
        return [create_entry(s, ctx) for s in ctx.spec.subscriptions]

    def compare(self, ctx: ContractContext) -> list[EditPart]:
        if not getattr(ctx.spec, self.section) and not ctx.contract.get(self.section):
            return []
        desired = {s.key: s for s in ctx.spec.subscriptions}
        canons = {k: desired_canon(s, ctx) for k, s in desired.items()}
        live = list(ctx.contract.get("subscriptions") or [])
        _live = per_object(live_canon)
        match = match_items(
            canons, live, pins={k: s.id for k, s in desired.items()},
            identity=lambda c: (c.get("product_id"), c.get("billing_frequency")),
            live_identity=lambda r: (_live(r).get("product_id"), _live(r).get("billing_frequency")),
            tie_breakers=[(lambda c: c.get("starting_at"), lambda r: _live(r).get("starting_at")),
                          (lambda c: c.get("name"), lambda r: r.get("name"))],
            where=ctx.where("subscriptions"))
        ctx.errors.extend(match.errors)
        self._changed_identity(match, canons, _live, ctx)
        ctx.links["subscriptions"] = {k: r.get("id") for k, r in match.pairs.items()}
        ctx.links["subscriptions"].update({k: k for k in match.new})
        parts = [self._add(desired[k], ctx) for k in match.new]
        for key, raw in match.pairs.items():
            parts.extend(self._update(desired[key], canons[key], raw, _live(raw), ctx))
        parts.extend(self._end_unmanaged(r, ctx) for r in match.unmatched_live if ctx.running(r))
        return [p for p in parts if p is not None]

    @classmethod
    def _changed_identity(cls, match, canons: dict, live_of, ctx: ContractContext) -> None:
        running = [r for r in match.unmatched_live if ctx.running(r)]
        renamed = changed_identity(match.new, canons, running, lambda c, r: _same_subscription(c, live_of(r)))
        for key, raw in renamed.items():
            live = live_of(raw)
            for name in IDENTITY:
                if canons[key].get(name) != live.get(name):
                    ctx.immutable("subscriptions", key, name.removesuffix("_id"), live.get(name),
                                  canons[key].get(name), IDENTITY_WAY_OUT)

    # -- parts ----------------------------------------------------------------------------------------

    def _add(self, sub: Subscription, ctx: ContractContext) -> EditPart:
        entry = create_entry(sub, ctx)
        return EditPart("add_subscriptions", entry, [change(f"subscriptions[{sub.key}]", None, entry, "create")],
                        f"add subscription {sub.key}", action="create", risk=Risk.BILLING)

    def _update(self, sub: Subscription, canon: dict, raw: dict, live: dict, ctx: ContractContext) -> list[EditPart]:
        # Ending a contract ends its subscriptions too: compare when each really stops.
        canon = with_end(canon, effective_end(canon.get("ending_before"), ts(ctx.spec.ending_before)))
        live = with_end(live, effective_end(live.get("ending_before"), ts(ctx.contract.get("ending_before"))))
        always = ENDING if sub.ending_before else frozenset()
        if not covers(live, canon, always):  # else nothing differs, the common case
            seen = project(live, canon, always)
            for name in differing(seen, canon):
                if name not in MUTABLE:
                    ctx.immutable("subscriptions", sub.key, name, seen.get(name), canon.get(name), WAY_OUT)
        self._custom_fields(sub, raw, ctx)
        entry: dict = {"subscription_id": raw["id"]}
        changes: list = []
        summaries: list[str] = []
        shortens = self._end_and_name(sub, canon, live, raw, entry, changes, summaries)
        at = ctx.effective_at(sub.changes_effective_at, ts(raw.get("starting_at")))
        batches: list[dict] = []
        if sub.quantity_management_mode == "SEAT_BASED":
            batches = self._seats(sub, raw, ctx, at, changes, summaries)
        else:
            self._quantity(sub, raw, at, entry, changes, summaries)
        if len(entry) == 1 and not batches:
            return []
        billing = bool(batches) or "quantity_updates" in entry
        return [EditPart("update_subscriptions", entry, changes, f"subscription {sub.key}: " + "; ".join(summaries),
                         action="end" if shortens else "update",
                         risk=Risk.DESTRUCTIVE if shortens else Risk.BILLING if billing else Risk.SAFE,
                         destructive=shortens, seat_batches=batches)]

    @staticmethod
    def _end_and_name(sub, canon, live, raw, entry, changes, summaries) -> bool:
        shortens = False
        if sub.ending_before and canon.get("ending_before") != live.get("ending_before"):
            entry["ending_before"] = canon["ending_before"]
            changes.append(change(f"subscriptions[{sub.key}].ending_before", live.get("ending_before"),
                                  canon["ending_before"], "end"))
            summaries.append(f"end at {canon['ending_before']}")
            shortens = not live.get("ending_before") or canon["ending_before"] < live["ending_before"]
        if sub.name and sub.name != raw.get("name"):
            entry["name"] = sub.name
            changes.append(change(f"subscriptions[{sub.key}].name", raw.get("name"), sub.name))
            summaries.append(f"rename to {sub.name!r}")
        return shortens

    @staticmethod
    def _quantity(sub, raw, at, entry, changes, summaries) -> None:
        updates = []
        for seg in _segments_from(raw.get("quantity_schedule") or [], at):
            if float(seg.get("quantity", 0)) != float(sub.quantity or 0):
                updates.append({"starting_at": max(ts(seg["starting_at"]), at), "quantity": whole(sub.quantity)})
                changes.append(change(f"subscriptions[{sub.key}].quantity", whole(seg.get("quantity")),
                                      whole(sub.quantity)))
        if updates:
            entry["quantity_updates"] = updates
            summaries.append(f"set quantity to {whole(sub.quantity)} from {updates[0]['starting_at']}")

    @staticmethod
    def _seats(sub, raw, ctx, at, changes, summaries) -> list[dict]:
        seats = sub.seat_config
        desired = SeatState(frozenset(seats.seat_ids), seats.unassigned_seats)
        history = ctx.live.seats.get(raw.get("id"), []) if ctx.live else []
        segments = [(max(ts(s["starting_at"]), at), SeatState.of_segment(s)) for s in _segments_from(history, at)]
        deltas = plan_seat_deltas(segments, desired, at, list(seats.seat_ids))
        for d in deltas:
            if d.add_ids or d.remove_ids:
                changes.append(change(f"subscriptions[{sub.key}].seat_config.seat_ids",
                                      sorted(d.remove_ids), sorted(d.add_ids)))
        if any(d.add_unassigned or d.remove_unassigned for d in deltas):
            changes.append(change(f"subscriptions[{sub.key}].seat_config.unassigned_seats",
                                  segments[0][1].unassigned if segments else 0, desired.unassigned))
        if deltas:
            summaries.append(_seat_summary(deltas))
        return batch_seat_updates(deltas)

    def _custom_fields(self, sub: Subscription, raw: dict, ctx: ContractContext) -> None:
        wanted = sub.custom_fields or {}
        have = raw.get("custom_fields") or {}
        diff = {k: v for k, v in wanted.items() if have.get(k) != v}
        if diff:
            ctx.side_requests.append(SideRequest(
                "/v1/customFields/setValues",
                {"entity": "subscription", "entity_id": raw["id"], "custom_fields": diff},
                diff_changes(f"subscriptions[{sub.key}].custom_fields", {k: have.get(k) for k in diff}, diff),
                f"set custom fields of subscription {sub.key}"))

    def _end_unmanaged(self, raw: dict, ctx: ContractContext) -> EditPart:
        at = ctx.effective_at(None, ts(raw.get("starting_at")))
        label = _label(raw)
        return EditPart("update_subscriptions", {"subscription_id": raw["id"], "ending_before": at},
                        [change(f"subscriptions[{label}].ending_before", ts(raw.get("ending_before")), at, "end")],
                        f"end subscription {label} (not in the manifest) at {at}", action="end",
                        risk=Risk.DESTRUCTIVE, destructive=True)


def _same_subscription(canon: dict, live: dict) -> bool:
    """The live subscription (canonical) a manifest entry was, before its product or frequency was edited: same
    start, and the same name where both have one. (A replacement starts later; one from the same start is the
    same one.)"""
    names = (canon.get("name"), live.get("name"))
    return live.get("starting_at") == canon.get("starting_at") and (None in names or names[0] == names[1])


def _segments_from(segments: list[dict], at: str) -> list[dict]:
    """Segments overlapping [at, ∞), in time order."""
    out = [s for s in segments if not s.get("ending_before") or ts(s["ending_before"]) > at]
    return sorted(out, key=lambda s: ts(s["starting_at"]))


def _seat_summary(deltas) -> str:
    bits = []
    for d in deltas:
        if d.add_ids:
            bits.append(f"add seats {', '.join(d.add_ids[:5])}{' …' if len(d.add_ids) > 5 else ''}")
        if d.remove_ids:
            bits.append(f"remove seats {', '.join(d.remove_ids[:5])}{' …' if len(d.remove_ids) > 5 else ''}")
        if d.add_unassigned:
            bits.append(f"add {d.add_unassigned} unassigned seats")
        if d.remove_unassigned:
            bits.append(f"remove {d.remove_unassigned} unassigned seats")
    return f"{'; '.join(bits)} from {deltas[0].starting_at}"


def _label(raw: dict) -> str:
    return raw.get("name") or raw.get("id", "?")

