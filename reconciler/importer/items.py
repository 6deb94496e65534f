"""Live contract list items -> manifest items: subscriptions, recurring credits and commits, commits, credits,
overrides. Pure functions over read shapes (reference §6.2), the inverse of the planner's ``desired_canon``.

Pins: subscriptions, recurring items, commits and credits always carry their live ``id:``, so matching is exact
however many look-alike items a contract has. Overrides never do: an override's identity is the whole override
(the API can only add and remove them), and a pinned override that differs from live would hide the edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.importer.fields import Fields, Tracker
from reconciler.importer.names import CatalogRefs, Names, slug
from reconciler.plan.canon import clean, ts, whole

Path = tuple


@dataclass
class Items:
    """What converting one contract's items needs, and the comments it places in the document."""

    refs: CatalogRefs
    tracker: Tracker
    contract: dict
    seats: dict[str, list[dict]]
    now: str
    at: str
    """The plan's default effective time (start of the hour): seats and quantities are compared from there."""
    comments: dict[Path, list[str]] = field(default_factory=dict)
    subscription_keys: dict[str, str] = field(default_factory=dict)
    commit_keys: dict[str, str] = field(default_factory=dict)
    """Live ids of commits and recurring commits -> keys (one namespace, as override specifiers name either)."""

    def comment(self, path: Path, *lines: str) -> None:
        self.comments.setdefault(path, []).extend(lines)


# --------------------------------------------------------------------------------------------------
# Ordering and keys
# --------------------------------------------------------------------------------------------------

def _product_name(raw: dict) -> str:
    product = raw.get("product") or (raw.get("subscription_rate") or {}).get("product") or {}
    return product.get("name") or raw.get("product_id") or ""


def _first_access(raw: dict) -> str:
    items = (raw.get("access_schedule") or {}).get("schedule_items") or [{}]
    return ts(items[0].get("starting_at")) or ""


def ordered(raws: list[dict], start=lambda r: ts(r.get("starting_at")) or "") -> list[dict]:
    """Items in a stable order that does not depend on the API's: by start, product, then id."""
    return sorted(raws, key=lambda r: (start(r), _product_name(r), r.get("id") or ""))


def assign_keys(raws: list[dict], names: Names, base=lambda r: r.get("name") or _product_name(r)) -> list[str]:
    return [names.claim(slug(base(r))) for r in raws]


# --------------------------------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------------------------------

def subscription(ctx: Items, raw: Fields, key: str, path: Path) -> dict:
    rate = raw.child("subscription_rate")
    mode = raw.get("quantity_management_mode", "QUANTITY_ONLY")
    raw.ignore("id", "created_at", "billing_periods", "fiat_credit_type_id", "custom_credit_type_id",
               "product_custom_fields")
    contract = ctx.contract
    start, end = ts(raw.get("starting_at")), ts(raw.get("ending_before"))
    out = {
        "key": key, "id": raw.data.get("id"), "name": raw.get("name"), "description": raw.get("description"),
        "product": ctx.refs.product(rate.get("product") or rate.get("product_id")),
        "billing_frequency": rate.get("billing_frequency"),
        "collection_schedule": raw.get("collection_schedule"),
        "quantity_management_mode": mode if mode != "QUANTITY_ONLY" else None,
        "quantity": None, "seat_config": None,
        "proration": _proration(raw.child("proration")) or {},
        "starting_at": start if start != ts(contract.get("starting_at")) else None,
        "ending_before": end if end != ts(contract.get("ending_before")) else None,
        "billing_cycle_config": _billing_cycle(raw.child("billing_cycle_config")),
        "custom_fields": _sorted(raw.get("custom_fields")),
    }
    segments = raw.get("quantity_schedule", [])
    if mode == "SEAT_BASED":
        out["seat_config"] = _seats(ctx, raw, key, path)
    else:
        out["quantity"] = _quantity(ctx, segments, key, path)
    ctx.comment(path, f"{_product_name(raw.data)}, billed {out['billing_frequency']} "
                      f"in {out['collection_schedule']}.")
    out["proration"] = out["proration"] or {"is_prorated": False}
    return clean(out) | {"proration": out["proration"]}


def _billing_cycle(raw: Fields) -> dict:
    return {"anchor_date": ts(raw.get("anchor_date")), "invoice_placement": raw.get("invoice_placement")}


def _proration(raw: Fields) -> dict:
    rounding = raw.child("rounding")
    return clean({"is_prorated": raw.get("is_prorated"), "invoice_behavior": raw.get("invoice_behavior"),
                  "rounding": {"rounding_method": rounding.get("rounding_method"),
                               "decimal_places": rounding.get("decimal_places")}})


def _current(ctx: Items, segments: list[dict]) -> tuple[dict | None, list[dict]]:
    """The segment covering now (else the first to come), and the others the planner compares too."""
    relevant = sorted((s for s in segments if not s.get("ending_before") or ts(s["ending_before"]) > ctx.at),
                      key=lambda s: ts(s.get("starting_at")))
    covering = [s for s in relevant if ts(s.get("starting_at")) <= ctx.now
                and (not s.get("ending_before") or ts(s["ending_before"]) > ctx.now)]
    chosen = covering[0] if covering else (relevant[0] if relevant else None)
    return chosen, [s for s in relevant if s is not chosen]


def _quantity(ctx: Items, segments: list[dict], key: str, path: Path) -> float:
    chosen, others = _current(ctx, segments)
    if chosen is None:
        ctx.comment(path + ("quantity",), "Ended: reads show no quantity after the end; 0 stands in for it.")
        return 0
    for other in others:
        if float(other.get("quantity", 0)) != float(chosen.get("quantity", 0)):
            ctx.tracker.skip(f"subscriptions[{key}].quantity_schedule",
                             f"quantity {whole(other.get('quantity'))} from {ts(other.get('starting_at'))}: "
                             "a manifest holds one quantity; a plan would set this segment to it")
    ctx.comment(path + ("quantity",), "The quantity in effect now; a change takes effect at the hour it is planned.")
    return whole(chosen.get("quantity", 0))


def _seats(ctx: Items, raw: Fields, key: str, path: Path) -> dict:
    config = raw.child("seat_config")
    chosen, others = _current(ctx, ctx.seats.get(raw.data.get("id"), []))
    assigned = sorted((chosen or {}).get("assigned_seat_ids") or [])
    total = int((chosen or {}).get("total_quantity") or 0)
    for other in others:
        if (sorted(other.get("assigned_seat_ids") or []), int(other.get("total_quantity") or 0)) != \
                (assigned, total):
            ctx.tracker.skip(f"subscriptions[{key}].seats", f"seats change at {ts(other.get('starting_at'))}: "
                             "a manifest holds one seat set; a plan would set this segment to it")
    ctx.comment(path + ("seat_config",), "Seats held now (from the seats history); seat_ids are sorted.")
    return {"seat_group_key": config.get("seat_group_key"), "seat_ids": assigned,
            "unassigned_seats": max(0, total - len(assigned))}


def _sorted(mapping: dict | None) -> dict | None:
    return {k: mapping[k] for k in sorted(mapping)} if mapping else None


# --------------------------------------------------------------------------------------------------
# Recurring credits and commits
# --------------------------------------------------------------------------------------------------

def recurring(ctx: Items, raw: Fields, key: str, path: Path, kind: str) -> dict | None:
    raw.ignore("id", "created_at", "anchor_date", "contract")
    link = _subscription_link(ctx, raw.child("subscription_config"), key, kind)
    if link is False:
        return None
    duration = raw.child("commit_duration")
    unit = (duration.get("unit") or "PERIODS").upper()
    out = {
        "key": key, "id": raw.data.get("id"), "name": raw.get("name"), "description": raw.get("description"),
        "product": ctx.refs.product(raw.get("product") or raw.get("product_id")),
        "access_amount": _amount(ctx, raw.child("access_amount")),
        "invoice_amount": _amount(ctx, raw.child("invoice_amount")) if kind == "commit" else None,
        "commit_duration": {"value": duration.get("value"), "unit": None if unit == "PERIODS" else unit},
        "priority": raw.get("priority"),
        "starting_at": ts(raw.get("starting_at")), "ending_before": ts(raw.get("ending_before")),
        "recurrence_frequency": raw.get("recurrence_frequency"), "proration": raw.get("proration"),
        "rollover_fraction": raw.get("rollover_fraction"), "rate_type": raw.get("rate_type"),
        "proration_rounding": _proration_rounding(raw.child("proration_rounding"), kind),
        **_applicability(ctx, raw),
        "subscription_config": link,
    }
    if link:
        ctx.comment(path + ("access_amount",), "No quantity: it follows the linked subscription's seats.")
    return clean(out)


def _subscription_link(ctx: Items, raw: Fields, key: str, kind: str) -> dict | None | bool:
    if not raw.data:
        return None
    subscription = ctx.subscription_keys.get(raw.get("subscription_id"))
    if subscription is None:
        ctx.tracker.skip(f"recurring_{kind}s[{key}]", "linked to a subscription that is not on this contract")
        return False
    return {"subscription": subscription, "allocation": raw.get("allocation"),
            "apply_seat_increase_config": {"is_prorated": raw.child("apply_seat_increase_config").get("is_prorated")}}


def _amount(ctx: Items, raw: Fields) -> dict | None:
    if not raw.data:
        return None
    return {"credit_type": ctx.refs.credit_type(raw.get("credit_type_id") or raw.get("credit_type")),
            "unit_price": raw.get("unit_price"), "quantity": raw.get("quantity")}


def _proration_rounding(raw: Fields, kind: str) -> dict:
    sections = ("access", "invoice") if kind == "commit" else ("access",)
    return {s: _rounding(raw.child(s)) for s in sections}


def _rounding(raw: Fields) -> dict:
    return {"rounding_method": raw.get("rounding_method"), "decimal_places": raw.get("decimal_places")}


def _applicability(ctx: Items, raw: Fields) -> dict:
    specifiers = []
    for spec in raw.items("specifiers"):
        specifiers.append({"product": ctx.refs.product(spec.get("product_id") or spec.get("product")),
                           "product_tags": spec.get("product_tags"),
                           "pricing_group_values": _sorted(spec.get("pricing_group_values")),
                           "presentation_group_values": _sorted(spec.get("presentation_group_values"))})
    return {"applicable_products": [ctx.refs.product(p) for p in raw.get("applicable_product_ids", [])] or None,
            "applicable_product_tags": raw.get("applicable_product_tags"), "specifiers": specifiers or None}


# --------------------------------------------------------------------------------------------------
# One-off commits and credits
# --------------------------------------------------------------------------------------------------

def grant(ctx: Items, raw: Fields, key: str, path: Path, kind: str) -> dict:
    raw.ignore("id", "created_at", "created_by", "contract", "balance", "ledger", "cost_basis")
    if kind == "credit":
        raw.ignore("type")
    access = raw.child("access_schedule")
    out = {
        "key": key, "id": raw.data.get("id"), "name": raw.get("name"), "description": raw.get("description"),
        "type": raw.get("type") if kind == "commit" else None,
        "product": ctx.refs.product(raw.get("product") or raw.get("product_id")),
        "access_schedule": {
            "credit_type": ctx.refs.credit_type(access.get("credit_type") or access.get("credit_type_id")),
            "access_type": access.get("access_type"),
            "schedule_items": [{"amount": i.get("amount"), "starting_at": ts(i.get("starting_at")),
                                "ending_before": ts(i.get("ending_before"))} for i in _ids_ignored(access)],
        },
        "invoice_schedule": _invoice_schedule(ctx, raw.child("invoice_schedule")) if kind == "commit" else None,
        "priority": raw.get("priority"), "rollover_fraction": raw.get("rollover_fraction"),
        "rate_type": raw.get("rate_type"), **_applicability(ctx, raw),
        "custom_fields": _sorted(raw.get("custom_fields")),
    }
    return clean(out)


def _ids_ignored(schedule: Fields) -> list[Fields]:
    items = schedule.items("schedule_items")
    for item in items:
        item.ignore("id", "invoice_id")
    return items


def _invoice_schedule(ctx: Items, raw: Fields) -> dict | None:
    if not raw.data:
        return None
    items = []
    for item in _ids_ignored(raw):
        quantity, amount = item.get("quantity"), item.get("amount")
        item.ignore("unit_price")
        if quantity is not None and float(quantity) != 1 and item.data.get("unit_price") is not None:
            items.append({"timestamp": ts(item.get("timestamp")), "unit_price": item.data["unit_price"],
                          "quantity": quantity})
        else:
            items.append({"timestamp": ts(item.get("timestamp")), "amount": amount})
    return {"credit_type": ctx.refs.credit_type(raw.get("credit_type") or raw.get("credit_type_id")),
            "do_not_invoice": raw.get("do_not_invoice"), "schedule_items": items}


# --------------------------------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------------------------------

def override_key_base(raw: dict, refs: CatalogRefs) -> str:
    """``pro-plan-annual-entitled``: what it targets, then what it does."""
    specifiers = raw.get("override_specifiers") or [{}]
    first = specifiers[0]
    product = raw.get("product") or raw.get("product_id") or first.get("product") or first.get("product_id")
    target = refs.product_label(product) or \
        "-".join(raw.get("applicable_product_tags") or first.get("product_tags") or ["override"])
    what = (raw.get("type") or ("entitled" if raw.get("entitled") is not None else "override")).lower()
    return "-".join(p for p in (target, first.get("billing_frequency"), what) if p)


def override(ctx: Items, raw: Fields, key: str, path: Path) -> dict:
    raw.ignore("id", "created_at")
    specifiers = [_override_specifier(ctx, s, key) for s in raw.items("override_specifiers")]
    rate = raw.child("overwrite_rate")
    tiers = raw.get("override_tiers") or raw.get("tiers")
    raw.ignore("tiers")
    out = {
        "key": key, "starting_at": ts(raw.get("starting_at")), "ending_before": ts(raw.get("ending_before")),
        "type": raw.get("type"), "product": ctx.refs.product(raw.get("product") or raw.get("product_id")),
        "applicable_product_tags": raw.get("applicable_product_tags"),
        "override_specifiers": specifiers or None, "entitled": raw.get("entitled"),
        "multiplier": raw.get("multiplier"), "overwrite_rate": _overwrite_rate(ctx, rate),
        "tiers": [{"multiplier": t.get("multiplier"), "size": t.get("size")} for t in tiers or []] or None,
        "priority": raw.get("priority"), "is_commit_specific": raw.get("is_commit_specific"),
        "target": raw.get("target"),
    }
    if path[-1] == 0:
        ctx.comment(path, "Overrides carry no id: the API can only add and remove them, so an override is",
                    "matched by all its fields, and changing one here replaces it (remove + add in one edit).")
    return clean(out)


def _override_specifier(ctx: Items, raw: Fields, key: str) -> dict:
    ids = [*raw.get("commit_ids", []), *raw.get("recurring_commit_ids", [])]
    commits = [ctx.commit_keys[i] for i in ids if i in ctx.commit_keys]
    for missing in (i for i in ids if i not in ctx.commit_keys):
        ctx.tracker.skip(f"overrides[{key}].override_specifiers.commit_ids", f"{missing} is not a commit of this contract")
    return {"product": ctx.refs.product(raw.get("product_id") or raw.get("product")),
            "product_tags": raw.get("product_tags"), "billing_frequency": raw.get("billing_frequency"),
            "pricing_group_values": _sorted(raw.get("pricing_group_values")),
            "presentation_group_values": _sorted(raw.get("presentation_group_values")),
            "commits": commits or None}


def _overwrite_rate(ctx: Items, raw: Fields) -> dict | None:
    if not raw.data:
        return None
    return {"rate_type": raw.get("rate_type"), "price": raw.get("price"), "quantity": raw.get("quantity"),
            "is_prorated": raw.get("is_prorated"),
            "tiers": [{"price": t.get("price"), "size": t.get("size")} for t in raw.get("tiers", [])] or None,
            "custom_rate": raw.get("custom_rate"),
            "credit_type": ctx.refs.credit_type(raw.get("credit_type") or raw.get("credit_type_id"))}
