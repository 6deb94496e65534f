"""The pure live -> manifest conversion: names and pins, catalog references, what is skipped silently (generated
and archived grants) and what is reported by field."""

from __future__ import annotations

import datetime as dt
import random

import yaml

from reconciler.importer.convert import convert_customers
from reconciler.importer.names import contract_names, customer_keys, slug
from reconciler.importer.write import render_file, scalar
from reconciler.live.model import Catalog, LiveContract, LiveCustomer
from reconciler.manifest.yaml_marks import parse_documents

NOW = dt.datetime(2026, 3, 15, 10, 30, tzinfo=dt.timezone.utc)
PRO, FIXED, DUP1, DUP2 = (f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 5))
USD, RATE_CARD = "00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-0000000000b1"
CUSTOMER, CONTRACT, SUB = "c0000000-0000-4000-8000-000000000001", "d0000000-0000-4000-8000-000000000001", \
    "e0000000-0000-4000-8000-000000000001"

CATALOG = Catalog(
    products=[{"id": PRO, "type": "SUBSCRIPTION", "current": {"name": "Pro Plan"}},
              {"id": FIXED, "type": "FIXED", "current": {"name": "Credits"}},
              {"id": DUP1, "type": "USAGE", "current": {"name": "Calls"}},
              {"id": DUP2, "type": "USAGE", "current": {"name": "Calls"}}],
    rate_cards=[{"id": RATE_CARD, "name": "Standard"}],
    credit_types=[{"id": USD, "name": "USD (cents)", "is_currency": True}])


def ref(id_: str, name: str) -> dict:
    return {"id": id_, "name": name}


def grant(id_: str, **extra) -> dict:
    return {"id": id_, "type": "PREPAID", "product": ref(FIXED, "Credits"), "created_at": "2025-01-01T00:00:00Z",
            "access_schedule": {"credit_type": ref(USD, "USD (cents)"), "schedule_items": [
                {"id": "x", "amount": 100.0, "starting_at": "2025-01-01T00:00:00.000Z",
                 "ending_before": "2026-01-01T00:00:00.000Z"}]}, **extra}


def contract(**extra) -> dict:
    return {
        "id": CONTRACT, "customer_id": CUSTOMER, "starting_at": "2025-01-01T00:00:00.000Z", "name": "Main deal",
        "rate_card_id": RATE_CARD, "created_at": "2025-01-01T00:00:00Z", "created_by": "ui",
        "usage_statement_schedule": {"frequency": "MONTHLY", "billing_anchor_date": "2025-01-01T00:00:00.000Z"},
        "transitions": [], "usage_filter": [], "scheduled_charges": [], "overrides": [],
        "subscriptions": [{
            "id": SUB, "subscription_rate": {"billing_frequency": "ANNUAL", "product": ref(PRO, "Pro Plan")},
            "collection_schedule": "ADVANCE", "proration": {"is_prorated": True},
            "quantity_management_mode": "QUANTITY_ONLY", "starting_at": "2025-01-01T00:00:00.000Z",
            "quantity_schedule": [{"starting_at": "2025-01-01T00:00:00.000Z", "ending_before":
                                   "2026-04-01T00:00:00.000Z", "quantity": 2.0},
                                  {"starting_at": "2026-04-01T00:00:00.000Z", "quantity": 5.0}],
            "billing_periods": {}, "created_at": "2025-01-01T00:00:00Z"}],
        "commits": [grant("g1", name="Kept"),
                    grant("g2", recurring_commit_id="r1"),  # generated: not a manifest item
                    grant("g3", archived_at="2025-06-01T00:00:00Z")],
        **extra}


def customer(aliases=("acme",), name="Acme", contracts=None, id_=CUSTOMER) -> LiveCustomer:
    return LiveCustomer(customer={"id": id_, "name": name, "ingest_aliases": list(aliases), "custom_fields": {}},
                        contracts=[LiveContract(c) for c in contracts or [contract()]])


def convert(*customers: LiveCustomer):
    return convert_customers(CATALOG, list(customers), NOW)


def spec_of(file, index=1) -> dict:
    return file.documents[index].body["spec"]


# -- names and pins ------------------------------------------------------------------------------------------

def test_slugs_are_valid_names():
    assert slug("Acme Pro (annual)") == "acme-pro-annual"
    assert slug("  ---  ") == "item"
    assert len(slug("x" * 200)) == 63


def test_customer_key_is_the_first_valid_alias_else_a_unique_slug():
    keys = customer_keys([
        {"id": "1", "name": "Acme", "ingest_aliases": ["ACME-1", "acme"]},
        {"id": "2", "name": "Acme", "ingest_aliases": []},
        {"id": "3", "name": "Acme", "ingest_aliases": ["Bad Alias"]},
    ])
    assert keys == {"1": "acme", "2": "acme-2", "3": "acme-3"}


def test_contract_names_come_from_our_uniqueness_key_else_slug_and_pin():
    names = contract_names([
        {"id": "a", "name": "Pro", "uniqueness_key": "reconciler:acme/pro", "starting_at": "2025"},
        {"id": "b", "name": "Pro", "uniqueness_key": "sf-opportunity-9", "starting_at": "2025"},
        {"id": "c", "name": "Pro", "uniqueness_key": "reconciler:other/pro", "starting_at": "2026"},
        {"id": "d", "name": None, "starting_at": "2027"},
    ], "acme")
    assert names == {"a": ("pro", False), "b": ("pro-2", True), "c": ("pro-3", True), "d": ("contract", True)}


def test_slug_customer_key_is_pinned_and_noted():
    [file] = convert(customer(aliases=("Not A Name",), name="Initech Ltd"))
    assert file.key == "initech-ltd"
    assert file.documents[0].body["spec"]["id"] == CUSTOMER
    assert file.documents[0].body["spec"]["ingest_aliases"] == ["Not A Name"]
    assert file.notes == ["customer.initech-ltd: no ingest alias is a valid manifest name; the next plan adds "
                          "'initech-ltd' as one"]


def test_contract_without_our_key_is_pinned_and_items_always_pinned():
    [file] = convert(customer())
    spec = spec_of(file)
    assert file.documents[1].body["metadata"]["name"] == "main-deal"
    assert spec["id"] == CONTRACT
    assert spec["subscriptions"][0]["id"] == SUB
    assert spec["commits"][0]["id"] == "g1"


# -- content -----------------------------------------------------------------------------------------------

def test_generated_and_archived_grants_are_left_out_silently():
    [file] = convert(customer())
    assert [c["key"] for c in spec_of(file)["commits"]] == ["kept"]
    assert not [s for s in file.skipped if s.path.startswith("commits")]


def test_catalog_references_by_unique_name_else_id():
    overrides = [{"id": "o1", "starting_at": "2025-01-01T00:00:00Z", "type": "MULTIPLIER", "multiplier": 0.5,
                  "product": ref(DUP1, "Calls")}]
    [file] = convert(customer(contracts=[contract(overrides=overrides)]))
    spec = spec_of(file)
    assert spec["rate_card"] == "Standard"
    assert spec["subscriptions"][0]["product"] == "Pro Plan"
    assert spec["overrides"] == [{"key": "calls-multiplier", "starting_at": "2025-01-01T00:00:00Z",
                                  "type": "MULTIPLIER", "product": DUP1, "multiplier": 0.5}]


def test_quantity_is_the_one_in_effect_now_and_later_changes_are_reported():
    [file] = convert(customer())
    assert spec_of(file)["subscriptions"][0]["quantity"] == 2
    [later] = [s for s in file.skipped if "quantity_schedule" in s.path]
    assert later.path == "subscriptions[pro-plan].quantity_schedule"
    assert "quantity 5 from 2026-04-01T00:00:00Z" in later.detail


def test_unsupported_fields_are_reported_by_field():
    live = contract(
        scheduled_charges=[{"id": "s1", "name": "Setup fee", "product": ref(FIXED, "Credits")}],
        discounts=[{"id": "d1"}, {"id": "d2"}],
        usage_filter=[{"group_key": "region", "group_values": ["eu"]}],
        usage_statement_schedule={"frequency": "QUARTERLY", "billing_anchor_date": "2025-01-01T00:00:00Z"},
        spend_threshold_configuration={"is_enabled": True},
        hierarchy_configuration={"parent": {"contract_id": "p"}},
        netsuite_sales_order_id="SO-1",
        recurring_credits=[{"id": "rc", "product": ref(FIXED, "Credits"), "priority": 1,
                            "access_amount": {"unit_price": 1, "quantity": 1, "credit_type_id": USD,
                                              "access_type": "QUANTITY"},
                            "commit_duration": {"value": 1}, "starting_at": "2025-01-01T00:00:00Z",
                            "specifiers": [{"product_id": FIXED, "exclude": True}]}])
    live["subscriptions"][0]["payment_gate_config"] = {"payment_gate_type": "STRIPE"}
    [file] = convert(customer(contracts=[live]))
    paths = {s.path for s in file.skipped}
    assert {"scheduled_charges[0]", "discounts[0]", "discounts[1]", "usage_filter[0]", "usage_statement_schedule",
            "spend_threshold_configuration", "hierarchy_configuration", "netsuite_sales_order_id",
            "subscriptions[pro-plan].payment_gate_config", "recurring_credits[credits].access_amount.access_type",
            "recurring_credits[credits].specifiers[0].exclude"} <= paths
    assert all(s.address == "contract.acme/main-deal" for s in file.skipped)
    text = render_file(file)
    assert "# not imported: scheduled_charges[0] (Setup fee)" in text
    assert "# not imported: recurring_credits[credits].specifiers[0].exclude (True)" in text


def test_customer_fields_are_reported_too():
    live = customer()
    live.customer["customer_config"] = {"salesforce_account_id": "0015g00000"}
    live.billing_provider_configurations = [{"id": "b", "billing_provider": "stripe", "delivery_method":
                                             "direct_to_billing_provider", "configuration": {"k": "v"},
                                             "tax_provider": "anrok"}]
    [file] = convert(live)
    customer_paths = {s.path for s in file.skipped if s.address == "customer.acme"}
    assert customer_paths == {"customer_config.salesforce_account_id", "billing_provider_configurations[0].tax_provider"}


# -- output ------------------------------------------------------------------------------------------------

def test_output_does_not_depend_on_the_api_order():
    base = contract(credits=[grant(f"cr{i}", type="CREDIT", name=f"Credit {i % 2}") for i in range(4)])
    shuffled = contract(credits=list(reversed(base["credits"])))
    random.Random(1).shuffle(shuffled["commits"])
    one = render_file(convert(customer(contracts=[base]))[0])
    two = render_file(convert(customer(contracts=[shuffled]))[0])
    assert one == two
    credits = list(yaml.safe_load_all(one))[1]["spec"]["credits"]
    assert [(c["id"], c["key"]) for c in credits] == [("cr0", "credit-0"), ("cr1", "credit-1"),
                                                      ("cr2", "credit-0-2"), ("cr3", "credit-1-2")]


def test_scalars_read_back_unchanged_under_both_yaml_dialects():
    samples = ["yes", "no", "on", "1:30", "0o17", "0x1F", "1_000", "2025-01-01", "- dash", "a: b", "#x", "",
               " padded ", "line\nbreak", 'quo"te', "back\\slash", "null", "~", "1e3", ".inf", "@at",
               "Acme Pro (annual)", "seat1@globex.com", "USD (cents)", "tab\there", "é ünïcode"]
    for text in samples:
        rendered = f"value: {scalar(text)}\n"
        assert yaml.safe_load(rendered) == {"value": text}, rendered
        [(document, _)] = [(d.data, d) for d in parse_documents(rendered, "x.yaml")[0]]
        assert document == {"value": text}, rendered
    for number in (0.5, 1e-05, 3.0, 1e20, -2.25):
        assert yaml.safe_load(f"v: {scalar(number)}")["v"] == number
