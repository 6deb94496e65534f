"""``read_live`` against the emulator seeded with its default seed: the read shapes the planner will meet."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from live.live_fakes import ENDPOINT, contract_manifest, customer_manifest, desired_of, manifest_subscription
from reconciler.emulator import Emulator
from reconciler.live import read_live
from reconciler.metronome import MetronomeClient, Secret
from reconciler.plan.identity import contract_uniqueness_key

pytestmark = pytest.mark.anyio

NOW = datetime(2025, 10, 1, tzinfo=timezone.utc)
CUSTOMER_ONE = "4c09936b-455d-4c72-a120-d71b600a7546"  # ingest alias seed-customer-one
CUSTOMER_TWO = "1f79c5c6-400a-4be4-9573-30c667454e4c"
STANDARD_2025 = "740a2ca1-64f6-417d-807a-05f154b3b1fe"
PRO_PLAN = "ed518bcb-acc1-4cd8-85dd-880c2eb38994"


def seat_contract(customer_id: str, seats: list[str], uniqueness_key: str | None = None) -> dict:
    subscription = {"collection_schedule": "ADVANCE", "quantity_management_mode": "SEAT_BASED",
                    "proration": {"invoice_behavior": "BILL_ON_NEXT_COLLECTION_DATE", "is_prorated": True},
                    "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": PRO_PLAN},
                    "seat_config": {"seat_group_key": "seat_id", "initial_seat_ids": seats}}
    body = {"customer_id": customer_id, "rate_card_id": STANDARD_2025, "starting_at": "2025-01-01T00:00:00Z",
            "subscriptions": [subscription]}
    return {**body, "uniqueness_key": uniqueness_key} if uniqueness_key else body


@pytest.fixture
async def client():
    emulator = Emulator(clock=NOW)
    async with MetronomeClient(ENDPOINT, Secret("test"), transport=emulator.transport()) as metronome:
        yield metronome
    emulator.close()


@pytest.mark.parametrize("lookup", ["lookup", "scan"])
async def test_read_live_from_the_seeded_emulator(client, lookup):
    managed = await client.create_contract(seat_contract(
        CUSTOMER_ONE, ["alice", "bob"], contract_uniqueness_key("seed-customer-one", "pro")))
    unmanaged = await client.create_contract(seat_contract(CUSTOMER_ONE, ["carol"]))
    by_id = await client.create_contract(seat_contract(CUSTOMER_TWO, ["dan"], "someone-else"))
    desired = desired_of(
        customer_manifest("seed-customer-one", billing_provider_configurations=[{"billing_provider": "stripe"}]),
        contract_manifest("pro", customer="seed-customer-one", starting_at="2025-01-01T00:00:00Z",
                          subscriptions=[manifest_subscription(product="Pro Plan")]),
        contract_manifest("team", customer_id=CUSTOMER_TWO, id=by_id["id"]),
        customer_manifest("newco"))

    live = await read_live(client, desired, seats_from=NOW, customer_lookup=lookup)

    assert {p["current"]["name"] for p in live.catalog.products} >= {"Pro Plan", "Team Plan"}
    assert {r["name"] for r in live.catalog.rate_cards} == {"Standard 2025", "Seats 2025"}
    assert {"subscription", "plan_tier"} in [{k["entity"], k["key"]} for k in live.catalog.custom_field_keys]
    assert set(live.customers) == {"seed-customer-one", CUSTOMER_TWO}
    one = live.customers["seed-customer-one"]
    assert one.customer["id"] == CUSTOMER_ONE
    assert [c["billing_provider"] for c in one.billing_provider_configurations] == ["stripe"]
    contracts = {c.contract["id"]: c for c in one.contracts}
    assert set(contracts) == {managed["id"], unmanaged["id"]}
    seats = contracts[managed["id"]].seats
    assert [sorted(s["assigned_seat_ids"]) for s in next(iter(seats.values()))] == [["alice", "bob"]]
    assert contracts[unmanaged["id"]].seats == {}
    two = live.customers[CUSTOMER_TWO]
    assert two.billing_provider_configurations == []
    assert [len(c.seats) for c in two.contracts] == [1]
    assert client.stats.requests[("POST", "/v1/contracts/getSubscriptionSeatsHistory")] == 2
