"""Recurring credits and commits: identity by product and first grant start.

In place, the API changes only the access (and invoice) amount, ``ending_before``, ``rate_type`` and
``proration_rounding`` — and only for grants that have not started. A recurring item linked to a subscription
is sent with the subscription's live id, or with its manifest key as ``temporary_id`` when the subscription is
new in the same request (the seed's tip: ``add_recurring_credits`` on a live subscription).
"""

from __future__ import annotations

from reconciler.manifest.models import RecurringCommit, RecurringItem
from reconciler.plan.canon import clean, covers, effective_end, project, ref_id, ts, upper, with_end
from reconciler.plan.compare.base import (Comparator, ContractContext, EditPart, change, diff_changes, differing,
                                          per_object)
from reconciler.plan.identity import changed_identity, match_items
from reconciler.plan.model import Risk

MUTABLE = ("access_amount", "invoice_amount", "ending_before", "rate_type", "proration_rounding")
ENDING = frozenset({"ending_before"})
WAY_OUT = ("recurring {kind}s cannot be edited there; end this one (allow_destructive) and add a new one under "
           "a new key")


IDENTITY_WAY_OUT = ("keep this entry with an ending_before (allow_destructive) and add a recurring {kind} under a "
                    "new key that starts then")


def _applicability(item: RecurringItem, ctx: ContractContext, where: str) -> dict:
    return {
        "applicable_product_ids": [ctx.resolver.product(p, where + ".applicable_products")
                                   for p in item.applicable_products or []] or None,
        "applicable_product_tags": item.applicable_product_tags,
        "specifiers": [clean({"product_id": ctx.resolver.product(s.product, where + ".specifiers"),
                              **s.model_dump(exclude={"product"}, exclude_none=True)})
                       for s in item.specifiers or []] or None,
    }


def desired_canon(item: RecurringItem, ctx: ContractContext, section: str) -> dict:
    where = ctx.where(section, item.key)
    link = item.subscription_config
    canon = {
        "product_id": ctx.resolver.product(item.product, where + ".product"),
        "access_amount": {
            "unit_price": item.access_amount.unit_price,
            "quantity": item.access_amount.quantity,
            "credit_type_id": ctx.resolver.credit_type(item.access_amount.credit_type, where + ".access_amount"),
        },
        "commit_duration": {"value": item.commit_duration.value, "unit": upper(item.commit_duration.unit)},
        "priority": item.priority,
        "starting_at": item.starting_at,
        "ending_before": item.ending_before,
        "recurrence_frequency": item.recurrence_frequency,
        "proration": item.proration,
        "rollover_fraction": item.rollover_fraction,
        "rate_type": item.rate_type,
        "name": item.name,
        "description": item.description,
        "subscription_config": {
            "subscription_id": ctx.links.get("subscriptions", {}).get(link.subscription, link.subscription),
            "allocation": link.allocation,
            "apply_seat_increase_config": link.apply_seat_increase_config.model_dump(),
        } if link else None,
        "proration_rounding": item.proration_rounding.model_dump(exclude_none=True)
        if item.proration_rounding else None,
        **_applicability(item, ctx, where),
    }
    if isinstance(item, RecurringCommit) and item.invoice_amount:
        canon["invoice_amount"] = {
            "unit_price": item.invoice_amount.unit_price, "quantity": item.invoice_amount.quantity,
            "credit_type_id": ctx.resolver.credit_type(item.invoice_amount.credit_type, where + ".invoice_amount"),
        }
    return clean(canon)


def live_canon(raw: dict) -> dict:
    canon = {k: raw.get(k) for k in (
        "access_amount", "commit_duration", "priority", "recurrence_frequency", "proration", "rollover_fraction",
        "rate_type", "name", "description", "subscription_config", "proration_rounding", "invoice_amount",
        "applicable_product_ids", "applicable_product_tags", "specifiers")}
    canon["product_id"] = ref_id(raw.get("product")) or raw.get("product_id")
    canon["starting_at"] = ts(raw.get("starting_at"))
    canon["ending_before"] = ts(raw.get("ending_before"))
    duration = dict(raw.get("commit_duration") or {})
    duration.setdefault("unit", "PERIODS")
    canon["commit_duration"] = duration
    return clean(canon)


def create_entry(item: RecurringItem, ctx: ContractContext, section: str) -> dict:
    canon = desired_canon(item, ctx, section)
    entry = dict(canon)
    entry["temporary_id"] = item.key
    entry["access_amount"] = {k: v for k, v in canon["access_amount"].items()}
    if "unit" in entry.get("commit_duration", {}):
        entry["commit_duration"] = dict(canon["commit_duration"])
    return entry


class _RecurringComparator(Comparator):
    kind: str

    def items(self, ctx: ContractContext) -> list[RecurringItem]:
        return getattr(ctx.spec, self.section)

    def create_entries(self, ctx: ContractContext) -> list[dict]:
        ctx.links[self.section] = {i.key: i.key for i in self.items(ctx)}
        return [create_entry(i, ctx, self.section) for i in self.items(ctx)]

    def compare(self, ctx: ContractContext) -> list[EditPart]:
        if not getattr(ctx.spec, self.section) and not ctx.contract.get(self.section):
            return []
        desired = {i.key: i for i in self.items(ctx)}
        canons = {k: desired_canon(i, ctx, self.section) for k, i in desired.items()}
        live = list(ctx.contract.get(self.section) or [])
        _live = per_object(live_canon)
        match = match_items(
            canons, live, pins={k: i.id for k, i in desired.items()},
            identity=lambda c: (c.get("product_id"), c.get("starting_at")),
            live_identity=lambda r: (_live(r).get("product_id"), _live(r).get("starting_at")),
            tie_breakers=[(lambda c: c.get("subscription_config", {}).get("subscription_id"),
                           lambda r: (r.get("subscription_config") or {}).get("subscription_id")),
                          (lambda c: c.get("name"), lambda r: r.get("name")),
                          (lambda c: c.get("priority"), lambda r: float(r.get("priority", 0)))],
            where=ctx.where(self.section))
        ctx.errors.extend(match.errors)
        running = [r for r in match.unmatched_live if ctx.running(r)]
        renamed = changed_identity(match.new, canons, running, lambda c, r: _same_item(c, _live(r)))
        for key, raw in renamed.items():
            ctx.immutable(self.section, key, "product", _live(raw).get("product_id"),
                          canons[key].get("product_id"), IDENTITY_WAY_OUT.format(kind=self.kind))
        ctx.links[self.section] = {k: r.get("id") for k, r in match.pairs.items()} | {k: k for k in match.new}
        parts = [self._add(desired[k], ctx) for k in match.new]
        parts += [p for k, r in match.pairs.items() if (p := self._update(k, canons[k], r, _live(r), ctx))]
        parts += [self._end(r, ctx) for r in match.unmatched_live if ctx.running(r)]
        return parts

    def _add(self, item: RecurringItem, ctx: ContractContext) -> EditPart:
        entry = create_entry(item, ctx, self.section)
        return EditPart(f"add_{self.section}", entry, [change(f"{self.section}[{item.key}]", None, entry, "create")],
                        f"add recurring {self.kind} {item.key}", action="create", risk=Risk.BILLING)

    def _update(self, key: str, canon: dict, raw: dict, live: dict, ctx: ContractContext) -> EditPart | None:
        # Ending a contract truncates its recurring items, so both sides are compared by when they really stop.
        canon = with_end(canon, effective_end(canon.get("ending_before"), ts(ctx.spec.ending_before)))
        live = with_end(live, effective_end(live.get("ending_before"), ts(ctx.contract.get("ending_before"))))
        if covers(live, canon, always=ENDING):
            return None  # nothing differs: the common case
        seen = project(live, canon, always=ENDING)
        for name in differing(seen, canon):
            if name not in MUTABLE:
                ctx.immutable(self.section, key, name, seen.get(name), canon.get(name),
                              WAY_OUT.format(kind=self.kind))
        for amount in ("access_amount", "invoice_amount"):
            before = (seen.get(amount) or {}).get("credit_type_id")
            after = (canon.get(amount) or {}).get("credit_type_id")
            if before != after:
                ctx.immutable(self.section, key, f"{amount}.credit_type", before, after, WAY_OUT.format(kind=self.kind))
        entry: dict = {f"recurring_{self.kind}_id": raw["id"]}
        for name in MUTABLE:
            if (name == "ending_before" or name in canon) and canon.get(name) != seen.get(name):
                entry[name] = _mutable_value(name, canon.get(name))
        if len(entry) == 1:
            return None
        changes = diff_changes(f"{self.section}[{key}]", {k: seen.get(k) for k in entry if k in MUTABLE},
                               {k: canon.get(k) for k in entry if k in MUTABLE})
        shortens = "ending_before" in entry and entry["ending_before"] is not None and (
            not live.get("ending_before") or entry["ending_before"] < live["ending_before"])
        return EditPart(f"update_{self.section}", entry, changes, f"update recurring {self.kind} {key} "
                        "(future grants only)", action="end" if shortens else "update",
                        risk=Risk.DESTRUCTIVE if shortens else Risk.BILLING, destructive=shortens)

    def _end(self, raw: dict, ctx: ContractContext) -> EditPart:
        at = ctx.effective_at(None)
        label = raw.get("name") or raw.get("id")
        return EditPart(f"update_{self.section}", {f"recurring_{self.kind}_id": raw["id"], "ending_before": at},
                        [change(f"{self.section}[{label}].ending_before", ts(raw.get("ending_before")), at, "end")],
                        f"end recurring {self.kind} {label} (not in the manifest) at {at}", action="end",
                        risk=Risk.DESTRUCTIVE, destructive=True)


def _mutable_value(name: str, value):
    if name in ("access_amount", "invoice_amount") and isinstance(value, dict):
        return {k: v for k, v in value.items() if k in ("unit_price", "quantity")}
    return value


def _same_item(canon: dict, live: dict) -> bool:
    """The live item (canonical) a manifest entry was before its product was edited: same first grant, and the
    same name where both have one."""
    names = (canon.get("name"), live.get("name"))
    return live.get("starting_at") == canon.get("starting_at") and (None in names or names[0] == names[1])


class RecurringCreditComparator(_RecurringComparator):
    section = "recurring_credits"
    kind = "credit"


class RecurringCommitComparator(_RecurringComparator):
    section = "recurring_commits"
    kind = "commit"


__all__ = ["RecurringCreditComparator", "RecurringCommitComparator"]
