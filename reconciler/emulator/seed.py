"""Seed files: the catalog and fixtures a fresh emulator database starts with.

A seed is YAML (or an equivalent dict) with these optional sections; every object may pin its ``id``::

    credit_types:   [{id, name, is_currency}]
    products:       [{id, name, type, tags, billable_metric_id, billable_metric_group_keys,
                      pricing_group_key, presentation_group_key}]
    rate_cards:     [{id, name, description, aliases: [{name, starting_at, ending_before}], fiat_credit_type_id,
                      rates: [{product (name) | product_id, rate_type, price, billing_frequency, starting_at,
                               ending_before, entitled, credit_type_id, pricing_group_values}]}]
    custom_field_keys: [{entity, key, enforce_uniqueness}]
    customers:      [{id, name, ingest_aliases, custom_fields,
                      billing_provider_configurations: [{id, billing_provider, delivery_method,
                                                         delivery_method_id, configuration, tax_provider}]}]

Applying a seed skips objects whose id already exists, so it is idempotent. The emulator applies it only to a
fresh database (remembered in the ``meta`` table), so reopening a database file resumes its state untouched.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from reconciler.emulator.store import Store
from reconciler.emulator.timeutil import canonical

DEFAULT_SEED_PATH = Path(__file__).with_name("default_seed.yaml")
PRODUCT_TYPES = ("USAGE", "SUBSCRIPTION", "COMPOSITE", "FIXED", "PRO_SERVICE")


class SeedError(ValueError):
    """A seed file that cannot be applied."""


def load_seed(seed: Path | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(seed, dict):
        return seed
    with open(seed, encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle) or {}
    if not isinstance(loaded, dict):
        raise SeedError(f"{seed}: a seed file must be a mapping of sections")
    return loaded


def _stamp(value: Any, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return canonical(value)


def apply_seed(store: Store, seed: dict[str, Any], now: str) -> None:
    unknown = set(seed) - {"credit_types", "products", "rate_cards", "custom_field_keys", "customers"}
    if unknown:
        raise SeedError(f"unknown seed sections: {', '.join(sorted(unknown))}")
    with store.transaction():
        for credit_type in seed.get("credit_types") or []:
            _insert(store, "credit_types", {"id": credit_type.get("id") or str(uuid.uuid4()),
                                            "name": credit_type["name"],
                                            "is_currency": bool(credit_type.get("is_currency", False))})
        names = _seed_products(store, seed.get("products") or [], now)
        for card in seed.get("rate_cards") or []:
            _insert(store, "rate_cards", _rate_card(card, names, now))
        for key in seed.get("custom_field_keys") or []:
            store.add_custom_field_key(key["entity"], key["key"], bool(key.get("enforce_uniqueness", False)))
        for customer in seed.get("customers") or []:
            _seed_customer(store, customer, now)


def _insert(store: Store, table: str, doc: dict[str, Any], **columns: Any) -> bool:
    if store.get(table, doc["id"]) is not None:
        return False
    store.insert(table, doc, **columns)
    return True


def _seed_products(store: Store, products: list[dict[str, Any]], now: str) -> dict[str, str]:
    names: dict[str, str] = {doc["name"]: doc["id"] for doc in store.docs("products", "1=1")}
    for given in products:
        kind = str(given.get("type", "")).upper()
        if kind not in PRODUCT_TYPES:
            raise SeedError(f"product {given.get('name')!r}: type must be one of {', '.join(PRODUCT_TYPES)}")
        doc = {"id": given.get("id") or str(uuid.uuid4()), "name": given["name"], "type": kind,
               "created_at": now, "starting_at": _stamp(given.get("starting_at"), now),
               "tags": list(given.get("tags") or [])}
        for key in ("billable_metric_id", "billable_metric_group_keys", "pricing_group_key",
                    "presentation_group_key"):
            if given.get(key) is not None:
                doc[key] = given[key]
        _insert(store, "products", doc)
        names[doc["name"]] = doc["id"]
    return names


def _rate_card(given: dict[str, Any], product_ids: dict[str, str], now: str) -> dict[str, Any]:
    rates = []
    for rate in given.get("rates") or []:
        product_id = rate.get("product_id") or product_ids.get(rate.get("product"))
        if product_id is None:
            raise SeedError(f"rate card {given['name']!r}: unknown product {rate.get('product')!r}")
        entry = {"product_id": product_id, "rate_type": str(rate.get("rate_type", "FLAT")).upper(),
                 "starting_at": _stamp(rate.get("starting_at"), now), "entitled": rate.get("entitled", True)}
        if rate.get("ending_before") is not None:
            entry["ending_before"] = _stamp(rate["ending_before"], now)
        if rate.get("billing_frequency") is not None:
            entry["billing_frequency"] = str(rate["billing_frequency"]).upper()
        for key in ("price", "quantity", "is_prorated", "tiers", "credit_type_id", "pricing_group_values"):
            if rate.get(key) is not None:
                entry[key] = rate[key]
        rates.append(entry)
    aliases = [{"name": alias["name"], **{k: _stamp(alias[k], now) for k in ("starting_at", "ending_before")
                                          if alias.get(k) is not None}}
               for alias in given.get("aliases") or []]
    return {"id": given.get("id") or str(uuid.uuid4()), "name": given["name"],
            "description": given.get("description"), "created_at": now, "aliases": aliases,
            "fiat_credit_type_id": given.get("fiat_credit_type_id"), "rates": rates}


def _seed_customer(store: Store, given: dict[str, Any], now: str) -> None:
    customer_id = given.get("id") or str(uuid.uuid4())
    aliases = list(given.get("ingest_aliases") or [])
    doc = {"id": customer_id, "name": given["name"], "external_id": aliases[0] if aliases else customer_id,
           "created_at": now, "updated_at": now}
    if not _insert(store, "customers", doc, archived=0):
        return
    store.set_aliases(customer_id, aliases)
    for key, value in (given.get("custom_fields") or {}).items():
        store.set_custom_field("customer", customer_id, key, str(value))
    for config in given.get("billing_provider_configurations") or []:
        _insert(store, "billing_provider_configurations", {
            "id": config.get("id") or str(uuid.uuid4()), "customer_id": customer_id,
            "billing_provider": config.get("billing_provider", "stripe"),
            "delivery_method": config.get("delivery_method", "direct_to_billing_provider"),
            "delivery_method_id": config.get("delivery_method_id") or str(uuid.uuid4()),
            "configuration": config.get("configuration") or {}, "delivery_method_configuration": {},
            "tax_provider": config.get("tax_provider"), "created_at": now,
        }, customer_id=customer_id)
