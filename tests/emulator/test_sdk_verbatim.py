"""The seed guide's three contracts, sent verbatim through the official SDK (strict response validation) to the
served emulator: created, read back, listed, edited (seats, recurring credit, quantity, end date)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.emulator.conftest import CONFIG_ONE, CUSTOMER_ONE, CUSTOMER_TWO, POOLED_CREDITS, AI_CREDITS, example

metronome = pytest.importorskip("metronome")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


@pytest.fixture
def created(sdk):
    ids = {}
    for name in ("standard_subscription", "seat_based_credit_pool", "individual_seat_credit"):
        ids[name] = sdk.v1.contracts.create(**example(name)).data.id
    return ids


def test_the_three_examples_are_created_and_read_back(sdk, created):
    standard = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=created["standard_subscription"]).data
    assert standard.rate_card_id == example("standard_subscription")["rate_card_id"]
    assert standard.starting_at == at("2025-04-23T00:00:00Z")
    [subscription] = standard.subscriptions
    assert subscription.subscription_rate.billing_frequency == "ANNUAL"
    assert subscription.subscription_rate.product.name == "Pro Plan"
    assert subscription.collection_schedule == "ADVANCE"
    assert subscription.proration.invoice_behavior == "BILL_ON_NEXT_COLLECTION_DATE"
    assert subscription.custom_fields == {"plan_tier": "pro"}
    assert [(q.quantity, q.starting_at) for q in subscription.quantity_schedule] == [(2, at("2025-04-23T00:00:00Z"))]
    assert standard.customer_billing_provider_configuration.id == CONFIG_ONE
    [override] = standard.overrides
    assert override.entitled is True

    pool = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=created["seat_based_credit_pool"]).data
    [recurring] = pool.recurring_credits
    assert recurring.subscription_config.subscription_id == pool.subscriptions[0].id  # temporary_id was linked
    assert recurring.access_amount.credit_type_id == AI_CREDITS
    grants = [credit for credit in pool.credits if credit.recurring_credit_id == recurring.id]
    assert grants and grants[0].access_schedule.schedule_items[0].amount == 200  # 100 x 2 (quantity)
    assert "temporary_id" not in pool.subscriptions[0].model_dump()

    seats = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_TWO, contract_id=created["individual_seat_credit"]).data
    [seat_sub] = seats.subscriptions
    assert seat_sub.quantity_management_mode == "SEAT_BASED"
    assert seat_sub.seat_config.seat_group_key == "seat_id"
    assert [q.quantity for q in seat_sub.quantity_schedule] == [3]
    [recurring_commit] = seats.recurring_commits
    assert recurring_commit.subscription_config.allocation == "INDIVIDUAL"
    per_seat = [c for c in seats.commits if c.recurring_commit_id == recurring_commit.id]
    # No recurrence_frequency: periods follow the subscription (ANNUAL), so one period, clipped to the recurring
    # commit's ending_before, with one grant per assigned seat.
    assert len(per_seat) == 3
    assert {c.access_schedule.schedule_items[0].ending_before for c in per_seat} == {at("2025-11-16T00:00:00Z")}
    assert sorted(c.specifiers[0].presentation_group_values["seat_id"] for c in per_seat) == [
        "seat1@metronome.com", "seat2@metronome.com", "seat3@metronome.com"]
    history = sdk.v1.contracts.get_subscription_seats_history(
        customer_id=CUSTOMER_TWO, contract_id=seats.id, subscription_id=seat_sub.id)
    assert [(h.assigned_seat_ids, h.total_quantity) for h in history.data] == [
        (["seat1@metronome.com", "seat2@metronome.com", "seat3@metronome.com"], 3)]


def test_list_returns_the_customers_contracts_in_order(sdk, created):
    listed = list(sdk.v2.contracts.list(customer_id=CUSTOMER_ONE, limit=1))
    assert [c.id for c in listed] == [created["standard_subscription"], created["seat_based_credit_pool"]]
    assert [c.id for c in sdk.v2.contracts.list(customer_id=CUSTOMER_TWO)] == [created["individual_seat_credit"]]


def test_seats_added_and_removed(sdk, created):
    contract = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_TWO, contract_id=created["individual_seat_credit"]).data
    sub_id = contract.subscriptions[0].id
    result = sdk.v2.contracts.edit(
        customer_id=CUSTOMER_TWO, contract_id=contract.id, uniqueness_key="seats-1",
        update_subscriptions=[{"subscription_id": sub_id, "seat_updates": {
            "add_seat_ids": [{"seat_ids": ["seat4@metronome.com", "seat5@metronome.com"],
                              "starting_at": at("2025-10-15T00:00:00Z")}],
            "remove_seat_ids": [{"seat_ids": ["seat1@metronome.com"], "starting_at": at("2025-11-01T00:00:00Z")}],
        }}])
    assert result.data.id == contract.id and result.data.edit.update_subscriptions[0].id == sub_id
    pages, cursor = [], None
    while True:
        page = sdk.v1.contracts.get_subscription_seats_history(
            customer_id=CUSTOMER_TWO, contract_id=contract.id, subscription_id=sub_id, limit=2,
            **({"cursor": cursor} if cursor else {}))
        pages.append(page)
        cursor = page.next_page
        if not cursor:
            break
    segments = [segment for page in pages for segment in page.data]
    assert len(pages) == 2
    assert [(s.starting_at, s.ending_before, s.total_quantity) for s in segments] == [
        (at("2025-09-01T00:00:00Z"), at("2025-10-15T00:00:00Z"), 3),
        (at("2025-10-15T00:00:00Z"), at("2025-11-01T00:00:00Z"), 5),
        (at("2025-11-01T00:00:00Z"), None, 4)]
    assert segments[2].assigned_seat_ids == ["seat2@metronome.com", "seat3@metronome.com",
                                             "seat4@metronome.com", "seat5@metronome.com"]
    reread = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_TWO, contract_id=contract.id).data
    assert [q.quantity for q in reread.subscriptions[0].quantity_schedule] == [3, 5, 4]


def test_recurring_credit_added_to_the_standard_subscription(sdk, created):
    contract = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=created["standard_subscription"]).data
    sub_id = contract.subscriptions[0].id
    result = sdk.v2.contracts.edit(customer_id=CUSTOMER_ONE, contract_id=contract.id, add_recurring_credits=[{
        "access_amount": {"credit_type_id": AI_CREDITS, "unit_price": 50},
        "commit_duration": {"value": 1, "unit": "periods"}, "priority": 1, "product_id": POOLED_CREDITS,
        "starting_at": at("2025-06-01T00:00:00Z"),
        "subscription_config": {"subscription_id": sub_id, "apply_seat_increase_config": {"is_prorated": True}}}])
    [added] = result.data.edit.add_recurring_credits
    reread = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=contract.id).data
    assert [r.id for r in reread.recurring_credits] == [added.id]
    assert reread.recurring_credits[0].subscription_config.subscription_id == sub_id
    assert [c.access_schedule.schedule_items[0].amount for c in reread.credits if c.recurring_credit_id == added.id] \
        == [100, 100]  # 50 x quantity 2, the started annual period and the next one


def test_quantity_updated(sdk, created):
    contract = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=created["standard_subscription"]).data
    sub_id = contract.subscriptions[0].id
    sdk.v2.contracts.edit(customer_id=CUSTOMER_ONE, contract_id=contract.id, update_subscriptions=[{
        "subscription_id": sub_id, "quantity_updates": [{"quantity": 5, "starting_at": at("2025-11-01T00:00:00Z")}]}])
    reread = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=contract.id).data
    assert [(q.quantity, q.starting_at, q.ending_before) for q in reread.subscriptions[0].quantity_schedule] == [
        (2, at("2025-04-23T00:00:00Z"), at("2025-11-01T00:00:00Z")), (5, at("2025-11-01T00:00:00Z"), None)]
    history = sdk.v1.contracts.retrieve_subscription_quantity_history(
        customer_id=CUSTOMER_ONE, contract_id=contract.id, subscription_id=sub_id).data
    assert [h.data[0].quantity for h in history.history] == [2]  # the future change is not history yet


def test_end_date_changed(sdk, created):
    contract_id = created["seat_based_credit_pool"]
    sdk.v2.contracts.edit(customer_id=CUSTOMER_ONE, contract_id=contract_id,
                          update_contract_end_date=at("2026-04-23T00:00:00Z"))
    reread = sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=contract_id).data
    assert reread.ending_before == at("2026-04-23T00:00:00Z")
    assert reread.subscriptions[0].ending_before == at("2026-04-23T00:00:00Z")
    sdk.v1.contracts.update_end_date(customer_id=CUSTOMER_ONE, contract_id=contract_id)
    assert sdk.v2.contracts.retrieve(customer_id=CUSTOMER_ONE, contract_id=contract_id).data.ending_before is None
    history = sdk.v2.contracts.get_edit_history(customer_id=CUSTOMER_ONE, contract_id=contract_id).data
    assert [h.update_contract_end_date for h in history] == [at("2026-04-23T00:00:00Z"), None]


def test_catalog_and_customers_parse_strictly(sdk):
    assert {ct.name for ct in sdk.v1.pricing_units.list()} >= {"USD (cents)", "AI Credits"}
    products = {p.current.name: p for p in sdk.v1.contracts.products.list()}
    assert products["Pro Plan"].type == "SUBSCRIPTION"
    assert sdk.v1.contracts.products.retrieve(id=products["Video Generation"].id).data.current.presentation_group_key \
        == ["seat_id"]
    cards = {c.name: c for c in sdk.v1.contracts.rate_cards.list()}
    assert set(cards) == {"Standard 2025", "Seats 2025"}
    rates = list(sdk.v1.contracts.rate_cards.rates.list(
        rate_card_id=cards["Seats 2025"].id, at=at("2025-06-01T00:00:00Z")))
    assert {(r.product_name, r.billing_frequency) for r in rates} >= {("Pro Plan", "ANNUAL"), ("Pro Plan", "MONTHLY")}
    customer = sdk.v1.customers.retrieve(customer_id=CUSTOMER_ONE).data
    assert customer.id == CUSTOMER_ONE
    created = sdk.v1.customers.create(name="Acme", ingest_aliases=["acme"]).data
    assert [c.id for c in sdk.v1.customers.list(ingest_alias="acme")] == [created.id]
    configs = sdk.v1.customers.retrieve_billing_configurations(customer_id=CUSTOMER_ONE).data
    assert [c.id for c in configs] == [CONFIG_ONE]
