"""Customers, billing provider configurations and custom fields (reference §3, §7.5)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from reconciler.emulator.contract_build import new_id
from reconciler.emulator.contracts import archive_contract, decode_cursor, encode_cursor
from reconciler.emulator.custom_fields import CustomFieldWrites, check_value
from reconciler.emulator.errors import CUSTOMER_EXISTS, bad_request, conflict, not_found_v1
from reconciler.emulator.http import body, data, emulator, env, ok, query_bool, query_limit
from reconciler.emulator.requests import customers as req
from reconciler.emulator.store import Store
from reconciler.emulator.views import billing_provider_configuration_view, customer_detail_view, customer_view

MAX_NAME_LENGTH = 160


def _aliases(store: Store, customer_id: str) -> list[str]:
    return [alias for (alias,) in store.query("SELECT alias FROM ingest_aliases WHERE customer_id = ? "
                                              "ORDER BY rowid", (customer_id,))]


def _customer(store: Store, customer_id: str) -> dict[str, Any]:
    customer = store.get("customers", customer_id)
    if customer is None:
        raise not_found_v1(f"Customer {customer_id} not found")
    return customer


def _check_aliases_free(store: Store, aliases: list[str], customer_id: str | None) -> None:
    for alias in aliases:
        owner = store.alias_owner(alias)
        if owner is not None and owner != customer_id:
            raise conflict(CUSTOMER_EXISTS)


def customer_payload(store: Store, customer: dict[str, Any], *, detail: bool) -> dict[str, Any]:
    render = customer_detail_view if detail else customer_view
    return render(customer, _aliases(store, customer["id"]), store.custom_fields("customer", customer["id"]))


async def create_customer(request: Request) -> JSONResponse:
    given = await body(request, req.CustomerCreate)
    e = env(request)
    if given.customer_revenue_system_configurations is not None:
        raise bad_request("customer_revenue_system_configurations: is not supported by the reconciler emulator")
    aliases = list(dict.fromkeys((given.ingest_aliases or []) + ([given.external_id] if given.external_id else [])))
    _check_aliases_free(e.store, aliases, None)
    customer_id = new_id()
    customer = {"id": customer_id, "name": given.name[:MAX_NAME_LENGTH],
                "external_id": given.external_id or (aliases[0] if aliases else customer_id),
                "created_at": e.now, "updated_at": e.now}
    if given.billing_config is not None:
        customer["billing_config"] = given.billing_config.model_dump(exclude_none=True)
    writes = CustomFieldWrites()
    writes.add(e.store, "customer", customer_id, given.custom_fields, "custom_fields")
    configs = [_new_config(customer_id, item, e.now) for item in given.customer_billing_provider_configurations or []]
    with e.store.transaction():
        _check_aliases_free(e.store, aliases, None)
        e.store.insert("customers", customer, archived=0)
        e.store.set_aliases(customer_id, aliases)
        for config in configs:
            e.store.insert("billing_provider_configurations", config, customer_id=customer_id)
        writes.apply(e.store)
    return data(customer_payload(e.store, customer, detail=False))


def _new_config(customer_id: str, given: Any, now: str) -> dict[str, Any]:
    return {"id": new_id(), "customer_id": customer_id, "billing_provider": given.billing_provider,
            "delivery_method": given.delivery_method or "direct_to_billing_provider",
            "delivery_method_id": given.delivery_method_id or new_id(),
            "configuration": given.configuration or {}, "delivery_method_configuration": {},
            "tax_provider": given.tax_provider, "created_at": now}


async def get_customer(request: Request) -> JSONResponse:
    store = emulator(request).store
    customer = _customer(store, request.path_params["customer_id"])
    return data(customer_payload(store, customer, detail=True))


async def list_customers(request: Request) -> JSONResponse:
    store = emulator(request).store
    limit = query_limit(request, default=100, maximum=100)
    after = decode_cursor(request.query_params.get("next_page"), "next_page")
    where, params = ["archived = ?"], [1 if query_bool(request, "only_archived") else 0]
    alias = request.query_params.get("ingest_alias")
    if alias is not None:
        where.append("id = ?")
        params.append(store.alias_owner(alias) or "")
    ids = [part for part in request.query_params.get("customer_ids", "").split(",") if part]
    ids += [part for part in request.query_params.getlist("customer_ids[]") if part]
    if ids:
        where.append(f"id IN ({', '.join('?' for _ in ids)})")
        params.extend(ids)
    docs, next_seq = store.page("customers", after_seq=after, limit=limit, where=" AND ".join(where),
                                params=tuple(params))
    return data([customer_payload(store, doc, detail=True) for doc in docs],
                next_page=encode_cursor(next_seq) if next_seq is not None else None)


async def set_name(request: Request) -> JSONResponse:
    given = await body(request, req.CustomerSetName)
    e = env(request)
    customer = _customer(e.store, request.path_params["customer_id"])
    customer.update(name=given.name[:MAX_NAME_LENGTH], updated_at=e.now)
    with e.store.transaction():
        e.store.update("customers", customer)
    return data(customer_payload(e.store, customer, detail=False))


async def set_ingest_aliases(request: Request) -> JSONResponse:
    given = await body(request, req.CustomerSetIngestAliases)
    e = env(request)
    customer = _customer(e.store, request.path_params["customer_id"])
    aliases = list(dict.fromkeys(given.ingest_aliases))
    with e.store.transaction():
        _check_aliases_free(e.store, aliases, customer["id"])
        e.store.set_aliases(customer["id"], aliases)
        customer["updated_at"] = e.now
        e.store.update("customers", customer)
    return ok({})


async def archive_customer(request: Request) -> JSONResponse:
    """Irreversible; archives the customer's contracts as of now (each recorded in its edit history)."""
    given = await body(request, req.CustomerArchive)
    e = env(request)
    customer = _customer(e.store, given.id)
    with e.store.transaction():
        if not customer.get("archived_at"):
            customer.update(archived_at=e.now, updated_at=e.now)
            e.store.update("customers", customer, archived=1)
        for contract in e.store.docs("contracts", "customer_id = ?", (customer["id"],)):
            archive_contract(e, contract)
    return data({"id": customer["id"]})


async def set_billing_provider_configurations(request: Request) -> JSONResponse:
    given = await body(request, req.BillingProviderConfigurationsSet)
    e = env(request)
    configs = []
    for item in given.data:
        _customer(e.store, item.customer_id)
        configs.append(_new_config(item.customer_id, item, e.now))
    with e.store.transaction():
        for config in configs:
            e.store.insert("billing_provider_configurations", config, customer_id=config["customer_id"])
    return data([{key: config[key] for key in ("id", "billing_provider", "configuration", "customer_id",
                                               "delivery_method_id", "tax_provider") if config.get(key) is not None}
                 for config in configs])


async def get_billing_provider_configurations(request: Request) -> JSONResponse:
    given = await body(request, req.BillingProviderConfigurationsGet)
    store = emulator(request).store
    _customer(store, given.customer_id)
    configs = store.docs("billing_provider_configurations", "customer_id = ?", (given.customer_id,))
    return data([billing_provider_configuration_view(config) for config in configs
                 if given.include_archived or not config.get("archived_at")])


# -- custom fields -----------------------------------------------------------------------------------------

ENTITY_TABLES = {"customer": "customers", "contract": "contracts", "product": "products", "rate_card": "rate_cards"}


async def list_keys(request: Request) -> JSONResponse:
    given = await body(request, req.CustomFieldListKeys)
    return data(emulator(request).store.custom_field_keys(given.entities), next_page=None)


async def add_key(request: Request) -> JSONResponse:
    given = await body(request, req.CustomFieldAddKey)
    store = emulator(request).store
    with store.transaction():
        store.add_custom_field_key(given.entity, given.key, given.enforce_uniqueness)
    return ok({})


async def remove_key(request: Request) -> JSONResponse:
    given = await body(request, req.CustomFieldRemoveKey)
    store = emulator(request).store
    with store.transaction():
        store.remove_custom_field_key(given.entity, given.key)
    return ok({})


def _check_entity_exists(store: Store, entity: str, entity_id: str) -> None:
    table = ENTITY_TABLES.get(entity)
    if table is not None and store.get(table, entity_id) is None:
        raise not_found_v1(f"{entity} {entity_id} not found")


async def set_values(request: Request) -> JSONResponse:
    """Merges: given keys are overwritten, others kept; all-or-nothing."""
    given = await body(request, req.CustomFieldSetValues)
    store = emulator(request).store
    _check_entity_exists(store, given.entity, given.entity_id)
    for key, value in given.custom_fields.items():
        check_value(store, given.entity, given.entity_id, key, value, f"custom_fields.{key}")
    with store.transaction():
        for key, value in given.custom_fields.items():
            store.set_custom_field(given.entity, given.entity_id, key, value)
    return ok({})


async def delete_values(request: Request) -> JSONResponse:
    given = await body(request, req.CustomFieldDeleteValues)
    store = emulator(request).store
    _check_entity_exists(store, given.entity, given.entity_id)
    with store.transaction():
        for key in given.keys:
            store.delete_custom_field(given.entity, given.entity_id, key)
    return ok({})
