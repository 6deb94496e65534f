"""``POST /v2/contracts/edit``: validate every section against a copy of the contract, then write atomically.

Sections are applied in a fixed order to an in-memory deep copy (names and dates, new subscriptions, their
updates, commits and credits, recurring items — which may reference subscriptions added in the same edit by
``temporary_id`` or live ones by id — overrides, charges, billing provider configuration). Any error aborts
before anything is written; on success the contract, the edit record and custom field values are written in
one SQLite transaction. The edit record holds the created objects (with their new ids) in read shape.
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler.emulator.contract_build import (
    BuildContext, build_commit, build_credit, build_override, build_professional_service, build_recurring,
    build_scheduled_charge, build_subscription, check_interval, check_product, dump, new_id,
    resolve_billing_provider_configuration, schedule_item,
)
from reconciler.emulator.contracts import Env, load_contract_v2, reject_unsupported, set_end_date
from reconciler.emulator.errors import UNIQUENESS_KEY_USED, bad_request, conflict
from reconciler.emulator.requests.edits import UNSUPPORTED_EDIT_FIELDS
from reconciler.emulator.schedules import record_quantity_updates, record_seat_updates, seat_ids_in
from reconciler.emulator.views import ViewContext, charge_view, grant_view, override_view, recurring_view, \
    subscription_view

MAX_SEAT_IDS_PER_EDIT = 500


def edit_contract(env: Env, request: Any) -> dict[str, Any]:
    """Apply one edit; returns the edit record (``ContractEditResponse.data.edit``)."""
    stored = load_contract_v2(env.store, request.customer_id, request.contract_id)
    if request.uniqueness_key is not None and env.store.edit_key_used(request.uniqueness_key):
        raise conflict(UNIQUENESS_KEY_USED)
    if stored.get("archived_at"):
        raise bad_request(f"contract_id: contract {stored['id']} is archived")
    reject_unsupported(request, UNSUPPORTED_EDIT_FIELDS)
    contract = copy.deepcopy(stored)
    ctx = BuildContext(env.store, env.catalog, env.now, contract)
    record: dict[str, Any] = {"id": new_id(), "timestamp": env.now}
    if request.uniqueness_key is not None:
        record["uniqueness_key"] = request.uniqueness_key
    for step in EDIT_STEPS:
        step(ctx, request, record)
    _render_created(ctx, record)
    with env.store.transaction():
        if request.uniqueness_key is not None and env.store.edit_key_used(request.uniqueness_key):
            raise conflict(UNIQUENESS_KEY_USED)
        env.store.update("contracts", contract)
        env.store.insert("edits", record, contract_id=contract["id"], uniqueness_key=request.uniqueness_key)
        ctx.writes.apply(env.store)
    return record


def _contract_fields(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    given = request.model_fields_set
    if request.update_contract_name is not None:
        ctx.contract["name"] = record["update_contract_name"] = request.update_contract_name
    if "update_contract_end_date" in given:
        set_end_date(ctx.contract, request.update_contract_end_date, "update_contract_end_date")
        record["update_contract_end_date"] = request.update_contract_end_date
    if "update_net_payment_terms_days" in given:
        ctx.contract["net_payment_terms_days"] = request.update_net_payment_terms_days


def _add_subscriptions(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    for i, given in enumerate(request.add_subscriptions or []):
        ctx.contract["subscriptions"].append(build_subscription(ctx, given, f"add_subscriptions[{i}]"))
        record.setdefault("_added", []).append(("add_subscriptions", ctx.contract["subscriptions"][-1]["id"]))


def _update_subscriptions(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    updates = request.update_subscriptions or []
    seat_ids = sum(seat_ids_in(update.seat_updates) for update in updates)
    if seat_ids > MAX_SEAT_IDS_PER_EDIT:
        raise bad_request(f"update_subscriptions: an edit may add or remove at most {MAX_SEAT_IDS_PER_EDIT} seat "
                          f"ids, this one has {seat_ids}")
    for i, update in enumerate(updates):
        path = f"update_subscriptions[{i}]"
        subscription = _find(ctx.contract["subscriptions"], update.subscription_id, f"{path}.subscription_id",
                             "subscription")
        _update_subscription(ctx, subscription, update, path)
        echo = dump(update)
        echo["id"] = echo.pop("subscription_id")
        if "ending_before" in update.model_fields_set:
            echo["ending_before"] = update.ending_before
        record.setdefault("update_subscriptions", []).append(echo)


def _update_subscription(ctx: BuildContext, subscription: dict[str, Any], update: Any, path: str) -> None:
    if update.quantity_management_mode_update is not None:
        _switch_to_seat_based(ctx, subscription, update.quantity_management_mode_update, path)
    if update.quantity_updates:
        record_quantity_updates(subscription, update.quantity_updates, path)
    if update.seat_updates is not None:
        record_seat_updates(subscription, update.seat_updates, path)
    if update.name is not None:
        subscription["name"] = update.name
    if update.proration_rounding is not None:
        subscription["proration"]["rounding"] = dump(update.proration_rounding)
    if "ending_before" in update.model_fields_set:
        check_interval(subscription["starting_at"], update.ending_before, path)
        subscription["ending_before"] = update.ending_before


def _switch_to_seat_based(ctx: BuildContext, subscription: dict[str, Any], given: Any, path: str) -> None:
    """QUANTITY_ONLY -> SEAT_BASED from now on: the quantity then in force becomes unassigned seats."""
    from reconciler.emulator.schedules import quantity_at

    if subscription["quantity_management_mode"] != "QUANTITY_ONLY":
        raise bad_request(f"{path}.quantity_management_mode_update: subscription is already SEAT_BASED")
    since = max(ctx.now, subscription["starting_at"])
    quantity = quantity_at(subscription, since)
    subscription.update({"quantity_management_mode": "SEAT_BASED", "seat_based_since": since,
                         "seat_group_key": given.seat_config.seat_group_key,
                         "seat_events": [{"starting_at": since, "kind": "initial", "seat_ids": [],
                                          "quantity": int(quantity)}]})


def _commits_and_credits(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    for i, given in enumerate(request.add_commits or []):
        ctx.contract["commits"].append(build_commit(ctx, given, f"add_commits[{i}]"))
        record.setdefault("_added", []).append(("add_commits", ctx.contract["commits"][-1]["id"]))
    for i, given in enumerate(request.add_credits or []):
        ctx.contract["credits"].append(build_credit(ctx, given, f"add_credits[{i}]"))
        record.setdefault("_added", []).append(("add_credits", ctx.contract["credits"][-1]["id"]))
    for kind, id_field in (("commit", "commit_id"), ("credit", "credit_id")):
        for i, given in enumerate(getattr(request, f"update_{kind}s") or []):
            path = f"update_{kind}s[{i}]"
            grant = _find(ctx.contract[f"{kind}s"], getattr(given, id_field), f"{path}.{id_field}", kind)
            _update_grant(ctx, grant, given, path)
            echo = dump(given)
            echo["id"] = echo.pop(id_field)
            record.setdefault(f"update_{kind}s", []).append(echo)
        for i, given in enumerate(getattr(request, f"archive_{kind}s") or []):
            grant = _find(ctx.contract[f"{kind}s"], given.id, f"archive_{kind}s[{i}].id", kind)
            grant["archived_at"] = ctx.now
            record.setdefault(f"archive_{kind}s", []).append({"id": given.id})


def _update_grant(ctx: BuildContext, grant: dict[str, Any], given: Any, path: str) -> None:
    if given.product_id is not None:
        check_product(ctx, given.product_id, f"{path}.product_id")
    for name in ("name", "description", "product_id", "priority", "rollover_fraction", "rate_type",
                 "netsuite_sales_order_id", "applicable_product_ids", "applicable_product_tags"):
        if name in given.model_fields_set:
            grant[name] = getattr(given, name)
    if given.hierarchy_configuration is not None:
        raise bad_request(f"{path}.hierarchy_configuration: is not supported by the reconciler emulator")
    if given.access_schedule is not None:
        _update_items(grant.setdefault("access_schedule", {"schedule_items": []}), given.access_schedule,
                      f"{path}.access_schedule", access=True)
    invoice = getattr(given, "invoice_schedule", None)
    if invoice is not None:
        _update_items(grant.setdefault("invoice_schedule", {"schedule_items": []}), invoice,
                      f"{path}.invoice_schedule", access=False)


def _update_items(schedule: dict[str, Any], given: Any, path: str, *, access: bool) -> None:
    items = schedule["schedule_items"]
    for i, removal in enumerate(given.remove_schedule_items or []):
        _find(items, removal.id, f"{path}.remove_schedule_items[{i}].id", "schedule item")
        items[:] = [item for item in items if item["id"] != removal.id]
    for i, change in enumerate(given.update_schedule_items or []):
        item = _find(items, change.id, f"{path}.update_schedule_items[{i}].id", "schedule item")
        item.update({k: v for k, v in dump(change).items() if k != "id"})
        if access:
            check_interval(item["starting_at"], item["ending_before"], f"{path}.update_schedule_items[{i}]")
    for i, addition in enumerate(given.add_schedule_items or []):
        where = f"{path}.add_schedule_items[{i}]"
        if access:
            check_interval(addition.starting_at, addition.ending_before, where)
            items.append({"id": new_id(), **dump(addition)})
        else:
            items.append(schedule_item(addition, where))


def _recurring(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    for kind in ("commit", "credit"):
        section = f"recurring_{kind}s"
        for i, given in enumerate(getattr(request, f"add_{section}") or []):
            ctx.contract[section].append(build_recurring(ctx, given, kind, f"add_{section}[{i}]"))
            record.setdefault("_added", []).append((f"add_{section}", ctx.contract[section][-1]["id"]))
        for i, given in enumerate(getattr(request, f"update_{section}") or []):
            path = f"update_{section}[{i}]"
            recurring = _find(ctx.contract[section], getattr(given, f"recurring_{kind}_id"),
                              f"{path}.recurring_{kind}_id", f"recurring {kind}")
            _update_recurring(ctx, recurring, given, path)
            echo = dump(given)
            echo["id"] = echo.pop(f"recurring_{kind}_id")
            record.setdefault(f"update_{section}", []).append(echo)


def _update_recurring(ctx: BuildContext, recurring: dict[str, Any], given: Any, path: str) -> None:
    """Amount changes apply to grants starting from now on (dated versions); ends and rate type in place."""
    for section in ("access_amount", "invoice_amount"):
        change = getattr(given, section, None)
        if change is not None:
            if section == "invoice_amount" and not recurring.get("invoice_amount"):
                raise bad_request(f"{path}.invoice_amount: the recurring commit has no invoice_amount")
            recurring.setdefault(f"{section}_versions", []).append({"effective_from": ctx.now, **dump(change)})
    if "ending_before" in given.model_fields_set:
        check_interval(recurring["starting_at"], given.ending_before, path)
        recurring["ending_before"] = given.ending_before
    if given.rate_type is not None:
        recurring["rate_type"] = given.rate_type
    if "proration_rounding" in given.model_fields_set:
        recurring["proration_rounding"] = dump(given.proration_rounding)


def _overrides(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    for i, given in enumerate(request.remove_overrides or []):
        _find(ctx.contract["overrides"], given.id, f"remove_overrides[{i}].id", "override")
        ctx.contract["overrides"] = [o for o in ctx.contract["overrides"] if o["id"] != given.id]
        record.setdefault("remove_overrides", []).append({"id": given.id})
    for i, given in enumerate(request.add_overrides or []):
        ctx.contract["overrides"].append(build_override(ctx, given, f"add_overrides[{i}]"))
        record.setdefault("_added", []).append(("add_overrides", ctx.contract["overrides"][-1]["id"]))


def _charges(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    for section, entity, target in (("add_scheduled_charges", "scheduled_charge", "scheduled_charges"),
                                    ("add_discounts", "discount", "discounts")):
        for i, given in enumerate(getattr(request, section) or []):
            ctx.contract[target].append(build_scheduled_charge(ctx, given, f"{section}[{i}]", entity))
            record.setdefault("_added", []).append((section, ctx.contract[target][-1]["id"]))
    for i, given in enumerate(request.update_scheduled_charges or []):
        path = f"update_scheduled_charges[{i}]"
        charge = _find(ctx.contract["scheduled_charges"], given.scheduled_charge_id, f"{path}.scheduled_charge_id",
                       "scheduled charge")
        if given.netsuite_sales_order_id is not None:
            charge["netsuite_sales_order_id"] = given.netsuite_sales_order_id
        if given.invoice_schedule is not None:
            _update_items(charge["schedule"], given.invoice_schedule, f"{path}.invoice_schedule", access=False)
        echo = dump(given)
        echo["id"] = echo.pop("scheduled_charge_id")
        record.setdefault("update_scheduled_charges", []).append(echo)
    for i, given in enumerate(request.archive_scheduled_charges or []):
        charge = _find(ctx.contract["scheduled_charges"], given.id, f"archive_scheduled_charges[{i}].id",
                       "scheduled charge")
        charge["archived_at"] = ctx.now
        record.setdefault("archive_scheduled_charges", []).append({"id": given.id})
    for i, given in enumerate(request.add_professional_services or []):
        ctx.contract["professional_services"].append(
            build_professional_service(ctx, given, f"add_professional_services[{i}]"))
        record.setdefault("add_pro_services", []).append(ctx.contract["professional_services"][-1])


def _billing_provider_configuration(ctx: BuildContext, request: Any, record: dict[str, Any]) -> None:
    update = request.add_billing_provider_configuration_update
    if update is None:
        return
    path = "add_billing_provider_configuration_update"
    if ctx.contract.get("billing_provider_configuration_id"):
        raise bad_request(f"{path}: the contract already has a billing provider configuration")
    ctx.contract["billing_provider_configuration_id"] = resolve_billing_provider_configuration(
        ctx, update.billing_provider_configuration, f"{path}.billing_provider_configuration")
    ctx.contract["billing_provider_configuration_effective_at"] = ctx.now


EDIT_STEPS = (_contract_fields, _add_subscriptions, _update_subscriptions, _commits_and_credits, _recurring,
              _overrides, _charges, _billing_provider_configuration)


def _find(items: list[dict[str, Any]], object_id: str, path: str, what: str) -> dict[str, Any]:
    for item in items:
        if item["id"] == object_id:
            return item
    raise bad_request(f"{path}: {what} {object_id} not found on the contract")


def _render_created(ctx: BuildContext, record: dict[str, Any]) -> None:
    """Replace the ``_added`` markers by the created objects in read shape (ids, no temporary ids)."""
    view = ViewContext(ctx.store, ctx.catalog, ctx.now)
    contract = ctx.contract
    renderers = {
        "add_subscriptions": ("subscriptions", lambda o: subscription_view(view, o)),
        "add_commits": ("commits", lambda o: grant_view(view, contract, o, "commit", custom=False)),
        "add_credits": ("credits", lambda o: grant_view(view, contract, o, "credit", custom=False)),
        "add_recurring_commits": ("recurring_commits", lambda o: recurring_view(view, contract, o)),
        "add_recurring_credits": ("recurring_credits", lambda o: recurring_view(view, contract, o)),
        "add_overrides": ("overrides", lambda o: override_view(view, o)),
        "add_scheduled_charges": ("scheduled_charges", lambda o: charge_view(view, o, "scheduled_charge")),
        "add_discounts": ("discounts", lambda o: charge_view(view, o, "discount")),
    }
    for section, object_id in record.pop("_added", []):
        collection, render = renderers[section]
        created = next(item for item in contract[collection] if item["id"] == object_id)
        rendered = render(created)
        rendered.pop("custom_fields", None)
        record.setdefault(section, []).append(rendered)
