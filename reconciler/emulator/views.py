"""Read shapes: stored documents rendered the way Metronome returns them (reference §6.2).

Write-side references become read-side objects here (``product_id`` -> ``product{id,name}``, schedule
``credit_type_id`` -> ``credit_type{id,name}``), subscriptions show only current and future quantity segments
and no seat ids, recurring definitions contribute generated grants, and custom field values are joined in.
Everything that depends on time takes the emulator clock's ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from reconciler.emulator.catalog import Catalog
from reconciler.emulator.recurring import generate_grants
from reconciler.emulator.schedules import current_and_future, quantity_segments
from reconciler.emulator.store import Store
from reconciler.emulator.timeutil import format_timestamp, parse_timestamp, period_index_at, period_start

CREATED_BY = "reconciler-emulator"
INTERNAL_SUBSCRIPTION_FIELDS = ("quantity_events", "seat_events", "seat_based_since", "unit_price")


@dataclass
class ViewContext:
    store: Store
    catalog: Catalog
    now: str


def _without_none(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if value is not None}


def _with_product(doc: dict[str, Any], ctx: ViewContext) -> dict[str, Any]:
    out = _without_none(doc)
    product_id = out.pop("product_id", None)
    if product_id is not None:
        out["product"] = ctx.catalog.product_ref(product_id)
    return out


def _schedule(schedule: dict[str, Any] | None, ctx: ViewContext) -> dict[str, Any] | None:
    if schedule is None:
        return None
    out = _without_none(schedule)
    out["credit_type"] = ctx.catalog.credit_type_ref(out.pop("credit_type_id", None))
    return out


# -- contract ----------------------------------------------------------------------------------------------

def contract_view(ctx: ViewContext, contract: dict[str, Any]) -> dict[str, Any]:
    """A stored contract as ``ContractV2``."""
    out = {key: contract[key] for key in (
        "id", "customer_id", "created_at", "starting_at", "ending_before", "name", "uniqueness_key",
        "rate_card_id", "archived_at", "net_payment_terms_days", "multiplier_override_prioritization",
        "scheduled_charges_on_usage_invoices", "netsuite_sales_order_id", "salesforce_opportunity_id",
        "total_contract_value") if contract.get(key) is not None}
    out["created_by"] = CREATED_BY
    out["commits"] = _grants(ctx, contract, "commit")
    out["credits"] = _grants(ctx, contract, "credit")
    out["overrides"] = [override_view(ctx, override) for override in contract["overrides"]]
    out["scheduled_charges"] = [charge_view(ctx, c, "scheduled_charge") for c in contract["scheduled_charges"]]
    out["discounts"] = [charge_view(ctx, c, "discount") for c in contract["discounts"]]
    out["professional_services"] = [_professional_service(ctx, s) for s in contract["professional_services"]]
    out["transitions"] = []
    out["usage_filter"] = list(contract["usage_filter"])
    out["usage_statement_schedule"] = dict(contract["usage_statement_schedule"])
    out["subscriptions"] = [subscription_view(ctx, sub) for sub in contract["subscriptions"]]
    out["recurring_commits"] = [recurring_view(ctx, contract, r) for r in contract["recurring_commits"]]
    out["recurring_credits"] = [recurring_view(ctx, contract, r) for r in contract["recurring_credits"]]
    out["custom_fields"] = ctx.store.custom_fields("contract", contract["id"])
    config_id = contract.get("billing_provider_configuration_id")
    if config_id:
        config = ctx.store.get("billing_provider_configurations", config_id)
        out["customer_billing_provider_configuration"] = billing_provider_configuration_view(config)
        out["billing_provider_configuration_schedule"] = [{
            "billing_provider_configuration": billing_provider_configuration_view(config),
            "effective_at": contract.get("billing_provider_configuration_effective_at") or contract["starting_at"]}]
    return out


def _grants(ctx: ViewContext, contract: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    stored = [grant_view(ctx, contract, grant, kind, custom=True) for grant in contract[f"{kind}s"]]
    shape = partial(grant_view, ctx, contract, kind=kind, custom=False)
    generated = [grant for recurring in contract[f"recurring_{kind}s"]
                 for grant in generate_grants(contract, recurring, kind, ctx.now, shape)]
    return stored + generated


def grant_view(ctx: ViewContext, contract: dict[str, Any], grant: dict[str, Any], kind: str, *,
               custom: bool = True) -> dict[str, Any]:
    out = _with_product(grant, ctx)
    if "access_schedule" in out:
        out["access_schedule"] = _schedule(out["access_schedule"], ctx)
    if "invoice_schedule" in out:
        out["invoice_schedule"] = _schedule(out["invoice_schedule"], ctx)
    out["contract"] = {"id": contract["id"]}
    out["created_by"] = CREATED_BY
    if custom:
        out["custom_fields"] = ctx.store.custom_fields("commit" if kind == "commit" else "contract_credit",
                                                       grant["id"])
    return out


def override_view(ctx: ViewContext, override: dict[str, Any]) -> dict[str, Any]:
    out = _with_product(override, ctx)
    rate = out.get("overwrite_rate")
    if rate is not None:
        rate = dict(rate)
        rate["credit_type"] = ctx.catalog.credit_type_ref(rate.pop("credit_type_id", None))
        out["overwrite_rate"] = rate
    return out


def charge_view(ctx: ViewContext, charge: dict[str, Any], entity: str) -> dict[str, Any]:
    out = _with_product(charge, ctx)
    out["schedule"] = _schedule(out["schedule"], ctx)
    out["custom_fields"] = ctx.store.custom_fields(entity, charge["id"])
    return out


def _professional_service(ctx: ViewContext, service: dict[str, Any]) -> dict[str, Any]:
    out = _without_none(service)
    out["custom_fields"] = ctx.store.custom_fields("professional_service", service["id"])
    return out


# -- subscriptions and recurring definitions ---------------------------------------------------------------

def subscription_view(ctx: ViewContext, subscription: dict[str, Any]) -> dict[str, Any]:
    out = {key: value for key, value in subscription.items()
           if key not in INTERNAL_SUBSCRIPTION_FIELDS and value is not None}
    out["subscription_rate"] = {"billing_frequency": out.pop("billing_frequency"),
                                "product": ctx.catalog.product_ref(out.pop("product_id"))}
    seat_group_key = out.pop("seat_group_key", None)
    if seat_group_key is not None:
        out["seat_config"] = {"seat_group_key": seat_group_key}
    out["quantity_schedule"] = [_without_none(segment) for segment in
                                current_and_future(quantity_segments(subscription), ctx.now)]
    out["billing_periods"] = billing_periods(subscription, ctx.now)
    out["custom_fields"] = ctx.store.custom_fields("subscription", subscription["id"])
    return out


def billing_periods(subscription: dict[str, Any], now: str) -> dict[str, Any]:
    """``previous`` / ``current`` / ``next`` periods of the subscription's billing frequency around ``now``."""
    start, end = subscription["starting_at"], subscription.get("ending_before")
    anchor = parse_timestamp((subscription.get("billing_cycle_config") or {}).get("anchor_date") or start)
    frequency = subscription["billing_frequency"]

    def period(index: int) -> dict[str, str] | None:
        begins = max(format_timestamp(period_start(anchor, frequency, index)), start)
        ends = format_timestamp(period_start(anchor, frequency, index + 1))
        if end is not None:
            if begins >= end:
                return None
            ends = min(ends, end)
        return {"starting_at": begins, "ending_before": ends} if ends > begins else None

    if end is not None and now >= end:
        last = period(period_index_at(anchor, frequency, parse_timestamp(end) - timedelta(milliseconds=1)))
        return {"previous": last} if last else {}
    if now < start:
        first = period(period_index_at(anchor, frequency, parse_timestamp(start)))
        return {"next": first} if first else {}
    index = period_index_at(anchor, frequency, parse_timestamp(now))
    periods = {"previous": period(index - 1) if index > 0 else None, "current": period(index),
               "next": period(index + 1)}
    return {key: value for key, value in periods.items() if value is not None}


def recurring_view(ctx: ViewContext, contract: dict[str, Any], recurring: dict[str, Any]) -> dict[str, Any]:
    out = _with_product({key: value for key, value in recurring.items() if not key.endswith("_versions")}, ctx)
    for section in ("access_amount", "invoice_amount"):
        if section in out:
            out[section] = dict(out[section])
            for version in recurring.get(f"{section}_versions", []):
                out[section].update({k: v for k, v in version.items() if k != "effective_from" and v is not None})
    out["contract"] = {"id": contract["id"]}
    return out


# -- customers and catalog ---------------------------------------------------------------------------------

def customer_view(customer: dict[str, Any], aliases: list[str], custom_fields: dict[str, str]) -> dict[str, Any]:
    return {"id": customer["id"], "external_id": customer["external_id"], "ingest_aliases": aliases,
            "name": customer["name"], "custom_fields": custom_fields}


def customer_detail_view(customer: dict[str, Any], aliases: list[str],
                         custom_fields: dict[str, str]) -> dict[str, Any]:
    out = customer_view(customer, aliases, custom_fields)
    out.update({"created_at": customer["created_at"], "updated_at": customer["updated_at"],
                "customer_config": {"salesforce_account_id": None}})
    if customer.get("archived_at"):
        out["archived_at"] = customer["archived_at"]
    return out


def billing_provider_configuration_view(config: dict[str, Any]) -> dict[str, Any]:
    out = {key: config.get(key) for key in ("id", "billing_provider", "customer_id", "delivery_method",
                                            "delivery_method_id")}
    out["configuration"] = config.get("configuration") or {}
    out["delivery_method_configuration"] = config.get("delivery_method_configuration") or {}
    if config.get("tax_provider"):
        out["tax_provider"] = config["tax_provider"]
    if config.get("archived_at"):
        out["archived_at"] = config["archived_at"]
    return out


PRODUCT_STATE_FIELDS = ("name", "billable_metric_id", "tags", "pricing_group_key", "presentation_group_key",
                        "composite_product_ids", "composite_tags", "quantity_conversion", "quantity_rounding",
                        "netsuite_internal_item_id", "netsuite_overage_item_id", "is_refundable")


def product_view(product: dict[str, Any], custom_fields: dict[str, str]) -> dict[str, Any]:
    state = {key: product[key] for key in PRODUCT_STATE_FIELDS if product.get(key) is not None}
    state.update({"created_at": product["created_at"], "created_by": CREATED_BY,
                  "starting_at": product["starting_at"]})
    out = {"id": product["id"], "type": product["type"], "initial": state, "current": dict(state), "updates": [],
           "custom_fields": custom_fields}
    if product.get("archived_at"):
        out["archived_at"] = product["archived_at"]
    return out


def rate_card_view(card: dict[str, Any], catalog: Catalog, custom_fields: dict[str, str]) -> dict[str, Any]:
    out = {key: card[key] for key in ("id", "name", "description", "created_at", "aliases") if card.get(key)}
    out["created_by"] = CREATED_BY
    out["fiat_credit_type"] = catalog.credit_type_ref(card.get("fiat_credit_type_id"))
    out["custom_fields"] = custom_fields
    return out


def rate_view(rate: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    product = catalog.products.get(rate["product_id"], {})
    body = {key: rate[key] for key in ("rate_type", "price", "quantity", "is_prorated", "tiers", "custom_rate",
                                       "pricing_group_values") if rate.get(key) is not None}
    body["credit_type"] = catalog.credit_type_ref(rate.get("credit_type_id"))
    out = {"product_id": rate["product_id"], "product_name": product.get("name", rate["product_id"]),
           "product_tags": product.get("tags", []), "product_custom_fields": {},
           "starting_at": rate["starting_at"], "entitled": rate.get("entitled", True), "rate": body}
    for key in ("ending_before", "billing_frequency", "pricing_group_values", "commit_rate"):
        if rate.get(key) is not None:
            out[key] = rate[key]
    return out
