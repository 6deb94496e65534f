"""Contract lifecycle: create, look up, list, end-date changes, archive, edit history, seat/quantity history.

Edits (``/v2/contracts/edit``) live in :mod:`reconciler.emulator.edits`. Every write validates first and then
writes in one transaction; ``updateEndDate`` and archive are recorded in the edit history like edits.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.catalog import Catalog
from reconciler.emulator.contract_build import (
    BuildContext, build_commit, build_credit, build_override, build_professional_service, build_recurring,
    build_scheduled_charge, build_subscription, check_interval, new_id, resolve_billing_provider_configuration,
)
from reconciler.emulator.errors import UNIQUENESS_KEY_USED, ApiError, bad_request, conflict, not_found_v1, not_found_v2
from reconciler.emulator.requests.contracts import UNSUPPORTED_CREATE_FIELDS
from reconciler.emulator.schedules import quantity_segments, seat_segments
from reconciler.emulator.store import Store


@dataclass
class Env:
    """What contract operations need: storage, catalog and the clock's now (a canonical timestamp)."""

    store: Store
    catalog: Catalog
    now: str


def reject_unsupported(request: Any, names: tuple[str, ...]) -> None:
    for name in names:
        if getattr(request, name) is not None:
            raise bad_request(f"{name}: is not supported by the reconciler emulator")


# -- create ------------------------------------------------------------------------------------------------

def create_contract(env: Env, request: Any) -> str:
    if request.uniqueness_key is not None and env.store.contract_key_used(request.uniqueness_key):
        raise conflict(UNIQUENESS_KEY_USED)
    customer = env.store.get("customers", request.customer_id)
    if customer is None:
        raise not_found_v1(f"customer {request.customer_id} not found")
    if customer.get("archived_at"):
        raise bad_request(f"customer_id: customer {request.customer_id} is archived")
    reject_unsupported(request, UNSUPPORTED_CREATE_FIELDS)
    check_interval(request.starting_at, request.ending_before, "body")
    contract = _new_contract(env, request)
    ctx = BuildContext(env.store, env.catalog, env.now, contract)
    ctx.writes.add(env.store, "contract", contract["id"], request.custom_fields, "custom_fields")
    _build_sections(ctx, request)
    if request.billing_provider_configuration is not None:
        contract["billing_provider_configuration_id"] = resolve_billing_provider_configuration(
            ctx, request.billing_provider_configuration, "billing_provider_configuration")
    with env.store.transaction():
        if request.uniqueness_key is not None and env.store.contract_key_used(request.uniqueness_key):
            raise conflict(UNIQUENESS_KEY_USED)
        env.store.insert("contracts", contract, customer_id=contract["customer_id"],
                         uniqueness_key=request.uniqueness_key)
        ctx.writes.apply(env.store)
    return contract["id"]


def _new_contract(env: Env, request: Any) -> dict[str, Any]:
    contract: dict[str, Any] = {
        "id": new_id(), "customer_id": request.customer_id, "created_at": env.now,
        "starting_at": request.starting_at, "ending_before": request.ending_before,
        "rate_card_id": _rate_card_id(env, request),
        "commits": [], "credits": [], "overrides": [], "scheduled_charges": [], "discounts": [],
        "professional_services": [], "subscriptions": [], "recurring_commits": [], "recurring_credits": [],
        "usage_filter": _usage_filter(request), "usage_statement_schedule": _usage_statement_schedule(request),
    }
    for name in ("name", "uniqueness_key", "net_payment_terms_days", "multiplier_override_prioritization",
                 "scheduled_charges_on_usage_invoices", "netsuite_sales_order_id", "salesforce_opportunity_id",
                 "total_contract_value"):
        if getattr(request, name) is not None:
            contract[name] = getattr(request, name)
    return contract


def _rate_card_id(env: Env, request: Any) -> str | None:
    if request.rate_card_id is not None and request.rate_card_alias is not None:
        raise bad_request("rate_card_alias: give rate_card_id or rate_card_alias, not both")
    if request.rate_card_id is not None:
        if request.rate_card_id not in env.catalog.rate_cards:
            raise bad_request(f"rate_card_id: rate card {request.rate_card_id} not found")
        return request.rate_card_id
    if request.rate_card_alias is not None:
        card = env.catalog.rate_card_by_alias(request.rate_card_alias, request.starting_at)
        if card is None:
            raise bad_request(f"rate_card_alias: no rate card has alias {request.rate_card_alias!r} at "
                              f"{request.starting_at}")
        return card["id"]
    return None


def _usage_filter(request: Any) -> list[dict[str, Any]]:
    if request.usage_filter is None:
        return []
    given = request.usage_filter
    return [{"group_key": given.group_key, "group_values": list(given.group_values),
             "starting_at": given.starting_at or request.starting_at}]


def _usage_statement_schedule(request: Any) -> dict[str, str]:
    """Frequency (default MONTHLY) and the anchor its ``day`` rule gives (default: first of the start month)."""
    given = request.usage_statement_schedule
    frequency = given.frequency if given else "MONTHLY"
    day = (given.day if given else None) or "FIRST_OF_MONTH"
    if day == "CUSTOM_DATE":
        if given.billing_anchor_date is None:
            raise bad_request("usage_statement_schedule.billing_anchor_date: required when day is CUSTOM_DATE")
        anchor = given.billing_anchor_date
    elif day == "CONTRACT_START":
        anchor = request.starting_at
    else:
        anchor = request.starting_at[:8] + "01T00:00:00.000Z"
    return {"frequency": frequency, "billing_anchor_date": anchor}


def _build_sections(ctx: BuildContext, request: Any) -> None:
    contract = ctx.contract
    for i, sub in enumerate(request.subscriptions or []):
        contract["subscriptions"].append(build_subscription(ctx, sub, f"subscriptions[{i}]"))
    for i, commit in enumerate(request.commits or []):
        contract["commits"].append(build_commit(ctx, commit, f"commits[{i}]"))
    for i, credit in enumerate(request.credits or []):
        contract["credits"].append(build_credit(ctx, credit, f"credits[{i}]"))
    for i, recurring in enumerate(request.recurring_commits or []):
        contract["recurring_commits"].append(build_recurring(ctx, recurring, "commit", f"recurring_commits[{i}]"))
    for i, recurring in enumerate(request.recurring_credits or []):
        contract["recurring_credits"].append(build_recurring(ctx, recurring, "credit", f"recurring_credits[{i}]"))
    for i, override in enumerate(request.overrides or []):
        contract["overrides"].append(build_override(ctx, override, f"overrides[{i}]"))
    for i, charge in enumerate(request.scheduled_charges or []):
        contract["scheduled_charges"].append(
            build_scheduled_charge(ctx, charge, f"scheduled_charges[{i}]", "scheduled_charge"))
    for i, discount in enumerate(request.discounts or []):
        contract["discounts"].append(build_scheduled_charge(ctx, discount, f"discounts[{i}]", "discount"))
    for i, service in enumerate(request.professional_services or []):
        contract["professional_services"].append(
            build_professional_service(ctx, service, f"professional_services[{i}]"))


# -- lookups -----------------------------------------------------------------------------------------------

def load_contract_v2(store: Store, customer_id: str, contract_id: str) -> dict[str, Any]:
    """The contract, or v2's 400 ``CustomerNotFound`` / ``ContractNotFound``."""
    if store.get("customers", customer_id) is None:
        raise not_found_v2("CustomerNotFound", f"Customer {customer_id} not found")
    contract = store.get("contracts", contract_id)
    if contract is None or contract["customer_id"] != customer_id:
        raise not_found_v2("ContractNotFound", f"Contract {contract_id} not found for customer {customer_id}")
    return contract


def load_contract_v1(store: Store, customer_id: str, contract_id: str) -> dict[str, Any]:
    contract = store.get("contracts", contract_id)
    if contract is None or contract["customer_id"] != customer_id:
        raise not_found_v1(f"Contract {contract_id} not found for customer {customer_id}")
    return contract


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, field: str = "cursor") -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["offset"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, KeyError, TypeError):
        pass
    raise bad_request(f"{field}: invalid cursor")


def list_contracts(env: Env, request: Any) -> tuple[list[dict[str, Any]], str | None]:
    if env.store.get("customers", request.customer_id) is None:
        raise not_found_v2("CustomerNotFound", f"Customer {request.customer_id} not found")
    if request.covering_date is not None and request.starting_at is not None:
        raise bad_request("covering_date: give covering_date or starting_at, not both")
    contracts = [c for c in env.store.docs("contracts", "customer_id = ?", (request.customer_id,))
                 if _listed(c, request)]
    contracts.sort(key=lambda c: c["starting_at"])
    offset, limit = decode_cursor(request.cursor), request.limit or 20
    page = contracts[offset:offset + limit]
    more = offset + limit < len(contracts)
    return page, encode_cursor(offset + limit) if more else None


def _listed(contract: dict[str, Any], request: Any) -> bool:
    if contract.get("archived_at") and not request.include_archived:
        return False
    if request.starting_at is not None and contract["starting_at"] < request.starting_at:
        return False
    if request.covering_date is not None:
        end = contract.get("ending_before")
        return contract["starting_at"] <= request.covering_date and (end is None or request.covering_date < end)
    return True


# -- end date and archive ----------------------------------------------------------------------------------

def set_end_date(contract: dict[str, Any], ending_before: str | None, path: str) -> None:
    """Change the contract end; shortening also ends subscriptions and recurring items that ran past it."""
    check_interval(contract["starting_at"], ending_before, path.rsplit(".", 1)[0] if "." in path else "body")
    contract["ending_before"] = ending_before
    if ending_before is None:
        return
    for item in contract["subscriptions"] + contract["recurring_commits"] + contract["recurring_credits"]:
        if item.get("ending_before") is None or item["ending_before"] > ending_before:
            item["ending_before"] = max(ending_before, item["starting_at"])


def update_end_date(env: Env, request: Any) -> str:
    contract = load_contract_v1(env.store, request.customer_id, request.contract_id)
    if contract.get("archived_at"):
        raise bad_request(f"contract_id: contract {contract['id']} is archived")
    set_end_date(contract, request.ending_before, "ending_before")
    record = {"id": new_id(), "timestamp": env.now, "update_contract_end_date": request.ending_before}
    with env.store.transaction():
        env.store.update("contracts", contract)
        env.store.insert("edits", record, contract_id=contract["id"])
    return contract["id"]


def archive_contract(env: Env, contract: dict[str, Any]) -> None:
    """Archive the contract and its commits and credits; recorded in the edit history."""
    if contract.get("archived_at"):
        return
    contract["archived_at"] = env.now
    record: dict[str, Any] = {"id": new_id(), "timestamp": env.now, "archive_commits": [], "archive_credits": []}
    for kind in ("commits", "credits"):
        for grant in contract[kind]:
            if not grant.get("archived_at"):
                grant["archived_at"] = env.now
                record[f"archive_{kind}"].append({"id": grant["id"]})
    with env.store.transaction():
        env.store.update("contracts", contract)
        env.store.insert("edits", record, contract_id=contract["id"])


def edit_history(env: Env, request: Any) -> list[dict[str, Any]]:
    contract = load_contract_v2(env.store, request.customer_id, request.contract_id)
    return env.store.docs("edits", "contract_id = ?", (contract["id"],))


# -- seats and quantity history ----------------------------------------------------------------------------

def load_subscription(env: Env, request: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if env.store.get("customers", request.customer_id) is None:
        raise not_found_v2("CustomerNotFound", f"Customer {request.customer_id} not found")
    contract = env.store.get("contracts", request.contract_id)
    if contract is None or contract["customer_id"] != request.customer_id:
        raise not_found_v2("ContractNotFound", f"Contract {request.contract_id} not found")
    for subscription in contract["subscriptions"]:
        if subscription["id"] == request.subscription_id:
            return contract, subscription
    raise not_found_v2("SubscriptionNotFound", f"Subscription {request.subscription_id} not found on contract "
                                               f"{request.contract_id}")


def seats_history(env: Env, request: Any) -> tuple[list[dict[str, Any]], str | None]:
    _, subscription = load_subscription(env, request)
    if subscription["quantity_management_mode"] != "SEAT_BASED":
        raise ApiError(400, f"Subscription {subscription['id']} is not SEAT_BASED", "InvalidArgument")
    if request.covering_date is not None and (request.starting_at or request.ending_before):
        raise ApiError(400, "covering_date: give covering_date or starting_at/ending_before, not both",
                       "InvalidArgument")
    segments = [segment for segment in seat_segments(subscription) if _overlaps(segment, request)]
    offset, limit = decode_cursor(request.cursor), request.limit or 10
    page = [{key: value for key, value in seg.items() if value is not None} for seg in segments[offset:offset + limit]]
    return page, encode_cursor(offset + limit) if offset + limit < len(segments) else None


def _overlaps(segment: dict[str, Any], request: Any) -> bool:
    start, end = segment["starting_at"], segment["ending_before"]
    if request.covering_date is not None:
        return start <= request.covering_date and (end is None or request.covering_date < end)
    if request.ending_before is not None and start >= request.ending_before:
        return False
    return request.starting_at is None or end is None or end > request.starting_at


def quantity_history(env: Env, request: Any) -> dict[str, Any]:
    """Past and current quantities only (future changes are in the contract's ``quantity_schedule``)."""
    _, subscription = load_subscription(env, request)
    unit_price = float(subscription.get("unit_price") or 0)
    history = [{"starting_at": seg["starting_at"],
                "data": [{"quantity": seg["quantity"], "unit_price": unit_price,
                          "total": seg["quantity"] * unit_price}]}
               for seg in quantity_segments(subscription) if seg["starting_at"] <= env.now]
    return {"subscription_id": subscription["id"], "fiat_credit_type_id": subscription.get("fiat_credit_type_id"),
            "history": history}
