"""Overrides: the API can only add and remove them, so identity is the whole override.

A manifest override with no identical live override is added; a live override with no manifest counterpart is
removed. Removals and additions that target the same products travel in one edit call as a replacement
(``remove_overrides`` + ``add_overrides``); a removal with nothing replacing it is destructive.
"""

from __future__ import annotations

from reconciler.manifest.models import Override
from reconciler.plan.canon import clean, covers, ref_id, ts
from reconciler.plan.compare.base import Comparator, ContractContext, EditPart, change, per_object
from reconciler.plan.model import Risk


def desired_canon(item: Override, ctx: ContractContext) -> dict:
    where = ctx.where("overrides", item.key)
    commits, recurring = ctx.links.get("commits", {}), ctx.links.get("recurring_commits", {})
    specifiers = []
    for spec in item.override_specifiers or []:
        body = spec.model_dump(exclude={"product", "commits"}, exclude_none=True)
        body["product_id"] = ctx.resolver.product(spec.product, where + ".override_specifiers.product")
        if spec.commits:
            body["commit_ids"] = [commits[k] for k in spec.commits if k in commits] or None
            body["recurring_commit_ids"] = [recurring[k] for k in spec.commits if k in recurring] or None
        specifiers.append(body)
    rate = None
    if item.overwrite_rate:
        rate = item.overwrite_rate.model_dump(exclude={"credit_type"}, exclude_none=True)
        rate["credit_type_id"] = ctx.resolver.credit_type(item.overwrite_rate.credit_type,
                                                          where + ".overwrite_rate.credit_type")
    return clean({
        "starting_at": item.starting_at,
        "ending_before": item.ending_before,
        "type": item.type,
        "product_id": ctx.resolver.product(item.product, where + ".product"),
        "applicable_product_tags": item.applicable_product_tags,
        "override_specifiers": specifiers or None,
        "entitled": item.entitled,
        "multiplier": item.multiplier,
        "overwrite_rate": rate,
        "tiers": [t.model_dump(exclude_none=True) for t in item.tiers] if item.tiers else None,
        "priority": item.priority,
        "is_commit_specific": item.is_commit_specific,
        "target": item.target,
    })


def live_canon(raw: dict) -> dict:
    rate = dict(raw.get("overwrite_rate") or {})
    if "credit_type" in rate:
        rate["credit_type_id"] = ref_id(rate.pop("credit_type"))
    specifiers = [dict(s, product_id=s.get("product_id") or ref_id(s.get("product")))
                  for s in raw.get("override_specifiers") or []]
    for spec in specifiers:
        spec.pop("product", None)
    return clean({
        "starting_at": ts(raw.get("starting_at")),
        "ending_before": ts(raw.get("ending_before")),
        "type": raw.get("type"),
        "product_id": ref_id(raw.get("product")) or raw.get("product_id"),
        "applicable_product_tags": raw.get("applicable_product_tags"),
        "override_specifiers": specifiers or None,
        "entitled": raw.get("entitled"),
        "multiplier": raw.get("multiplier"),
        "overwrite_rate": rate or None,
        "tiers": raw.get("override_tiers") or raw.get("tiers"),
        "priority": raw.get("priority"),
        "is_commit_specific": raw.get("is_commit_specific"),
        "target": raw.get("target"),
    })


ENDING = frozenset({"ending_before"})


def _same(desired: dict, live: dict) -> bool:
    return covers(live, desired, always=ENDING)


def _targets(canon: dict) -> tuple:
    specs = canon.get("override_specifiers") or [{}]
    return canon.get("product_id"), tuple(sorted(str(s.get("product_id")) for s in specs))


class OverrideComparator(Comparator):
    section = "overrides"

    def create_entries(self, ctx: ContractContext) -> list[dict]:
        return [desired_canon(o, ctx) for o in ctx.spec.overrides]

    def compare(self, ctx: ContractContext) -> list[EditPart]:
        if not getattr(ctx.spec, self.section) and not ctx.contract.get(self.section):
            return []
        live = [r for r in ctx.contract.get("overrides") or [] if r.get("id")]
        _live = per_object(live_canon)
        unmatched_live = list(live)
        new: list[tuple[str, dict]] = []
        for item in ctx.spec.overrides:
            canon = desired_canon(item, ctx)
            # A pin names which live override this is; it still must be identical, or it is replaced.
            if item.id:
                hit = next((r for r in unmatched_live if r["id"] == item.id), None)
                same = hit is not None and _same(canon, _live(hit))
            else:
                hit = next((r for r in unmatched_live if _same(canon, _live(r))), None)
                same = hit is not None
            if hit is not None:
                unmatched_live.remove(hit)
            if not same:
                new.append((item.key, canon))
                if hit is not None:
                    unmatched_live.append(hit)
        return self._parts(new, unmatched_live, _live)

    def _parts(self, new: list[tuple[str, dict]], removed: list[dict], live_of) -> list[EditPart]:
        parts: list[EditPart] = []
        replaced_targets = {_targets(c) for _, c in new}
        for raw in removed:
            canon = live_of(raw)
            replaced = _targets(canon) in replaced_targets
            parts.append(EditPart(
                "remove_overrides", {"id": raw["id"]},
                [change(f"overrides[{raw['id']}]", canon, None, "replace" if replaced else "end")],
                f"remove override {raw['id']}" + (" (replaced)" if replaced else " (not in the manifest)"),
                action="replace" if replaced else "end", risk=Risk.BILLING if replaced else Risk.DESTRUCTIVE,
                destructive=not replaced))
        for key, canon in new:
            parts.append(EditPart("add_overrides", canon, [change(f"overrides[{key}]", None, canon, "create")],
                                  f"add override {key}", action="create", risk=Risk.BILLING))
        return parts
