"""Golden tests of the planner, one case per row of DESIGN.md §4 (and the seed's three set-ups and its tip).

Each case is (manifests applied earlier -> live state read from the emulator, manifests now) -> the rendered
plan (``golden/<case>.txt``) and its operations with their exact requests (``golden/<case>.ops.json``), or the
plan error (``golden/<case>.error.txt``). Every plan that refuses nothing is then applied to the emulator and
planned again, which must give no operations ("apply, then plan is empty").

``UPDATE_GOLDEN=1 pytest tests/plan`` rewrites the golden files; review every diff before committing it.
"""

from __future__ import annotations

import pytest

from plan.plan_harness import (
    Case, check_golden, contract, customer, entitlement, golden_texts, pooled_credit, run, seat_commit,
    seat_subscription, subscription, with_spec,
)
from reconciler.render import render
from sdk_oracle import validate_body

ACME = customer("acme", "Acme Corporation")
GLOBEX = customer("globex", "Globex Corporation")
INITECH = customer("initech", "Initech")
SEATS = ["seat1@globex.com", "seat2@globex.com", "seat3@globex.com"]

STANDARD = contract("std", subscriptions=[subscription()])
POOL = contract("pool", overrides=[entitlement()], subscriptions=[subscription(quantity=2)],
                recurring_credits=[pooled_credit()])
INDIVIDUAL = contract("seats", "globex", rate_card="Seats 2025",
                      subscriptions=[seat_subscription(SEATS, custom_fields={"plan_tier": "pro"})],
                      recurring_commits=[seat_commit()])
TEAM = subscription("team", name="Team Plan", product="Team Plan", quantity=3)


def discount(multiplier: float) -> dict:
    return {"key": "api-discount", "starting_at": "2026-01-01T00:00:00Z", "product": "API Calls",
            "type": "MULTIPLIER", "multiplier": multiplier}


def seats(n: int) -> list[str]:
    return [f"user{i:04d}@globex.com" for i in range(n)]


def individual(seat_ids: list[str], unassigned: int = 0) -> dict:
    return with_spec(INDIVIDUAL, subscriptions=[seat_subscription(seat_ids, unassigned,
                                                                  custom_fields={"plan_tier": "pro"})])


async def add_duplicate_subscription(client, live) -> None:
    """Someone adds a second, identical Pro Plan subscription in the UI."""
    data = live.customers["acme"].contracts[0].contract
    sub = data["subscriptions"][0]
    await client.request("POST", "/v2/contracts/edit", write=True, json={
        "customer_id": data["customer_id"], "contract_id": data["id"],
        "add_subscriptions": [{
            "subscription_rate": {"product_id": sub["subscription_rate"]["product"]["id"],
                                  "billing_frequency": "MONTHLY"},
            "collection_schedule": "ADVANCE", "initial_quantity": 1, "name": "Pro Plan",
            "proration": {"is_prorated": True, "invoice_behavior": "BILL_IMMEDIATELY"},
            "starting_at": "2026-01-01T00:00:00Z"}]})


CASES = [
    # -- creates ---------------------------------------------------------------------------------------------
    Case("new_customer", "new customer", [], [ACME], expect=["/v1/customers"]),
    Case("new_contract_standard", "new contract: standard subscription (with its new customer)", [],
         [ACME, STANDARD]),
    Case("new_contract_pooled_credits", "new contract: seat-based credit pool", [ACME], [ACME, POOL]),
    Case("new_contract_individual_seat_credits", "new contract: individual seat credits", [GLOBEX],
         [GLOBEX, INDIVIDUAL]),
    # -- edits that add ----------------------------------------------------------------------------------------
    Case("seed_tip_recurring_credit_on_live_subscription",
         "recurring credit added to an existing subscription (the seed's tip)", [ACME, STANDARD],
         [ACME, with_spec(STANDARD, recurring_credits=[pooled_credit()])], expect=["add_recurring_credits"]),
    Case("recurring_commit_on_live_subscription", "add_recurring_commits to a live subscription",
         [ACME, STANDARD], [ACME, with_spec(STANDARD, recurring_commits=[seat_commit(
             subscription_config={"subscription": "pro", "allocation": "POOLED",
                                  "apply_seat_increase_config": {"is_prorated": True}})])]),
    Case("add_subscription_with_linked_credit", "add_subscriptions + a recurring credit linked by temporary_id",
         [ACME, STANDARD], [ACME, with_spec(STANDARD, subscriptions=[subscription(), TEAM],
                                            recurring_credits=[pooled_credit("team-pool", "team")])]),
    # -- seats and quantities ------------------------------------------------------------------------------------
    Case("seats_added_and_removed", "seats added/removed", [GLOBEX, INDIVIDUAL],
         [GLOBEX, individual(["seat1@globex.com", "seat3@globex.com", "seat4@globex.com", "seat5@globex.com"])]),
    Case("unassigned_seats_added", "unassigned seats changed (up)", [GLOBEX, INDIVIDUAL],
         [GLOBEX, individual(SEATS, unassigned=2)]),
    Case("unassigned_seats_removed", "unassigned seats changed (down)", [GLOBEX, individual(SEATS, 4)],
         [GLOBEX, individual(SEATS, unassigned=1)]),
    Case("seats_over_500_in_batches", "> 500 seats: batches of at most 500 per edit call", [GLOBEX, INDIVIDUAL],
         [GLOBEX, individual(SEATS + seats(1001))]),
    Case("quantity_absolute", "quantity changed: absolute quantity_updates", [ACME, STANDARD],
         [ACME, with_spec(STANDARD, subscriptions=[subscription(quantity=8)])]),
    Case("pool_quantity_absolute", "quantity changed on a pool's subscription", [ACME, POOL],
         [ACME, with_spec(POOL, subscriptions=[subscription(quantity=3)])]),
    # -- contract fields -----------------------------------------------------------------------------------------
    Case("name_end_date_net_terms", "name / end date / net terms",
         [ACME, with_spec(STANDARD, ending_before="2027-01-01T00:00:00Z", net_payment_terms_days=30)],
         [ACME, with_spec(STANDARD, name="Acme standard (renamed)", ending_before="2027-07-01T00:00:00Z",
                          net_payment_terms_days=45)]),
    Case("end_date_earlier_not_allowed", "ending a contract early without an allow: shown, not allowed",
         [ACME, STANDARD], [ACME, with_spec(STANDARD, ending_before="2026-06-01T00:00:00Z")],
         expect=["NOT ALLOWED"]),
    # -- overrides ------------------------------------------------------------------------------------------------
    Case("override_added", "override added: add_overrides", [ACME, POOL],
         [ACME, with_spec(POOL, overrides=[entitlement(), discount(0.8)])]),
    Case("override_replaced", "override changed: remove_overrides + add_overrides in one edit",
         [ACME, with_spec(POOL, overrides=[entitlement(), discount(0.8)])],
         [ACME, with_spec(POOL, overrides=[entitlement(), discount(0.7)])],
         expect=["remove_overrides", "add_overrides", "(replaced)"]),
    Case("override_removed_not_allowed", "override removed without an allow: shown, not allowed",
         [ACME, with_spec(POOL, overrides=[entitlement(), discount(0.8)])], [ACME, POOL], expect=["NOT ALLOWED"]),
    # -- ending ----------------------------------------------------------------------------------------------------
    Case("end_subscription_not_allowed", "ending a subscription without an allow: shown, not allowed",
         [ACME, with_spec(STANDARD, subscriptions=[subscription(), TEAM])], [ACME, STANDARD],
         expect=["NOT ALLOWED"]),
    Case("end_subscription_allowed", "ending a subscription with allow_destructive",
         [ACME, with_spec(STANDARD, subscriptions=[subscription(), TEAM])],
         [ACME, with_spec(STANDARD, allow_destructive=True)], expect=["[DESTRUCTIVE]"]),
    Case("end_subscription_with_cli_allow", "ending a subscription with --allow-destructive ADDRESS",
         [ACME, with_spec(STANDARD, subscriptions=[subscription(), TEAM])], [ACME, STANDARD],
         allow=("contract.acme/std",), expect=["[DESTRUCTIVE]"]),
    Case("end_recurring_credit_not_allowed", "ending a recurring credit without an allow",
         [ACME, POOL], [ACME, with_spec(POOL, recurring_credits=[])], expect=["NOT ALLOWED"]),
    Case("end_recurring_credit_allowed", "ending a recurring credit with allow_destructive (explicit end date)",
         [ACME, POOL], [ACME, with_spec(POOL, allow_destructive=True, recurring_credits=[
             pooled_credit(ending_before="2026-07-01T00:00:00Z")])]),
    # -- what the API cannot change --------------------------------------------------------------------------
    Case("immutable_rate_card", "rate card cannot change", [ACME, STANDARD],
         [ACME, with_spec(STANDARD, rate_card="Seats 2025")], expect=["rate_card", "new contract"]),
    Case("immutable_contract_start", "contract start cannot change", [ACME, STANDARD],
         [ACME, with_spec(STANDARD, starting_at="2026-02-01T00:00:00Z")], expect=["starting_at", "new contract"]),
    Case("immutable_subscription_collection_schedule", "subscription collection schedule cannot change",
         [ACME, STANDARD], [ACME, with_spec(STANDARD, subscriptions=[subscription(collection_schedule="ARREARS")])],
         expect=["collection_schedule", "add a new subscription"]),
    Case("immutable_subscription_proration", "subscription proration cannot change",
         [ACME, STANDARD], [ACME, with_spec(STANDARD, subscriptions=[subscription(
             proration={"is_prorated": False, "invoice_behavior": "BILL_IMMEDIATELY"})])],
         expect=["proration"]),
    Case("immutable_subscription_product", "subscription product cannot change", [ACME, STANDARD],
         [ACME, with_spec(STANDARD, subscriptions=[subscription(product="Team Plan")])],
         expect=["subscriptions[pro].product cannot change", "new key"]),
    Case("immutable_subscription_billing_frequency", "subscription billing frequency cannot change",
         [ACME, STANDARD], [ACME, with_spec(STANDARD, subscriptions=[subscription(billing_frequency="ANNUAL")])],
         expect=["subscriptions[pro].billing_frequency cannot change"]),
    Case("end_subscription_by_end_date_not_allowed", "a subscription's ending_before without an allow",
         [ACME, STANDARD], [ACME, with_spec(STANDARD, subscriptions=[subscription(
             ending_before="2026-09-01T00:00:00Z")])], expect=["NOT ALLOWED"]),
    Case("immutable_recurring_priority", "recurring item priority cannot change", [ACME, POOL],
         [ACME, with_spec(POOL, recurring_credits=[pooled_credit(priority=2)])], expect=["priority", "end this one"]),
    Case("immutable_recurring_product", "recurring item product cannot change", [ACME, POOL],
         [ACME, with_spec(POOL, recurring_credits=[pooled_credit(product="Per-seat Commit")])],
         expect=["recurring_credits[pool].product cannot change", "new key"]),
    Case("replace_recurring_credit_from_its_end", "the way out: end a recurring credit and add another from then",
         [ACME, POOL], [ACME, with_spec(POOL, allow_destructive=True, recurring_credits=[
             pooled_credit(ending_before="2026-07-01T00:00:00Z"),
             pooled_credit("pool-2027", product="Per-seat Commit", starting_at="2026-07-01T00:00:00Z")])]),
    Case("immutable_seat_group_key", "seat group key cannot change", [GLOBEX, INDIVIDUAL],
         [GLOBEX, with_spec(INDIVIDUAL, subscriptions=[seat_subscription(SEATS, custom_fields={"plan_tier": "pro"},
                                                                         seat_config={"seat_group_key": "user",
                                                                                      "seat_ids": SEATS})])],
         expect=["seat_group_key"]),
    # -- identity ---------------------------------------------------------------------------------------------------
    Case("ambiguous_subscription", "two live candidates: an error naming both", [ACME, STANDARD], [ACME, STANDARD],
         oob=add_duplicate_subscription, expect=["matches several live items", "pin one with id:"]),
    # -- ordering ---------------------------------------------------------------------------------------------------
    Case("customers_before_contracts", "customers before contracts, order as data", [ACME],
         [INITECH, with_spec(contract("std", "initech"), subscriptions=[subscription()]),
          customer("acme", "Acme Corp (renamed)"),
          with_spec(STANDARD, name="acme std")]),
]


def test_case_names_are_unique():
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_golden(case: Case, tmp_path):
    outcome = run(tmp_path, case.before, case.after, case.oob, case.allow)
    texts = golden_texts(outcome)
    shown = "\n".join(texts.values())
    for needle in case.expect:
        assert needle in shown, f"{case.row}: {needle!r} not in the plan"
    check_golden(case.name, texts)
    for op in outcome.plan.operations if outcome.plan else []:
        assert validate_body(op.request.path, op.request.body) == [], op.id
    if outcome.converged is not None:
        assert outcome.converged.operations == [], render(outcome.converged, "text")


def test_order_is_account_set_up_then_each_customer_before_its_contracts(tmp_path):
    case = next(c for c in CASES if c.name == "customers_before_contracts")
    ops = run(tmp_path, case.before, case.after, converge=False).plan.operations
    assert [(op.kind, op.address, op.action) for op in ops] == [
        ("custom_field_key", "custom_field_key.contract.reconciler_manifest_sha", "create"),
        ("customer", "customer.acme", "update"),
        ("contract", "contract.acme/std", "create"),
        ("customer", "customer.initech", "create"),
        ("contract", "contract.initech/std", "create"),
    ]
    assert ops[4].request.body["customer_id"] == "${customer.initech.id}" and ops[3].creates == "customer.initech"


def test_a_contracts_edit_and_side_calls_keep_their_planned_order(tmp_path):
    case = next(c for c in CASES if c.name == "seats_over_500_in_batches")
    ops = run(tmp_path, case.before, case.after, converge=False).plan.operations
    assert [op.request.path for op in ops] == ["/v2/contracts/edit"] * 3 + ["/v1/customFields/setValues"]
    assert [op.id for op in ops] == [f"contract.globex/seats#{n}" for n in (1, 2, 3, 4)]
