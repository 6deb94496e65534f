"""Every error path answers with Metronome's status and body shape."""

from __future__ import annotations

import json

import pytest

from tests.emulator.conftest import (
    CUSTOMER_ONE, CUSTOMER_TWO, PRO_PLAN, TEAM_PLAN, SEATS_2025, contract_body, create, edit, get,
    seat_subscription_body, subscription_body,
)

pytestmark = pytest.mark.anyio
MISSING = "00000000-0000-4000-8000-000000000000"


async def test_api_paths_need_a_bearer_token(emu):
    async with emu.client() as http:
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}):
            http.headers.pop("Authorization", None)
            response = await http.get(f"/v1/customers/{CUSTOMER_ONE}", headers=headers)
            assert response.status_code == 401
            assert set(response.json()) == {"message"}
        response = await http.get(f"/v1/customers/{CUSTOMER_ONE}", headers={"Authorization": "Bearer secret-xyz"})
        assert response.status_code == 200
        assert "secret-xyz" not in response.text


async def test_unknown_paths_answer_501(client):
    for method, path in (("POST", "/v1/contracts/amend"), ("GET", "/v2/contracts/get"), ("POST", "/v9/nothing")):
        response = await client.request(method, path, json={})
        assert response.status_code == 501
        assert response.json() == {"message": f"{method} {path} is not implemented by the reconciler emulator"}


async def test_reused_contract_uniqueness_key_is_409(client):
    body = contract_body(subscription_body(), uniqueness_key="acme/pro")
    await create(client, body)
    response = await client.post("/v1/contracts/create", json=body)
    assert response.status_code == 409
    assert response.json() == {"message": "This uniqueness key has already been used."}


async def test_reused_edit_uniqueness_key_is_409_and_edit_keys_are_separate_from_contract_keys(client):
    contract_id = await create(client, contract_body(subscription_body(), uniqueness_key="k1"))
    assert (await edit(client, contract_id, uniqueness_key="k1", update_contract_name="a")).status_code == 200
    response = await edit(client, contract_id, uniqueness_key="k1", update_contract_name="b")
    assert response.status_code == 409
    assert response.json()["message"] == "This uniqueness key has already been used."
    assert (await get(client, contract_id))["name"] == "a"


async def test_customer_with_an_ingest_alias_in_use_is_409(client):
    assert (await client.post("/v1/customers", json={"name": "A", "ingest_aliases": ["acme"]})).status_code == 200
    response = await client.post("/v1/customers", json={"name": "B", "ingest_aliases": ["acme"]})
    assert response.status_code == 409
    assert response.json() == {"message": "A customer with this ID already exists"}


@pytest.mark.parametrize("body, field", [
    ({"customer_id": CUSTOMER_ONE, "starting_at": "2025-01-01T00:00:00Z", "colour": "red"}, "colour: unknown field"),
    ({"starting_at": "2025-01-01T00:00:00Z"}, "customer_id: required field is missing"),
    ({"customer_id": 5, "starting_at": "2025-01-01T00:00:00Z"}, "customer_id: Input should be a valid string"),
    ({"customer_id": CUSTOMER_ONE, "starting_at": "yesterday"}, "starting_at: "),
    (contract_body(subscription_body(initial_quantity="2")), "subscriptions[0].initial_quantity: "),
    (contract_body(subscription_body(seat_config={"initial_seat_ids": []})),
     "subscriptions[0].seat_config.seat_group_key: required field is missing"),
    (contract_body(subscription_body(collection_schedule="sometimes")), "subscriptions[0].collection_schedule: "),
    (contract_body(recurring_credits=[{"product_id": PRO_PLAN}]), "recurring_credits[0].access_amount: required"),
])
async def test_schema_errors_are_400_naming_the_field(client, body, field):
    response = await client.post("/v1/contracts/create", json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"message"}
    assert field in response.json()["message"]


async def test_immutable_subscription_fields_are_unknown_fields_in_edits(client):
    contract_id = await create(client, contract_body(subscription_body()))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, update_subscriptions=[
        {"subscription_id": sub_id, "subscription_rate": {"product_id": TEAM_PLAN, "billing_frequency": "MONTHLY"}}])
    assert response.status_code == 400
    assert "update_subscriptions[0].subscription_rate: unknown field" in response.json()["message"]


@pytest.mark.parametrize("path, body, code", [
    ("/v2/contracts/get", {"customer_id": CUSTOMER_ONE, "contract_id": MISSING}, "ContractNotFound"),
    ("/v2/contracts/get", {"customer_id": MISSING, "contract_id": MISSING}, "CustomerNotFound"),
    ("/v2/contracts/list", {"customer_id": MISSING}, "CustomerNotFound"),
    ("/v2/contracts/edit", {"customer_id": CUSTOMER_ONE, "contract_id": MISSING}, "ContractNotFound"),
    ("/v2/contracts/getEditHistory", {"customer_id": CUSTOMER_ONE, "contract_id": MISSING}, "ContractNotFound"),
    ("/v1/contracts/getSubscriptionSeatsHistory",
     {"customer_id": CUSTOMER_ONE, "contract_id": MISSING, "subscription_id": MISSING}, "ContractNotFound"),
    ("/v1/contracts/getSubscriptionQuantityHistory",
     {"customer_id": MISSING, "contract_id": MISSING, "subscription_id": MISSING}, "CustomerNotFound"),
])
async def test_v2_and_history_not_found_is_400_with_a_code(client, path, body, code):
    response = await client.post(path, json=body)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]


async def test_a_contract_of_another_customer_is_not_found(client):
    contract_id = await create(client, contract_body(subscription_body()))
    response = await client.post("/v2/contracts/get", json={"customer_id": CUSTOMER_TWO, "contract_id": contract_id})
    assert (response.status_code, response.json()["code"]) == (400, "ContractNotFound")


async def test_unknown_subscription_in_history_is_subscription_not_found(client):
    contract_id = await create(client, contract_body(subscription_body()))
    response = await client.post("/v1/contracts/getSubscriptionQuantityHistory", json={
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id, "subscription_id": MISSING})
    assert (response.status_code, response.json()["code"]) == (400, "SubscriptionNotFound")


@pytest.mark.parametrize("method, path, body", [
    ("GET", f"/v1/customers/{MISSING}", None),
    ("POST", f"/v1/customers/{MISSING}/setName", {"name": "x"}),
    ("POST", "/v1/customers/archive", {"id": MISSING}),
    ("POST", "/v1/contract-pricing/products/get", {"id": MISSING}),
    ("POST", "/v1/contract-pricing/rate-cards/get", {"id": MISSING}),
    ("POST", "/v1/contracts/archive", {"customer_id": CUSTOMER_ONE, "contract_id": MISSING, "void_invoices": False}),
    ("POST", "/v1/contracts/updateEndDate", {"customer_id": CUSTOMER_ONE, "contract_id": MISSING}),
    ("POST", "/v1/contracts/create", {"customer_id": MISSING, "starting_at": "2025-01-01T00:00:00Z"}),
])
async def test_v1_not_found_is_404_with_a_message(client, method, path, body):
    response = await client.request(method, path, json=body)
    assert response.status_code == 404
    assert set(response.json()) == {"message"}


async def test_more_than_500_seat_ids_in_one_edit_is_400(client):
    contract_id = await create(client, contract_body(seat_subscription_body(["a"]), rate_card_id=SEATS_2025))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    seats = [f"user{i}" for i in range(501)]
    response = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id, "seat_updates": {
        "add_seat_ids": [{"seat_ids": seats[:300], "starting_at": "2025-02-01T00:00:00Z"},
                         {"seat_ids": seats[300:], "starting_at": "2025-03-01T00:00:00Z"}]}}])
    assert response.status_code == 400
    assert "at most 500 seat ids" in response.json()["message"]
    ok = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id, "seat_updates": {
        "add_seat_ids": [{"seat_ids": seats[:500], "starting_at": "2025-02-01T00:00:00Z"}]}}])
    assert ok.status_code == 200


async def test_wrong_quantity_management_mode_is_400(client):
    contract_id = await create(client, contract_body(subscription_body(),
                                                     seat_subscription_body(["a"], temporary_id="s")))
    quantity_sub, seat_sub = (s["id"] for s in (await get(client, contract_id))["subscriptions"])
    seats_on_quantity = await edit(client, contract_id, update_subscriptions=[{"subscription_id": quantity_sub,
        "seat_updates": {"add_seat_ids": [{"seat_ids": ["b"], "starting_at": "2025-02-01T00:00:00Z"}]}}])
    quantity_on_seats = await edit(client, contract_id, update_subscriptions=[{"subscription_id": seat_sub,
        "quantity_updates": [{"quantity": 3, "starting_at": "2025-02-01T00:00:00Z"}]}])
    assert seats_on_quantity.status_code == quantity_on_seats.status_code == 400
    assert "is QUANTITY_ONLY" in seats_on_quantity.json()["message"]
    assert "is SEAT_BASED" in quantity_on_seats.json()["message"]


@pytest.mark.parametrize("rate, message", [
    ({"product_id": TEAM_PLAN, "billing_frequency": "ANNUAL"}, "no SUBSCRIPTION rate for product"),
    ({"product_id": MISSING, "billing_frequency": "MONTHLY"}, "not found"),
    ({"product_id": "35a467c7-fc24-46c2-884b-66af8d349674", "billing_frequency": "MONTHLY"}, "not SUBSCRIPTION"),
])
async def test_bad_subscription_rate_is_400_naming_it(client, rate, message):
    response = await client.post("/v1/contracts/create", json=contract_body(subscription_body(subscription_rate=rate)))
    assert response.status_code == 400
    assert response.json()["message"].startswith("subscriptions[0].subscription_rate")
    assert message in response.json()["message"]


async def test_an_edit_that_fails_changes_nothing(client, emu):
    contract_id = await create(client, contract_body(subscription_body()))
    before = await get(client, contract_id)
    response = await edit(client, contract_id, update_contract_name="renamed",
                          update_subscriptions=[{"subscription_id": before["subscriptions"][0]["id"],
                                                 "quantity_updates": [{"quantity": 7,
                                                                       "starting_at": "2025-03-01T00:00:00Z"}]}],
                          add_subscriptions=[subscription_body(temporary_id="t")],
                          remove_overrides=[{"id": MISSING}])
    assert response.status_code == 400
    assert "remove_overrides[0].id" in response.json()["message"]
    assert await get(client, contract_id) == before
    history = await client.post("/v2/contracts/getEditHistory",
                                json={"customer_id": CUSTOMER_ONE, "contract_id": contract_id})
    assert history.json()["data"] == []


async def test_invalid_json_and_non_object_bodies_are_400(client):
    response = await client.post("/v2/contracts/get", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert (await client.post("/v2/contracts/get", json=[1])).status_code == 400


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_python_only_json_constants_are_not_json(client, constant):
    body = json.dumps(contract_body(subscription_body(initial_quantity=5))).replace('"initial_quantity": 5',
                                                                                   f'"initial_quantity": {constant}')
    assert constant in body
    response = await client.post("/v1/contracts/create", content=body.encode(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body: not valid JSON"
