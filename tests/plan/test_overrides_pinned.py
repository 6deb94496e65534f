"""Overrides pinned with ``id:``: the pin names which live override a manifest entry is, and it must still be
identical, or it is replaced (removed, listed after the unpinned removals, and added as the manifest has it)."""

from __future__ import annotations

import asyncio

from plan.plan_harness import (
    ENDPOINT, NOW, apply_ops, contract, customer, entitlement, plan_of, read, with_spec, write_manifests,
)
from reconciler.emulator import Emulator
from reconciler.manifest.loader import load
from reconciler.metronome import MetronomeClient, Secret

ACME = customer("acme", "Acme Corporation")


def discount(key: str, product: str, multiplier: float, **fields) -> dict:
    return {"key": key, "starting_at": "2026-01-01T00:00:00Z", "product": product, "type": "MULTIPLIER",
            "multiplier": multiplier, **fields}


BEFORE = contract("pool", overrides=[entitlement(), discount("api", "API Calls", 0.8),
                                     discount("pro", "Pro Plan", 0.9)])


async def _plan_with_pins(tmp, overrides_of) -> list:
    """Apply BEFORE, then plan the contract with ``overrides_of(live ids by key)`` as its overrides."""
    emulator = Emulator(clock=NOW)
    try:
        async with MetronomeClient(ENDPOINT, Secret("test"), transport=emulator.transport()) as client:
            first = load([write_manifests(tmp / "before", [ACME, BEFORE])])
            await apply_ops(client, plan_of(first, await read(client, first), allow=("all",)))
            live = await read(client, first)
            by_product = {(o.get("product") or {}).get("name") or "entitled": o["id"]
                          for o in live.customers["acme"].contracts[0].contract["overrides"]}
            ids = {"api": by_product["API Calls"], "pro": by_product["Pro Plan"]}
            after = load([write_manifests(tmp / "after", [ACME, with_spec(BEFORE, overrides=overrides_of(ids))])])
            result = plan_of(after, await read(client, after), allow=("all",))
            return [(op.request.body or {}) for op in result.operations if op.request.path == "/v2/contracts/edit"], ids
    finally:
        emulator.close()


def plan_with_pins(tmp, overrides_of):
    return asyncio.run(_plan_with_pins(tmp, overrides_of))


def test_a_pinned_identical_override_is_left_alone(tmp_path):
    edits, _ = plan_with_pins(tmp_path, lambda ids: [entitlement(), discount("api", "API Calls", 0.8, id=ids["api"]),
                                                      discount("pro", "Pro Plan", 0.9, id=ids["pro"])])
    assert edits == []


def test_a_pinned_override_that_differs_is_replaced_after_the_unpinned_removals(tmp_path):
    edits, ids = plan_with_pins(tmp_path, lambda ids: [entitlement(), discount("api", "API Calls", 0.7, id=ids["api"]),
                                                        discount("pro", "Pro Plan", 0.5)])
    [edit] = edits
    assert edit["remove_overrides"] == [{"id": ids["pro"]}, {"id": ids["api"]}]
    assert [(o["product_id"] and o["multiplier"]) for o in edit["add_overrides"]] == [0.7, 0.5]
