"""Contract semantics beyond seats and quantities: ids and temporary ids, recurring grants, add/remove/update
rules, validation, enums and timestamps, custom fields, customers, listing and the edit history."""

from __future__ import annotations

import json

import pytest

from tests.emulator.conftest import (
    AI_CREDITS, CONFIG_ONE, CUSTOMER_ONE, CUSTOMER_TWO, PER_SEAT_COMMIT, POOLED_CREDITS, PRO_PLAN, SEATS_2025,
    VIDEO_GENERATION, contract_body, create, edit, get, seat_subscription_body, subscription_body,
)

pytestmark = pytest.mark.anyio


def recurring_credit(subscription_id: str | None = None, **overrides) -> dict:
    body = {"product_id": POOLED_CREDITS, "access_amount": {"credit_type_id": AI_CREDITS, "unit_price": 10},
            "commit_duration": {"value": 1}, "priority": 1, "starting_at": "2025-01-01T00:00:00Z",
            "recurrence_frequency": "MONTHLY"}
    if subscription_id:
        body["subscription_config"] = {"subscription_id": subscription_id,
                                       "apply_seat_increase_config": {"is_prorated": True}}
    else:
        body["access_amount"]["quantity"] = 1
    body.update(overrides)
    return body


async def test_ids_are_server_assigned_and_temporary_ids_never_returned(client):
    contract_id = await create(client, contract_body(subscription_body(temporary_id="sub-tmp"),
                                                     recurring_credits=[recurring_credit("sub-tmp",
                                                                                         temporary_id="rc-tmp")]))
    response = await client.post("/v2/contracts/get", json={"customer_id": CUSTOMER_ONE, "contract_id": contract_id})
    contract = response.json()["data"]
    assert "temporary_id" not in response.text and "sub-tmp" not in response.text
    sub_id = contract["subscriptions"][0]["id"]
    assert len(sub_id) == 36 and contract["recurring_credits"][0]["subscription_config"]["subscription_id"] == sub_id


async def test_an_edit_links_recurring_credits_to_live_and_new_subscriptions(client):
    contract_id = await create(client, contract_body(subscription_body()))
    live_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, add_subscriptions=[subscription_body(temporary_id="new")],
                          add_recurring_credits=[recurring_credit(live_id), recurring_credit("new")])
    assert response.status_code == 200, response.text
    created = response.json()["data"]["edit"]
    new_id = created["add_subscriptions"][0]["id"]
    assert [r["subscription_config"]["subscription_id"] for r in created["add_recurring_credits"]] == [live_id, new_id]
    unknown = await edit(client, contract_id, add_recurring_credits=[recurring_credit("nope")])
    assert unknown.status_code == 400 and "add_recurring_credits[0].subscription_config.subscription_id" in \
        unknown.json()["message"]


async def test_recurring_grants_are_deterministic_and_follow_the_clock(client, emu):
    emu.clock.set("2025-03-15T00:00:00Z")
    contract_id = await create(client, contract_body(subscription_body(initial_quantity=3, temporary_id="s"),
                                                     recurring_credits=[recurring_credit("s")]))
    first = await get(client, contract_id)
    starts = [c["access_schedule"]["schedule_items"][0]["starting_at"][:10] for c in first["credits"]]
    assert starts == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]  # started ones + the next
    assert {c["access_schedule"]["schedule_items"][0]["amount"] for c in first["credits"]} == {30}  # 10 x quantity 3
    assert all(c["recurring_credit_id"] == first["recurring_credits"][0]["id"] for c in first["credits"])
    assert (await get(client, contract_id))["credits"] == first["credits"]
    emu.clock.set("2025-05-15T00:00:00Z")
    later = await get(client, contract_id)
    assert [c["id"] for c in later["credits"]][:4] == [c["id"] for c in first["credits"]]
    assert len(later["credits"]) == 6


async def test_updating_a_recurring_credit_only_changes_grants_not_yet_started(client, emu):
    emu.clock.set("2025-03-15T00:00:00Z")
    contract_id = await create(client, contract_body(recurring_credits=[recurring_credit()]))
    recurring_id = (await get(client, contract_id))["recurring_credits"][0]["id"]
    response = await edit(client, contract_id, update_recurring_credits=[{
        "recurring_credit_id": recurring_id, "access_amount": {"unit_price": 99},
        "ending_before": "2025-06-01T00:00:00Z"}])
    assert response.status_code == 200, response.text
    emu.clock.set("2025-12-01T00:00:00Z")
    contract = await get(client, contract_id)
    amounts = [(c["access_schedule"]["schedule_items"][0]["starting_at"][:7],
                c["access_schedule"]["schedule_items"][0]["amount"]) for c in contract["credits"]]
    assert amounts == [("2025-01", 10), ("2025-02", 10), ("2025-03", 10), ("2025-04", 99), ("2025-05", 99)]
    assert contract["recurring_credits"][0]["access_amount"]["unit_price"] == 99
    assert contract["recurring_credits"][0]["ending_before"] == "2025-06-01T00:00:00.000Z"


async def test_subscriptions_end_by_ending_before_and_are_never_deleted(client):
    contract_id = await create(client, contract_body(subscription_body()))
    sub_id = (await get(client, contract_id))["subscriptions"][0]["id"]
    response = await edit(client, contract_id, update_subscriptions=[{"subscription_id": sub_id,
                                                                      "ending_before": "2025-06-01T00:00:00Z"}])
    assert response.status_code == 200
    [sub] = (await get(client, contract_id))["subscriptions"]
    assert sub["ending_before"] == "2025-06-01T00:00:00.000Z" and sub["quantity_schedule"] == []
    reopened = await client.post("/v2/contracts/edit", json={  # explicit null: open-ended again
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id,
        "update_subscriptions": [{"subscription_id": sub_id, "ending_before": None}]})
    assert reopened.status_code == 200
    assert "ending_before" not in (await get(client, contract_id))["subscriptions"][0]


async def test_overrides_are_added_and_removed_only(client):
    override = {"starting_at": "2025-01-01T00:00:00Z", "product_id": VIDEO_GENERATION, "type": "multiplier",
                "multiplier": 0.5}
    contract_id = await create(client, contract_body(overrides=[override]))
    [live] = (await get(client, contract_id))["overrides"]
    assert live["product"]["name"] == "Video Generation" and live["type"] == "MULTIPLIER"
    response = await edit(client, contract_id, remove_overrides=[{"id": live["id"]}],
                          add_overrides=[{**override, "multiplier": 0.8}])
    assert response.status_code == 200
    [replaced] = (await get(client, contract_id))["overrides"]
    assert replaced["id"] != live["id"] and replaced["multiplier"] == 0.8
    assert (await edit(client, contract_id, update_overrides=[{"id": replaced["id"]}])).status_code == 400


async def test_override_product_must_have_a_rate_on_the_rate_card(client):
    response = await client.post("/v1/contracts/create", json=contract_body(
        rate_card_id=SEATS_2025, overrides=[{"starting_at": "2025-01-01T00:00:00Z",
                                             "product_id": "4e2a9c7d-1f3b-4d6e-8a5c-2b9f7e1d3c30", "multiplier": 2}]))
    assert response.status_code == 400 and "No such product in rate card" in response.json()["message"]


async def test_commits_and_credits_are_added_updated_and_archived(client):
    access = {"credit_type_id": AI_CREDITS,
              "schedule_items": [{"amount": 100, "starting_at": "2025-01-01T00:00:00Z",
                                  "ending_before": "2026-01-01T00:00:00Z"}]}
    contract_id = await create(client, contract_body(
        commits=[{"product_id": PER_SEAT_COMMIT, "type": "prepaid", "access_schedule": access, "name": "c1"}],
        credits=[{"product_id": POOLED_CREDITS, "access_schedule": access}]))
    contract = await get(client, contract_id)
    commit, credit = contract["commits"][0], contract["credits"][0]
    assert commit["type"] == "PREPAID" and commit["access_schedule"]["credit_type"] == {"id": AI_CREDITS,
                                                                                        "name": "AI Credits"}
    item_id = commit["access_schedule"]["schedule_items"][0]["id"]
    response = await edit(client, contract_id,
                          update_commits=[{"commit_id": commit["id"], "name": "c2", "access_schedule": {
                              "update_schedule_items": [{"id": item_id, "amount": 150}]}}],
                          archive_credits=[{"id": credit["id"]}],
                          add_credits=[{"product_id": POOLED_CREDITS, "access_schedule": access}])
    assert response.status_code == 200, response.text
    contract = await get(client, contract_id)
    assert contract["commits"][0]["name"] == "c2"
    assert contract["commits"][0]["access_schedule"]["schedule_items"][0]["amount"] == 150
    assert contract["credits"][0]["archived_at"] == "2025-10-01T00:00:00.000Z"
    assert len(contract["credits"]) == 2 and "archived_at" not in contract["credits"][1]


@pytest.mark.parametrize("body, message", [
    (contract_body(seat_subscription_body(["a"], seat_config=None)), "seat_config: required"),
    (contract_body(subscription_body(temporary_id="s"), recurring_credits=[recurring_credit(
        "s", subscription_config={"subscription_id": "s", "allocation": "individual",
                                  "apply_seat_increase_config": {"is_prorated": True}})]),
     "INDIVIDUAL allocation needs a SEAT_BASED subscription"),
    (contract_body(subscription_body(), ending_before="2024-06-01T00:00:00Z"), "must be after starting_at"),
    (contract_body(subscription_body(), billing_provider_configuration={
        "billing_provider_configuration_id": "00000000-0000-4000-8000-000000000000"}), "not found"),
    (contract_body(subscription_body(), billing_provider_configuration={
        "billing_provider": "aws_marketplace", "delivery_method": "direct_to_billing_provider"}),
     "has no aws_marketplace/direct_to_billing_provider"),
    (contract_body(subscription_body(), rate_card_id="00000000-0000-4000-8000-000000000000"), "rate card"),
    (contract_body(subscription_body(), transition={"type": "RENEWAL", "from_contract_id": "x"}), "not supported"),
    (contract_body(subscription_body(custom_fields={"unregistered": "x"})), "not registered"),
])
async def test_create_validation(client, body, message):
    response = await client.post("/v1/contracts/create", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400
    assert message in response.json()["message"]


@pytest.mark.parametrize("reference", [
    {"billing_provider_configuration_id": CONFIG_ONE},
    {"billing_provider": "STRIPE", "delivery_method": "Direct_To_Billing_Provider"},
])
async def test_billing_provider_configuration_resolves_to_the_customers_own(client, reference):
    contract_id = await create(client, contract_body(billing_provider_configuration=reference))
    config = (await get(client, contract_id))["customer_billing_provider_configuration"]
    assert config["id"] == CONFIG_ONE and config["billing_provider"] == "stripe"


async def test_a_foreign_configuration_id_resolves_by_provider_and_delivery_method(client):
    body = contract_body(customer_id=CUSTOMER_TWO, billing_provider_configuration={
        "billing_provider_configuration_id": CONFIG_ONE})
    contract_id = await create(client, body)
    config = (await get(client, contract_id, CUSTOMER_TWO))["customer_billing_provider_configuration"]
    assert config["customer_id"] == CUSTOMER_TWO and config["id"] != CONFIG_ONE


async def test_enums_are_case_insensitive_and_timestamps_normalised(client):
    contract_id = await create(client, contract_body(
        subscription_body(collection_schedule="arrears", subscription_rate={"product_id": PRO_PLAN,
                                                                            "billing_frequency": "Monthly"}),
        starting_at="2025-01-01T02:00:00+02:00"))
    contract = await get(client, contract_id)
    assert contract["starting_at"] == "2025-01-01T00:00:00.000Z"
    assert contract["subscriptions"][0]["collection_schedule"] == "ARREARS"
    assert contract["subscriptions"][0]["subscription_rate"]["billing_frequency"] == "MONTHLY"


async def test_custom_fields(client):
    async def post(path, **body):
        return await client.post(f"/v1/customFields/{path}", json=body)

    assert (await post("setValues", entity="customer", entity_id=CUSTOMER_ONE,
                       custom_fields={"crm_id": "1"})).status_code == 400  # key not registered
    assert (await post("addKey", entity="customer", key="crm_id", enforce_uniqueness=True)).status_code == 200
    assert (await post("setValues", entity="customer", entity_id=CUSTOMER_ONE,
                       custom_fields={"crm_id": "1"})).status_code == 200
    clash = await post("setValues", entity="customer", entity_id=CUSTOMER_TWO, custom_fields={"crm_id": "1"})
    assert clash.status_code == 400 and "already used" in clash.json()["message"]
    customer = (await client.get(f"/v1/customers/{CUSTOMER_ONE}")).json()["data"]
    assert customer["custom_fields"] == {"crm_id": "1"}
    keys = (await post("listKeys", entities=["customer"])).json()["data"]
    assert keys == [{"entity": "customer", "key": "crm_id", "enforce_uniqueness": True}]
    assert (await post("deleteValues", entity="customer", entity_id=CUSTOMER_ONE, keys=["crm_id"])).status_code == 200
    assert (await client.get(f"/v1/customers/{CUSTOMER_ONE}")).json()["data"]["custom_fields"] == {}
    await post("removeKey", entity="customer", key="crm_id")
    assert (await post("listKeys", entities=["customer"])).json()["data"] == []


async def test_contract_custom_fields_and_uniqueness_key_are_returned(client):
    await client.post("/v1/customFields/addKey", json={"entity": "contract", "key": "manifest", "enforce_uniqueness": True})
    contract_id = await create(client, contract_body(uniqueness_key="acme/pro", custom_fields={"manifest": "acme"}))
    contract = await get(client, contract_id)
    assert contract["uniqueness_key"] == "acme/pro" and contract["custom_fields"] == {"manifest": "acme"}
    second = await client.post("/v1/contracts/create", json=contract_body(custom_fields={"manifest": "acme"}))
    assert second.status_code == 400


async def test_customers_create_list_rename_aliases_and_archive(client):
    created = []
    for index in range(3):
        response = await client.post("/v1/customers", json={
            "name": f"C{index}", "ingest_aliases": [f"c{index}"],
            "customer_billing_provider_configurations": [{"billing_provider": "stripe",
                                                          "delivery_method": "direct_to_billing_provider"}]})
        created.append(response.json()["data"]["id"])
    page1 = (await client.get("/v1/customers", params={"limit": 2})).json()
    page2 = (await client.get("/v1/customers", params={"limit": 2, "next_page": page1["next_page"]})).json()
    page3 = (await client.get("/v1/customers", params={"limit": 2, "next_page": page2["next_page"]})).json()
    ids = [c["id"] for page in (page1, page2, page3) for c in page["data"]]
    assert ids == [CUSTOMER_ONE, CUSTOMER_TWO, *created] and page3["next_page"] is None
    only = await client.get("/v1/customers", params={"customer_ids": f"{created[0]},{created[2]}"})
    assert [c["id"] for c in only.json()["data"]] == [created[0], created[2]]
    await client.post(f"/v1/customers/{created[0]}/setIngestAliases", json={"ingest_aliases": ["x", "y"]})
    assert (await client.get("/v1/customers", params={"ingest_alias": "c0"})).json()["data"] == []
    assert (await client.get(f"/v1/customers/{created[0]}")).json()["data"]["ingest_aliases"] == ["x", "y"]
    renamed = await client.post(f"/v1/customers/{created[1]}/setName", json={"name": "N" * 200})
    assert renamed.json()["data"]["name"] == "N" * 160
    contract_id = await create(client, contract_body(customer_id=created[2]))
    await client.post("/v1/customers/archive", json={"id": created[2]})
    archived = (await client.get("/v1/customers", params={"only_archived": "true"})).json()["data"]
    assert [c["id"] for c in archived] == [created[2]] and archived[0]["archived_at"]
    assert (await get(client, contract_id, created[2]))["archived_at"] == "2025-10-01T00:00:00.000Z"
    configs = await client.post("/v1/getCustomerBillingProviderConfigurations", json={"customer_id": created[0]})
    assert [c["billing_provider"] for c in configs.json()["data"]] == ["stripe"]


async def test_contract_list_filters_and_pages(client):
    ids = [await create(client, contract_body(starting_at=f"2025-0{month}-01T00:00:00Z",
                                              ending_before=f"2025-0{month + 1}-01T00:00:00Z"))
           for month in (3, 1, 2)]
    async def listed(**body):
        response = await client.post("/v2/contracts/list", json={"customer_id": CUSTOMER_ONE, **body})
        assert response.status_code == 200, response.text
        return response.json()
    assert [c["id"] for c in (await listed())["data"]] == [ids[1], ids[2], ids[0]]
    assert [c["id"] for c in (await listed(covering_date="2025-02-10T00:00:00Z"))["data"]] == [ids[2]]
    assert [c["id"] for c in (await listed(starting_at="2025-02-01T00:00:00Z"))["data"]] == [ids[2], ids[0]]
    first = await listed(limit=2)
    second = await listed(limit=2, cursor=first["cursor"])
    assert len(first["data"]) == 2 and [c["id"] for c in second["data"]] == [ids[0]] and second["cursor"] is None
    await client.post("/v1/contracts/archive", json={"customer_id": CUSTOMER_ONE, "contract_id": ids[0],
                                                     "void_invoices": False})
    assert ids[0] not in [c["id"] for c in (await listed())["data"]]
    assert ids[0] in [c["id"] for c in (await listed(include_archived=True))["data"]]


async def test_edit_history_records_edits_end_date_changes_and_archive(client):
    contract_id = await create(client, contract_body(subscription_body()))
    response = await edit(client, contract_id, uniqueness_key="e1", add_subscriptions=[subscription_body()])
    new_sub = response.json()["data"]["edit"]["add_subscriptions"][0]["id"]
    await client.post("/v1/contracts/updateEndDate", json={"customer_id": CUSTOMER_ONE, "contract_id": contract_id,
                                                           "ending_before": "2026-01-01T00:00:00Z"})
    await client.post("/v1/contracts/archive", json={"customer_id": CUSTOMER_ONE, "contract_id": contract_id,
                                                     "void_invoices": True})
    history = (await client.post("/v2/contracts/getEditHistory", json={
        "customer_id": CUSTOMER_ONE, "contract_id": contract_id})).json()["data"]
    assert [h.get("uniqueness_key") for h in history] == ["e1", None, None]
    assert history[0]["add_subscriptions"][0]["id"] == new_sub and history[0]["timestamp"]
    assert history[1]["update_contract_end_date"] == "2026-01-01T00:00:00.000Z"
    assert "archive_commits" in history[2]
    assert json.dumps(history[0]).count("temporary_id") == 0


async def test_state_persists_in_the_database_file(tmp_path):
    from reconciler.emulator import Emulator

    db = tmp_path / "state" / "emulator.db"
    first = Emulator(db, clock="2025-10-01T00:00:00Z")
    async with first.client() as http:
        contract_id = await create(http, contract_body(subscription_body(), uniqueness_key="persist"))
    first.close()
    second = Emulator(db, seed={"customers": [{"name": "not applied"}]}, clock="2025-10-01T00:00:00Z")
    async with second.client() as http:
        assert (await get(http, contract_id))["uniqueness_key"] == "persist"
        names = [c["name"] for c in (await http.get("/v1/customers")).json()["data"]]
        assert "not applied" not in names and len(names) == 2
    second.close()
