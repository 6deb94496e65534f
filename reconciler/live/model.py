"""``Live``: what the read phase found in Metronome, as plain API read shapes, ready for the pure planner.

The read phase fills these records and nothing else; normalization into the desired shape is done by pure
functions (:mod:`reconciler.live.normalize`) that the planner calls, so the planner never talks HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass
class Catalog:
    """The live catalog, for resolving names in manifests to ids (and ids back to names on import)."""

    products: list[Json] = field(default_factory=list)
    """``ProductListItem`` dicts: ``id``, ``type``, ``current.name`` …"""
    rate_cards: list[Json] = field(default_factory=list)
    """Rate card dicts: ``id``, ``name`` …"""
    credit_types: list[Json] = field(default_factory=list)
    """``{id, name, is_currency}``."""
    custom_field_keys: list[Json] = field(default_factory=list)
    """``{entity, key, enforce_uniqueness}``."""


@dataclass
class LiveContract:
    contract: Json
    """The ``ContractV2`` read shape from ``/v2/contracts/get|list``."""
    seats: dict[str, list[Json]] = field(default_factory=dict)
    """Seats history segments per SEAT_BASED subscription id (``starting_at``, ``ending_before``,
    ``assigned_seat_ids``, ``total_quantity``), from the earliest effective time the plan may use onward."""


@dataclass
class LiveCustomer:
    customer: Json
    """The ``CustomerDetail`` read shape."""
    billing_provider_configurations: list[Json] = field(default_factory=list)
    contracts: list[LiveContract] = field(default_factory=list)
    """Every non-archived contract of the customer."""


@dataclass
class Live:
    """Everything read for one plan. ``customers`` is keyed by the manifest customer key (``metadata.name``,
    or the raw id for contracts that reference ``customer_id``); a key whose customer does not exist is absent."""

    catalog: Catalog = field(default_factory=Catalog)
    customers: dict[str, LiveCustomer] = field(default_factory=dict)
    account: str | None = None
    """Account name or id, where the endpoint tells it."""
