"""Builders that validate create-shaped inputs and turn them into stored contract sub-objects.

Shared by ``/v1/contracts/create`` and the ``add_*`` sections of ``/v2/contracts/edit``. Stored objects keep
write-side references (``product_id``, ``credit_type_id``); :mod:`reconciler.emulator.views` expands them into
Metronome's read shapes. Every failure is a 400 whose message starts with the field path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from reconciler.emulator.catalog import Catalog
from reconciler.emulator.custom_fields import CustomFieldWrites
from reconciler.emulator.errors import bad_request
from reconciler.emulator.store import Store
from reconciler.emulator.timeutil import format_timestamp, parse_timestamp, period_start


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class BuildContext:
    """What one create or edit request builds against."""

    store: Store
    catalog: Catalog
    now: str
    contract: dict[str, Any]
    writes: CustomFieldWrites = field(default_factory=CustomFieldWrites)
    subscription_temporary_ids: dict[str, str] = field(default_factory=dict)
    commit_temporary_ids: dict[str, str] = field(default_factory=dict)


def dump(model: Any) -> Any:
    return model.model_dump(exclude_none=True) if model is not None else None


def check_interval(starting_at: str | None, ending_before: str | None, path: str) -> None:
    if starting_at is not None and ending_before is not None and ending_before <= starting_at:
        raise bad_request(f"{path}.ending_before: {ending_before} must be after starting_at {starting_at}")


def check_product(ctx: BuildContext, product_id: str, path: str, *, kind: str | None = None) -> dict[str, Any]:
    product = ctx.catalog.products.get(product_id)
    if product is None:
        raise bad_request(f"{path}: product {product_id} not found")
    if kind is not None and product["type"] != kind:
        raise bad_request(f"{path}: product {product_id} ({product['name']}) is a {product['type']} product, "
                          f"not {kind}")
    return product


def check_credit_type(ctx: BuildContext, credit_type_id: str | None, path: str) -> None:
    if credit_type_id is not None and credit_type_id not in ctx.catalog.credit_types:
        raise bad_request(f"{path}: credit type {credit_type_id} not found")


# -- subscriptions -----------------------------------------------------------------------------------------

def build_subscription(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    rate = _check_subscription_rate(ctx, given.subscription_rate, f"{path}.subscription_rate")
    mode = given.quantity_management_mode or "QUANTITY_ONLY"
    starting_at = given.starting_at or ctx.contract["starting_at"]
    ending_before = given.ending_before if given.ending_before is not None else ctx.contract.get("ending_before")
    if starting_at < ctx.contract["starting_at"]:
        raise bad_request(f"{path}.starting_at: {starting_at} is before the contract starts")
    check_interval(starting_at, ending_before, path)
    subscription: dict[str, Any] = {
        "id": new_id(), "created_at": ctx.now,
        "product_id": given.subscription_rate.product_id,
        "billing_frequency": given.subscription_rate.billing_frequency,
        "collection_schedule": given.collection_schedule,
        "proration": _proration(given.proration),
        "quantity_management_mode": mode,
        "starting_at": starting_at, "ending_before": ending_before,
        "fiat_credit_type_id": rate.get("credit_type_id") or ctx.catalog.fiat_credit_type_id(),
        "unit_price": rate.get("price", 0),
    }
    for name in ("name", "description"):
        if getattr(given, name) is not None:
            subscription[name] = getattr(given, name)
    if given.billing_cycle_config is not None:
        subscription["billing_cycle_config"] = {
            "anchor_date": given.billing_cycle_config.anchor_date or starting_at,
            "invoice_placement": given.billing_cycle_config.invoice_placement or "ON_USAGE_INVOICE"}
    if given.payment_gate_config is not None:
        raise bad_request(f"{path}.payment_gate_config: is not supported by the reconciler emulator")
    _initial_quantities(subscription, given, path)
    if given.temporary_id is not None:
        ctx.subscription_temporary_ids[given.temporary_id] = subscription["id"]
    ctx.writes.add(ctx.store, "subscription", subscription["id"], given.custom_fields, f"{path}.custom_fields")
    return subscription


def _check_subscription_rate(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    check_product(ctx, given.product_id, f"{path}.product_id", kind="SUBSCRIPTION")
    rate_card_id = ctx.contract.get("rate_card_id")
    if rate_card_id is None:
        raise bad_request(f"{path}: a subscription needs a rate card on the contract (rate_card_id)")
    rate = ctx.catalog.subscription_rate(rate_card_id, given.product_id, given.billing_frequency)
    if rate is None:
        raise bad_request(f"{path}: rate card {rate_card_id} has no SUBSCRIPTION rate for product "
                          f"{given.product_id} with billing_frequency {given.billing_frequency}")
    return rate


def _proration(given: Any) -> dict[str, Any]:
    proration = {"invoice_behavior": given.invoice_behavior or "BILL_IMMEDIATELY",
                 "is_prorated": given.is_prorated if given.is_prorated is not None else True}
    if given.rounding is not None:
        proration["rounding"] = dump(given.rounding)
    return proration


def _initial_quantities(subscription: dict[str, Any], given: Any, path: str) -> None:
    start = subscription["starting_at"]
    if subscription["quantity_management_mode"] == "SEAT_BASED":
        if given.seat_config is None:
            raise bad_request(f"{path}.seat_config: required when quantity_management_mode is SEAT_BASED")
        if given.initial_quantity is not None:
            raise bad_request(f"{path}.initial_quantity: not allowed for SEAT_BASED subscriptions "
                              "(use seat_config.initial_seat_ids / initial_unassigned_seats)")
        unassigned = given.seat_config.initial_unassigned_seats or 0
        if unassigned != int(unassigned):
            raise bad_request(f"{path}.seat_config.initial_unassigned_seats: must be a whole number")
        subscription["seat_group_key"] = given.seat_config.seat_group_key
        subscription["seat_events"] = [{"starting_at": start, "kind": "initial",
                                        "seat_ids": list(dict.fromkeys(given.seat_config.initial_seat_ids)),
                                        "quantity": int(unassigned)}]
        return
    if given.seat_config is not None:
        raise bad_request(f"{path}.seat_config: only allowed when quantity_management_mode is SEAT_BASED")
    if given.initial_quantity is None:
        raise bad_request(f"{path}.initial_quantity: required for QUANTITY_ONLY subscriptions")
    subscription["quantity_events"] = [{"starting_at": start, "quantity": given.initial_quantity}]


# -- recurring commits and credits -------------------------------------------------------------------------

def build_recurring(ctx: BuildContext, given: Any, kind: str, path: str) -> dict[str, Any]:
    check_product(ctx, given.product_id, f"{path}.product_id")
    check_interval(given.starting_at, given.ending_before, path)
    access = dump(given.access_amount)
    access.setdefault("credit_type_id", ctx.catalog.fiat_credit_type_id())
    check_credit_type(ctx, access["credit_type_id"], f"{path}.access_amount.credit_type_id")
    recurring: dict[str, Any] = dump(given)
    recurring.pop("temporary_id", None)
    recurring.pop("product_id")
    recurring.update({
        "id": new_id(), "created_at": ctx.now, "product_id": given.product_id, "access_amount": access,
        "anchor_date": given.starting_at, "rate_type": given.rate_type or "COMMIT_RATE",
        "commit_duration": {"value": given.commit_duration.value, "unit": given.commit_duration.unit or "PERIODS"},
    })
    if given.hierarchy_configuration is not None:
        raise bad_request(f"{path}.hierarchy_configuration: is not supported by the reconciler emulator")
    if given.subscription_config is not None:
        recurring["subscription_config"] = _subscription_config(ctx, given.subscription_config,
                                                                f"{path}.subscription_config")
    elif given.access_amount.quantity is None:
        raise bad_request(f"{path}.access_amount.quantity: required unless subscription_config is set")
    if given.temporary_id is not None:
        ctx.commit_temporary_ids[given.temporary_id] = recurring["id"]
    return recurring


def _subscription_config(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    subscription_id = ctx.subscription_temporary_ids.get(given.subscription_id, given.subscription_id)
    subscription = next((sub for sub in ctx.contract["subscriptions"] if sub["id"] == subscription_id), None)
    if subscription is None:
        raise bad_request(f"{path}.subscription_id: {given.subscription_id} is neither a temporary_id of a "
                          "subscription in this request nor a subscription of the contract")
    allocation = given.allocation or "POOLED"
    if allocation == "INDIVIDUAL" and subscription["quantity_management_mode"] != "SEAT_BASED":
        raise bad_request(f"{path}.allocation: INDIVIDUAL allocation needs a SEAT_BASED subscription")
    return {"subscription_id": subscription_id, "allocation": allocation,
            "apply_seat_increase_config": dump(given.apply_seat_increase_config)}


# -- commits, credits, overrides, charges ------------------------------------------------------------------

def build_commit(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    commit = _grant_base(ctx, given, path, "commit")
    commit["type"] = given.type
    if given.type == "POSTPAID" and given.invoice_schedule is None:
        raise bad_request(f"{path}.invoice_schedule: required for POSTPAID commits")
    if given.invoice_schedule is not None:
        commit["invoice_schedule"] = expand_schedule(ctx, given.invoice_schedule, f"{path}.invoice_schedule")
    if given.spend_tracker_attributes is not None:
        commit["spend_tracker_attributes"] = dump(given.spend_tracker_attributes)
    if getattr(given, "payment_gate_config", None) is not None:
        raise bad_request(f"{path}.payment_gate_config: is not supported by the reconciler emulator")
    if given.temporary_id is not None:
        ctx.commit_temporary_ids[given.temporary_id] = commit["id"]
    ctx.writes.add(ctx.store, "commit", commit["id"], given.custom_fields, f"{path}.custom_fields")
    return commit


def build_credit(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    credit = _grant_base(ctx, given, path, "credit")
    credit["type"] = "CREDIT"
    ctx.writes.add(ctx.store, "contract_credit", credit["id"], given.custom_fields, f"{path}.custom_fields")
    return credit


def _grant_base(ctx: BuildContext, given: Any, path: str, kind: str) -> dict[str, Any]:
    check_product(ctx, given.product_id, f"{path}.product_id")
    if given.hierarchy_configuration is not None:
        raise bad_request(f"{path}.hierarchy_configuration: is not supported by the reconciler emulator")
    grant: dict[str, Any] = {"id": new_id(), "created_at": ctx.now, "product_id": given.product_id}
    for name in ("name", "description", "priority", "rollover_fraction", "rate_type", "applicable_product_ids",
                 "applicable_product_tags", "netsuite_sales_order_id"):
        if getattr(given, name) is not None:
            grant[name] = getattr(given, name)
    if given.specifiers is not None:
        grant["specifiers"] = [dump(spec) for spec in given.specifiers]
    if given.access_schedule is not None:
        grant["access_schedule"] = _access_schedule(ctx, given.access_schedule, f"{path}.access_schedule")
    elif kind == "commit":
        raise bad_request(f"{path}.access_schedule: required")
    return grant


def _access_schedule(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    check_credit_type(ctx, given.credit_type_id, f"{path}.credit_type_id")
    items = []
    for index, item in enumerate(given.schedule_items):
        check_interval(item.starting_at, item.ending_before, f"{path}.schedule_items[{index}]")
        items.append({"id": new_id(), "amount": item.amount, "starting_at": item.starting_at,
                      "ending_before": item.ending_before})
    schedule = {"credit_type_id": given.credit_type_id, "schedule_items": items}
    if given.access_type is not None:
        schedule["access_type"] = given.access_type
    return schedule


def expand_schedule(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    """A SchedulePointInTime input as Metronome reads it back: explicit ``schedule_items`` with ids."""
    check_credit_type(ctx, given.credit_type_id, f"{path}.credit_type_id")
    if (given.schedule_items is None) == (given.recurring_schedule is None):
        raise bad_request(f"{path}: exactly one of schedule_items and recurring_schedule is required")
    if given.schedule_items is not None:
        items = [schedule_item(item, f"{path}.schedule_items[{i}]") for i, item in enumerate(given.schedule_items)]
    else:
        items = _recurring_items(given.recurring_schedule, f"{path}.recurring_schedule")
    schedule: dict[str, Any] = {"credit_type_id": given.credit_type_id, "schedule_items": items}
    if given.do_not_invoice is not None:
        schedule["do_not_invoice"] = given.do_not_invoice
    return schedule


def schedule_item(item: Any, path: str) -> dict[str, Any]:
    if item.amount is None and (item.unit_price is None or item.quantity is None):
        raise bad_request(f"{path}: give amount, or unit_price and quantity")
    unit_price = item.unit_price if item.unit_price is not None else item.amount
    quantity = item.quantity if item.quantity is not None else 1
    amount = item.amount if item.amount is not None else unit_price * quantity
    return {"id": new_id(), "timestamp": item.timestamp, "amount": amount, "unit_price": unit_price,
            "quantity": quantity}


def _recurring_items(given: Any, path: str) -> list[dict[str, Any]]:
    check_interval(given.starting_at, given.ending_before, path)
    anchor = parse_timestamp(given.starting_at)
    stamps = []
    while len(stamps) < 1000:
        stamp = format_timestamp(period_start(anchor, given.frequency, len(stamps)))
        if stamp >= given.ending_before:
            break
        stamps.append(stamp)
    if given.amount is None and (given.unit_price is None or given.quantity is None):
        raise bad_request(f"{path}: give amount, or unit_price and quantity")
    total = given.amount if given.amount is not None else given.unit_price * given.quantity
    each = total if given.amount_distribution == "EACH" else total / len(stamps)
    if given.amount_distribution == "DIVIDED_ROUNDED":
        each = round(each, 2)
    return [{"id": new_id(), "timestamp": stamp, "amount": each, "unit_price": each, "quantity": 1}
            for stamp in stamps]


def build_override(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    check_interval(given.starting_at, given.ending_before, path)
    override: dict[str, Any] = {"id": new_id(), "created_at": ctx.now, **dump(given)}
    override.pop("tiers", None)
    if given.tiers is not None:
        override["override_tiers"] = [dump(tier) for tier in given.tiers]
    if given.type is None:
        inferred = ("OVERWRITE" if given.overwrite_rate else "TIERED" if given.tiers
                    else "MULTIPLIER" if given.multiplier is not None else None)
        if inferred:
            override["type"] = inferred
    products = [(given.product_id, f"{path}.product_id")] if given.product_id else []
    for index, spec in enumerate(given.override_specifiers or []):
        if spec.product_id:
            products.append((spec.product_id, f"{path}.override_specifiers[{index}].product_id"))
        _map_commit_ids(ctx, override["override_specifiers"][index])
    for product_id, where in products:
        check_product(ctx, product_id, where)
        rate_card_id = ctx.contract.get("rate_card_id")
        if rate_card_id and not ctx.catalog.rates_for(rate_card_id, product_id):
            raise bad_request(f"{where}: No such product in rate card ({product_id} has no rate on {rate_card_id})")
    return override


def _map_commit_ids(ctx: BuildContext, specifier: dict[str, Any]) -> None:
    for name in ("commit_ids", "recurring_commit_ids", "any_commit_or_credit_ids"):
        if name in specifier:
            specifier[name] = [ctx.commit_temporary_ids.get(item, item) for item in specifier[name]]


def build_scheduled_charge(ctx: BuildContext, given: Any, path: str, entity: str) -> dict[str, Any]:
    check_product(ctx, given.product_id, f"{path}.product_id")
    charge: dict[str, Any] = {"id": new_id(), "product_id": given.product_id,
                              "schedule": expand_schedule(ctx, given.schedule, f"{path}.schedule")}
    for name in ("name", "netsuite_sales_order_id"):
        if getattr(given, name) is not None:
            charge[name] = getattr(given, name)
    ctx.writes.add(ctx.store, entity, charge["id"], given.custom_fields, f"{path}.custom_fields")
    return charge


def build_professional_service(ctx: BuildContext, given: Any, path: str) -> dict[str, Any]:
    check_product(ctx, given.product_id, f"{path}.product_id")
    service = {"id": new_id(), **dump(given)}
    service.pop("custom_fields", None)
    ctx.writes.add(ctx.store, "professional_service", service["id"], given.custom_fields, f"{path}.custom_fields")
    return service


# -- billing provider configuration ------------------------------------------------------------------------

def resolve_billing_provider_configuration(ctx: BuildContext, given: Any, path: str) -> str:
    """The id of one of the customer's own configurations that ``given`` names.

    By id: the customer's own configuration. An id of *another* customer's configuration is resolved to this
    customer's configuration with the same billing provider and delivery method (the seed guide's third example
    reuses one id across customers); there must be exactly one. Otherwise by ``billing_provider`` +
    ``delivery_method``, which must match exactly one active configuration of the customer.
    """
    customer_id = ctx.contract["customer_id"]
    own = [cfg for cfg in ctx.store.docs("billing_provider_configurations", "customer_id = ?", (customer_id,))
           if not cfg.get("archived_at")]
    if given.billing_provider_configuration_id is not None:
        wanted = ctx.store.get("billing_provider_configurations", given.billing_provider_configuration_id)
        if wanted is None:
            raise bad_request(f"{path}.billing_provider_configuration_id: billing provider configuration "
                              f"{given.billing_provider_configuration_id} not found")
        if wanted["customer_id"] == customer_id:
            return wanted["id"]
        provider, method = wanted["billing_provider"], wanted["delivery_method"]
        where = f"{path}.billing_provider_configuration_id"
    else:
        if given.billing_provider is None or given.delivery_method is None:
            raise bad_request(f"{path}: give billing_provider_configuration_id, or billing_provider and "
                              "delivery_method")
        provider, method, where = given.billing_provider, given.delivery_method, path
    matches = [cfg for cfg in own if (cfg["billing_provider"], cfg["delivery_method"]) == (provider, method)]
    if len(matches) != 1:
        problem = "no" if not matches else "more than one"
        raise bad_request(f"{where}: customer {customer_id} has {problem} {provider}/{method} billing provider "
                          "configuration")
    return matches[0]["id"]
