"""Request models for the catalog reads: products, rate cards and rates (reference §7.1-7.2)."""

from __future__ import annotations

from reconciler.emulator.requests.base import BILLING_FREQUENCY, Enum, StrMap, Strict, Timestamp


class ProductList(Strict):
    archive_filter: Enum("ARCHIVED", "NOT_ARCHIVED", "ALL") | None = None


class ProductGet(Strict):
    id: str


class RateCardList(Strict):
    pass


class RateCardGet(Strict):
    id: str


class RateSelector(Strict):
    billing_frequency: BILLING_FREQUENCY | None = None
    product_id: str | None = None
    product_tags: list[str] | None = None
    pricing_group_values: StrMap | None = None
    partial_pricing_group_values: StrMap | None = None


class RateCardGetRates(Strict):
    rate_card_id: str
    at: Timestamp
    selectors: list[RateSelector] | None = None
