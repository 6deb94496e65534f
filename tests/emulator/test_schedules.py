"""Seat and quantity semantics (reference §5.1.1), table-driven through the API."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import CUSTOMER_ONE, SEATS_2025, contract_body, create, edit, get, \
    seat_subscription_body, subscription_body

pytestmark = pytest.mark.anyio
FEB, MAR, APR = "2025-02-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"
START = "2025-01-01T00:00:00.000Z"


async def seat_history(client, contract_id, sub_id, **filters):
    response = await client.post("/v1/contracts/getSubscriptionSeatsHistory", json={
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id, "subscription_id": sub_id, **filters})
    assert response.status_code == 200, response.text
    return [(s["starting_at"], s.get("ending_before"), s["assigned_seat_ids"], s["total_quantity"])
            for s in response.json()["data"]]


SEAT_CASES = {
    "adding ids fills unassigned seats first": (
        ["a"], 2, {"add_seat_ids": [{"seat_ids": ["b", "c", "d"], "starting_at": FEB}]},
        [(START, FEB, ["a"], 3), (FEB, None, ["a", "b", "c", "d"], 4)]),
    "removing an id decreases the total": (
        ["a", "b"], 0, {"remove_seat_ids": [{"seat_ids": ["a"], "starting_at": FEB}]},
        [(START, FEB, ["a", "b"], 2), (FEB, None, ["b"], 1)]),
    "removing an unknown id is a no-op": (
        ["a"], 0, {"remove_seat_ids": [{"seat_ids": ["zz"], "starting_at": FEB}]},
        [(START, None, ["a"], 1)]),
    "unassigned seats move the total": (
        ["a"], 0, {"add_unassigned_seats": [{"quantity": 3, "starting_at": FEB}],
                   "remove_unassigned_seats": [{"quantity": 2, "starting_at": MAR}]},
        [(START, FEB, ["a"], 1), (FEB, MAR, ["a"], 4), (MAR, None, ["a"], 2)]),
    "each entry has its own starting_at": (
        [], 0, {"add_seat_ids": [{"seat_ids": ["x"], "starting_at": MAR}, {"seat_ids": ["y"], "starting_at": FEB}]},
        [(START, FEB, [], 0), (FEB, MAR, ["y"], 1), (MAR, None, ["y", "x"], 2)]),
    "swap a seat on one date keeps the total": (
        ["a", "b"], 0, {"add_seat_ids": [{"seat_ids": ["c"], "starting_at": FEB}],
                        "remove_seat_ids": [{"seat_ids": ["a"], "starting_at": FEB}]},
        [(START, FEB, ["a", "b"], 2), (FEB, None, ["b", "c"], 2)]),
}


@pytest.mark.parametrize("seats, unassigned, updates, expected", SEAT_CASES.values(), ids=SEAT_CASES.keys())
async def test_seat_updates(client, emu, seats, unassigned, updates, expected):
    emu.clock.set("2025-01-15T00:00:00Z")  # before every change, so quantity_schedule shows all segments
    contract_id = await create(client, contract_body(seat_subscription_body(seats, unassigned),
                                                     rate_card_id=SEATS_2025))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id,
                                                                      "seat_updates": updates}])
    assert response.status_code == 200, response.text
    assert await seat_history(client, contract_id, sub_id) == expected
    schedule = (await get(client, contract_id))["subscriptions"][0]["quantity_schedule"]
    assert [q["quantity"] for q in schedule] == [total for *_, total in expected]  # follows the seat total


async def test_removing_more_unassigned_seats_than_exist_is_400(client):
    contract_id = await create(client, contract_body(seat_subscription_body(["a"], 1), rate_card_id=SEATS_2025))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id, "seat_updates": {
        "remove_unassigned_seats": [{"quantity": 2, "starting_at": FEB}]}}])
    assert response.status_code == 400


async def test_seat_history_filters_and_pages(client):
    contract_id = await create(client, contract_body(seat_subscription_body(["a"]), rate_card_id=SEATS_2025))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id, "seat_updates": {
        "add_seat_ids": [{"seat_ids": ["b"], "starting_at": FEB}, {"seat_ids": ["c"], "starting_at": MAR}]}}])
    assert [s[0] for s in await seat_history(client, contract_id, sub_id, covering_date="2025-02-15T00:00:00Z")] \
        == [FEB]
    assert [s[0] for s in await seat_history(client, contract_id, sub_id, starting_at=FEB, ending_before=MAR)] \
        == [FEB]
    first = await client.post("/v1/contracts/getSubscriptionSeatsHistory", json={
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id, "subscription_id": sub_id, "limit": 2})
    second = await client.post("/v1/contracts/getSubscriptionSeatsHistory", json={
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id, "subscription_id": sub_id, "limit": 2,
        "cursor": first.json()["next_page"]})
    assert len(first.json()["data"]) == 2 and [s["starting_at"] for s in second.json()["data"]] == [MAR]
    assert second.json()["next_page"] is None
    too_many = await client.post("/v1/contracts/getSubscriptionSeatsHistory", json={
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id, "subscription_id": sub_id, "limit": 11})
    assert too_many.status_code == 400 and "limit" in too_many.json()["message"]


QUANTITY_CASES = {
    "absolute": ([{"quantity": 5, "starting_at": FEB}], [(START, 1), (FEB, 5)]),
    "delta": ([{"quantity_delta": 2, "starting_at": FEB}], [(START, 1), (FEB, 3)]),
    "same date entries compose in order": (
        [{"quantity": 12, "starting_at": FEB}, {"quantity_delta": -1, "starting_at": FEB}], [(START, 1), (FEB, 11)]),
    "later absolute then earlier delta": (
        [{"quantity": 4, "starting_at": MAR}, {"quantity_delta": 1, "starting_at": FEB}],
        [(START, 1), (FEB, 2), (MAR, 4)]),
}


@pytest.mark.parametrize("updates, expected", QUANTITY_CASES.values(), ids=QUANTITY_CASES.keys())
async def test_quantity_updates(client, updates, expected):
    contract_id = await create(client, contract_body(subscription_body()))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id,
                                                                      "quantity_updates": updates}])
    assert response.status_code == 200, response.text
    schedule = (await get(client, contract_id))["subscriptions"][0]["quantity_schedule"]
    # the clock (2025-10-01) is after every change: only the current segment is shown
    assert [(q["starting_at"], q["quantity"]) for q in schedule] == expected[-1:]
    history = await client.post("/v1/contracts/getSubscriptionQuantityHistory", json={
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id, "subscription_id": sub_id})
    assert [(h["starting_at"], h["data"][0]["quantity"]) for h in history.json()["data"]["history"]] == expected


@pytest.mark.parametrize("update, message", [
    ({"quantity_delta": -2, "starting_at": FEB}, "negative"),
    ({"quantity": 1, "quantity_delta": 1, "starting_at": FEB}, "exactly one"),
    ({"starting_at": FEB}, "exactly one"),
    ({"quantity": 1, "starting_at": "2024-12-01T00:00:00Z"}, "before the subscription starts"),
])
async def test_invalid_quantity_updates_are_400(client, update, message):
    contract_id = await create(client, contract_body(subscription_body()))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id,
                                                                      "quantity_updates": [update]}])
    assert response.status_code == 400 and message in response.json()["message"]


async def test_quantity_schedule_shows_current_and_future_segments_relative_to_the_clock(client, emu):
    contract_id = await create(client, contract_body(subscription_body(), starting_at="2025-09-01T00:00:00Z"))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id, "quantity_updates": [
        {"quantity": 2, "starting_at": "2025-09-15T00:00:00Z"}, {"quantity": 3, "starting_at": "2025-11-01T00:00:00Z"}]}])
    quantities = lambda c: [q["quantity"] for q in c["subscriptions"][0]["quantity_schedule"]]  # noqa: E731
    assert quantities(await get(client, contract_id)) == [2, 3]
    emu.clock.set("2025-12-01T00:00:00Z")
    assert quantities(await get(client, contract_id)) == [3]
    emu.clock.set("2025-09-02T00:00:00Z")
    assert quantities(await get(client, contract_id)) == [1, 2, 3]


async def test_switching_quantity_only_to_seat_based(client, emu):
    contract_id = await create(client, contract_body(subscription_body(initial_quantity=2)))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id,
        "quantity_management_mode_update": {"quantity_management_mode": "seat_based",
                                            "seat_config": {"seat_group_key": "seat_id"}}}])
    assert response.status_code == 200, response.text
    sub = (await get(client, contract_id))["subscriptions"][0]
    assert sub["quantity_management_mode"] == "SEAT_BASED" and sub["seat_config"] == {"seat_group_key": "seat_id"}
    assert await seat_history(client, contract_id, sub_id) == [("2025-10-01T00:00:00.000Z", None, [], 2)]
