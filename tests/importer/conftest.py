"""Fixtures for the import tests: an emulator account filled directly through the API (as an account that never
used reconciler would be), and a CLI workspace on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.emulator import Emulator

PRO = "ed518bcb-acc1-4cd8-85dd-880c2eb38994"
POOLED_CREDITS = "652e1298-7638-45a8-b691-cdf47e46cbc8"
PER_SEAT_COMMIT = "35a467c7-fc24-46c2-884b-66af8d349674"
API_CALLS = "4e2a9c7d-1f3b-4d6e-8a5c-2b9f7e1d3c30"
USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
AI_CREDITS = "d3cb2827-dcb5-44af-9354-947a7197b9a6"
STANDARD_2025 = "740a2ca1-64f6-417d-807a-05f154b3b1fe"
SEATS_2025 = "79b2716d-530c-4ff9-86f8-3ee91f442b1b"

STRIPE = {"billing_provider": "stripe", "delivery_method": "direct_to_billing_provider"}
PRORATION = {"is_prorated": True, "invoice_behavior": "BILL_ON_NEXT_COLLECTION_DATE"}


def _customer(name: str, alias: str) -> dict:
    return {"name": name, "ingest_aliases": [alias], "customer_billing_provider_configurations": [
        {**STRIPE, "configuration": {"stripe_customer_id": f"cus_{alias}", "stripe_collection_method":
                                     "charge_automatically"}}]}


def _subscription(quantity: int | None = None, **extra) -> dict:
    body = {"temporary_id": "pro", "subscription_rate": {"product_id": PRO, "billing_frequency": "ANNUAL"},
            "collection_schedule": "ADVANCE", "proration": PRORATION, "name": "Pro Plan", **extra}
    if quantity is not None:
        body["initial_quantity"] = quantity
    return body


def _entitled(start: str) -> dict:
    return {"starting_at": start, "override_specifiers": [{"product_id": PRO, "billing_frequency": "ANNUAL"}],
            "entitled": True}


def northwind(customer_id: str) -> dict:
    """Standard subscription, two overrides, a prepaid commit with an invoice schedule, a credit, custom fields."""
    start = "2025-04-01T00:00:00Z"
    return {
        "customer_id": customer_id, "uniqueness_key": "reconciler:northwind/pro", "name": "Northwind Pro (annual)",
        "rate_card_id": STANDARD_2025, "starting_at": start, "net_payment_terms_days": 30,
        "billing_provider_configuration": STRIPE, "custom_fields": {"deal_id": "D-1042"},
        "subscriptions": [_subscription(2, custom_fields={"plan_tier": "pro"})],
        "overrides": [_entitled(start),
                      {"starting_at": start, "product_id": API_CALLS, "type": "MULTIPLIER", "multiplier": 0.8}],
        "commits": [{"product_id": POOLED_CREDITS, "type": "PREPAID", "name": "Prepaid usage", "priority": 10,
                     "access_schedule": {"credit_type_id": USD, "schedule_items": [
                         {"amount": 50000, "starting_at": start, "ending_before": "2026-04-01T00:00:00Z"}]},
                     "invoice_schedule": {"credit_type_id": USD, "schedule_items": [
                         {"timestamp": start, "amount": 50000}]}}],
        "credits": [{"product_id": POOLED_CREDITS, "name": "Goodwill credit", "access_schedule": {
            "credit_type_id": USD, "schedule_items": [
                {"amount": 2500, "starting_at": start, "ending_before": "2026-04-01T00:00:00Z"}]}}],
    }


def acme(customer_id: str) -> dict:
    """A POOLED credit pool: a quantity subscription and a recurring credit linked to it."""
    start = "2025-04-23T00:00:00Z"
    return {
        "customer_id": customer_id, "uniqueness_key": "reconciler:acme/pro", "name": "Acme Pro with pooled AI credits",
        "rate_card_id": STANDARD_2025, "starting_at": start, "billing_provider_configuration": STRIPE,
        "subscriptions": [_subscription(2)], "overrides": [_entitled(start)],
        "recurring_credits": [{
            "product_id": POOLED_CREDITS, "name": "Pooled AI credits", "priority": 1,
            "access_amount": {"unit_price": 100, "credit_type_id": AI_CREDITS}, "commit_duration": {"value": 1},
            "starting_at": "2025-06-01T00:00:00Z",
            "subscription_config": {"subscription_id": "pro", "allocation": "POOLED",
                                    "apply_seat_increase_config": {"is_prorated": True}}}],
    }


def globex(customer_id: str) -> dict:
    """SEAT_BASED seats with an INDIVIDUAL recurring commit per seat."""
    start = "2025-09-01T00:00:00Z"
    return {
        "customer_id": customer_id, "uniqueness_key": "reconciler:globex/pro",
        "name": "Globex Pro with individual seat credits", "rate_card_id": SEATS_2025, "starting_at": start,
        "subscriptions": [_subscription(quantity_management_mode="SEAT_BASED", seat_config={
            "seat_group_key": "seat_id", "initial_seat_ids": ["seat2@globex.com", "seat1@globex.com"],
            "initial_unassigned_seats": 1})],
        "recurring_commits": [{
            "product_id": PER_SEAT_COMMIT, "name": "Per-seat usage commit", "priority": 100,
            "access_amount": {"unit_price": 1000, "credit_type_id": USD},
            "invoice_amount": {"unit_price": 1000, "quantity": 1, "credit_type_id": USD},
            "commit_duration": {"value": 1, "unit": "PERIODS"}, "rollover_fraction": 0.5,
            "starting_at": start, "ending_before": "2026-09-01T00:00:00Z",
            "subscription_config": {"subscription_id": "pro", "allocation": "INDIVIDUAL",
                                    "apply_seat_increase_config": {"is_prorated": True}}}],
    }


def initech(customer_id: str) -> dict:
    """Made in the Metronome UI: no uniqueness_key, a scheduled charge the format cannot express."""
    start = "2025-01-01T00:00:00Z"
    return {
        "customer_id": customer_id, "name": "Initech 2025", "rate_card_id": STANDARD_2025, "starting_at": start,
        "ending_before": "2027-01-01T00:00:00Z",
        "subscriptions": [{**_subscription(5), "subscription_rate": {"product_id": PRO,
                                                                     "billing_frequency": "MONTHLY"}}],
        "overrides": [{"starting_at": start, "product_id": API_CALLS, "type": "OVERWRITE",
                       "overwrite_rate": {"rate_type": "FLAT", "price": 0.5}}],
        "scheduled_charges": [{"product_id": POOLED_CREDITS, "name": "Onboarding fee", "schedule": {
            "credit_type_id": USD, "schedule_items": [{"timestamp": "2025-02-01T00:00:00Z", "amount": 150000}]}}],
    }


def hooli(customer_id: str) -> dict:
    """The less common shapes: a POSTPAID commit with specifiers and a unit-priced invoice schedule, a recurring
    commit with its own quantity, a commit-specific override naming both, a TIERED override, an ended subscription,
    and contract settings the format cannot express (discounts, EXPLICIT prioritization, a quarterly statement)."""
    start = "2025-02-01T00:00:00Z"
    return {
        "customer_id": customer_id, "name": "Hooli platform", "rate_card_id": STANDARD_2025, "starting_at": start,
        "ending_before": "2027-02-01T00:00:00Z", "multiplier_override_prioritization": "EXPLICIT",
        "usage_statement_schedule": {"frequency": "QUARTERLY", "day": "CONTRACT_START"},
        "subscriptions": [_subscription(3, ending_before="2026-02-01T00:00:00Z", description="first year only")],
        "recurring_commits": [{
            "temporary_id": "monthly", "product_id": PER_SEAT_COMMIT, "priority": 5, "starting_at": start,
            "access_amount": {"unit_price": 500, "quantity": 2, "credit_type_id": USD},
            "invoice_amount": {"unit_price": 500, "quantity": 2, "credit_type_id": USD},
            "commit_duration": {"value": 2}, "recurrence_frequency": "QUARTERLY", "proration": "NONE",
            "applicable_product_ids": [API_CALLS], "rate_type": "LIST_RATE"}],
        "commits": [{"temporary_id": "postpaid", "product_id": POOLED_CREDITS, "type": "POSTPAID", "name": "Postpaid",
                     "access_schedule": {"credit_type_id": USD, "schedule_items": [
                         {"amount": 9000, "starting_at": start, "ending_before": "2026-02-01T00:00:00Z"}]},
                     "invoice_schedule": {"credit_type_id": USD, "schedule_items": [
                         {"timestamp": "2026-02-01T00:00:00Z", "unit_price": 3000, "quantity": 3}]},
                     "specifiers": [{"product_id": API_CALLS, "pricing_group_values": {"region": "eu"}}]}],
        "overrides": [
            {"starting_at": start, "type": "TIERED", "priority": 2, "product_id": API_CALLS,
             "tiers": [{"multiplier": 1, "size": 100}, {"multiplier": 0.5}]},
            {"starting_at": start, "ending_before": "2026-02-01T00:00:00Z", "type": "OVERWRITE",
             "is_commit_specific": True, "priority": 1, "override_specifiers": [
                 {"product_id": API_CALLS, "commit_ids": ["postpaid"], "recurring_commit_ids": ["monthly"]}],
             "overwrite_rate": {"rate_type": "FLAT", "price": 0.25, "credit_type_id": USD}}],
        "discounts": [{"product_id": POOLED_CREDITS, "name": "Launch discount",
                       "schedule": {"schedule_items": [{"timestamp": start, "amount": 10}]}}],
    }


CONTRACTS = {"northwind": ("Northwind Traders", northwind), "acme": ("Acme Corporation", acme),
             "globex": ("Globex Corporation", globex), "initech": ("Initech", initech),
             "hooli": ("Hooli", hooli)}


def build_account(db: Path) -> dict[str, str]:
    """Customers and contracts created straight through the API. Returns alias -> customer id."""
    async def run() -> dict[str, str]:
        with Emulator(db_path=db) as emu:
            async with emu.client() as client:
                async def post(path: str, body: dict) -> dict:
                    response = await client.post(path, json=body)
                    assert response.status_code < 300, (path, response.text)
                    return response.json() if response.content else {}

                await post("/v1/customFields/addKey", {"entity": "contract", "key": "deal_id",
                                                       "enforce_uniqueness": False})
                ids = {}
                for alias, (name, contract) in CONTRACTS.items():
                    ids[alias] = (await post("/v1/customers", _customer(name, alias)))["data"]["id"]
                    await post("/v1/contracts/create", contract(ids[alias]))
                return ids
    return asyncio.run(run())


class Workspace:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = path / ".reconciler" / "emulator.db"
        self.runner = CliRunner()

    def run(self, *args: str, ok: tuple[int, ...] = (0,)):
        result = self.runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code in ok, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def files(self, directory: str) -> dict[str, str]:
        return {p.name: p.read_text() for p in sorted((self.path / directory).glob("*.yaml"))}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECONCILER_ENDPOINT", "embedded")
    monkeypatch.delenv("RECONCILER_EMULATOR_DB", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    space = Workspace(tmp_path)
    space.db.parent.mkdir(parents=True)
    space.customer_ids = build_account(space.db)
    return space
