"""The read-mostly catalog (credit types, products, rate cards with rates), cached in memory.

The emulator has no endpoints that change the catalog (only the seed writes it), so one in-memory copy per
emulator instance serves every lookup: product names for ``product{id,name}`` read shapes, credit type names,
and the rate-card checks behind ``subscription_rate`` and override validation.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.store import Store

USD_CENTS_ID = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
"""Metronome's fiat credit type: amounts without a ``credit_type_id`` are USD cents."""


class Catalog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.reload()

    def reload(self) -> None:
        self.credit_types = {doc["id"]: doc for doc in self.store.docs("credit_types", "1=1")}
        self.products = {doc["id"]: doc for doc in self.store.docs("products", "1=1")}
        self.rate_cards = {doc["id"]: doc for doc in self.store.docs("rate_cards", "1=1")}

    def product_ref(self, product_id: str) -> dict[str, str]:
        product = self.products.get(product_id)
        return {"id": product_id, "name": product["name"] if product else product_id}

    def credit_type_ref(self, credit_type_id: str | None) -> dict[str, str]:
        credit_type_id = credit_type_id or USD_CENTS_ID
        credit_type = self.credit_types.get(credit_type_id)
        return {"id": credit_type_id, "name": credit_type["name"] if credit_type else credit_type_id}

    def fiat_credit_type_id(self) -> str:
        for credit_type in self.credit_types.values():
            if credit_type.get("is_currency"):
                return credit_type["id"]
        return USD_CENTS_ID

    def rate_card_by_alias(self, alias: str, at: str) -> dict[str, Any] | None:
        for card in self.rate_cards.values():
            for entry in card.get("aliases") or []:
                starts, ends = entry.get("starting_at"), entry.get("ending_before")
                if entry["name"] == alias and (starts is None or starts <= at) and (ends is None or at < ends):
                    return card
        return None

    def rates_for(self, rate_card_id: str, product_id: str) -> list[dict[str, Any]]:
        card = self.rate_cards.get(rate_card_id) or {}
        return [rate for rate in card.get("rates", []) if rate["product_id"] == product_id]

    def subscription_rate(self, rate_card_id: str, product_id: str, frequency: str) -> dict[str, Any] | None:
        for rate in self.rates_for(rate_card_id, product_id):
            if rate["rate_type"] == "SUBSCRIPTION" and rate.get("billing_frequency") == frequency:
                return rate
        return None
