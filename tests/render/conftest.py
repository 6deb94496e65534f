"""Fixtures of the renderer tests: hand-built sample plans (the planner is not involved) and golden files.

``UPDATE_GOLDEN=1 pytest tests/render`` rewrites the golden files; review the diff before committing it.
The samples live here rather than in a helper module because the suite runs in importlib import mode.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.plan.model import Change, Drift, Operation, Plan, Request, Risk, Warning_

GOLDEN_DIR = Path(__file__).parent / "golden"

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
CREATED = dt.datetime(2026, 12, 1, 9, 30, 12, tzinfo=UTC)
TARGET = "https://api.metronome.com"
FP_PRO = "sha256:" + "a1" * 32
FP_LEGACY = "sha256:" + "b2" * 32
CUSTOMER_ID = "5b1c2a9e-8f57-4c55-9d8f-0c0f3d2b7a10"
PRO_ID = "0e6e7b8d-2f6a-4a4e-9c4b-6f1d2c3b4a50"
LEGACY_ID = "77f0e1d2-c3b4-4a59-8687-9a0b1c2d3e4f"
SUB_ID = "c0ffee00-1111-4222-8333-444455556666"


def make_plan(**fields) -> Plan:
    return Plan(created_at=CREATED, now=NOW, target=TARGET, **fields)


def create_each_kind() -> Plan:
    """A custom field key, a customer, and a contract for that customer (linked by placeholder)."""
    key = Operation(
        id="custom_field_key.customer/reconciler_key#1", address="custom_field_key.customer/reconciler_key",
        kind="custom_field_key", action="create", summary="register custom field key reconciler_key on customers",
        reason="customers are identified by a uniqueness-enforced custom field",
        request=Request(method="POST", path="/v1/customFields/addKey",
                        body={"entity": "customer", "key": "reconciler_key", "enforce_uniqueness": True}),
        changes=[Change(path="enforce_uniqueness", action="create", after=True)],
    )
    customer = Operation(
        id="customer.acme#1", address="customer.acme", kind="customer", action="create",
        summary='create customer "Acme Corp" (ingest alias acme)', reason="customer.acme is not in Metronome",
        uniqueness_key=None, creates="customer.acme",
        request=Request(method="POST", path="/v1/customers",
                        body={"name": "Acme Corp", "ingest_aliases": ["acme"],
                              "custom_fields": {"reconciler_key": "acme"}}),
        changes=[Change(path="name", action="create", after="Acme Corp"),
                 Change(path="ingest_aliases", action="create", after=["acme"])],
    )
    contract = Operation(
        id="contract.acme/pro#1", address="contract.acme/pro", kind="contract", action="create",
        summary="create contract acme/pro: 2 seats of Pro (monthly, advance) with pooled credit $50/seat",
        reason="contract.acme/pro is not in Metronome", risk=Risk.BILLING,
        customer_id="${customer.acme.id}", uniqueness_key="reconciler:contract.acme/pro",
        request=Request(method="POST", path="/v1/contracts/create", body={
            "customer_id": "${customer.acme.id}", "name": "Pro", "rate_card_id": "rc-1",
            "starting_at": "2026-12-01T00:00:00Z", "uniqueness_key": "reconciler:contract.acme/pro",
            "subscriptions": [{
                "temporary_id": "pro", "collection_schedule": "ADVANCE",
                "proration": {"is_prorated": True, "invoice_behavior": "BILL_IMMEDIATELY"},
                "subscription_rate": {"product_id": "prod-seat", "billing_frequency": "MONTHLY"},
                "quantity_management_mode": "SEAT_BASED",
                "seat_config": {"seat_group_key": "user_email",
                                "initial_seat_ids": ["alice@acme.com", "bob@acme.com"]},
            }],
            "recurring_credits": [{
                "product_id": "prod-credit", "priority": 1, "starting_at": "2026-12-01T00:00:00Z",
                "access_amount": {"unit_price": 5000, "credit_type_id": "usd-cents"},
                "commit_duration": {"value": 1, "unit": "PERIODS"},
                "subscription_config": {"subscription_id": "pro", "allocation": "POOLED",
                                        "apply_seat_increase_config": {"is_prorated": True}},
            }],
        }),
        changes=[
            Change(path="name", action="create", after="Pro"),
            Change(path="subscriptions[pro].seats", action="create", after=["alice@acme.com", "bob@acme.com"]),
            Change(path="recurring_credits[pooled].access_amount.unit_price", action="create", after=5000),
        ],
    )
    return make_plan(operations=[key, customer, contract], managed=["customer.acme", "contract.acme/pro"])


def seat_edit() -> Plan:
    """Three seats in, one out, quantity follows; a rename in the same edit call."""
    edit = Operation(
        id="contract.acme/pro#1", address="contract.acme/pro", kind="contract", action="update",
        summary="add seats carol@acme.com, dan@acme.com, erin@acme.com and remove bob@acme.com from 2026-12-01",
        reason="subscriptions[pro].seats differ from the manifest", risk=Risk.BILLING,
        fingerprint=FP_PRO, live_id=PRO_ID, customer_id=CUSTOMER_ID,
        uniqueness_key="reconciler:edit:contract.acme/pro:3f9a",
        request=Request(method="POST", path="/v2/contracts/edit", body={
            "customer_id": CUSTOMER_ID, "contract_id": PRO_ID, "uniqueness_key": "reconciler:edit:contract.acme/pro:3f9a",
            "update_contract_name": "Pro (2027)",
            "update_subscriptions": [{"subscription_id": SUB_ID, "seat_updates": {
                "add_seat_ids": [{"seat_ids": ["carol@acme.com", "dan@acme.com", "erin@acme.com"],
                                  "starting_at": "2026-12-01T00:00:00Z"}],
                "remove_seat_ids": [{"seat_ids": ["bob@acme.com"], "starting_at": "2026-12-01T00:00:00Z"}],
            }}],
        }),
        changes=[
            Change(path="name", action="update", before="Pro", after="Pro (2027)"),
            Change(path="subscriptions[pro].seats", action="update",
                   before=["alice@acme.com", "bob@acme.com"],
                   after=["alice@acme.com", "carol@acme.com", "dan@acme.com", "erin@acme.com"]),
            Change(path="subscriptions[pro].quantity", action="update", before=2, after=4),
        ],
    )
    return make_plan(operations=[edit], managed=["customer.acme", "contract.acme/pro"])


def destructive_end() -> Plan:
    """Ending a live contract (allowed on the command line) next to a safe quantity change."""
    quantity = Operation(
        id="contract.acme/pro#1", address="contract.acme/pro", kind="contract", action="update",
        summary="set quantity of subscription platform to 5 from 2026-12-01T09:00:00Z",
        reason="subscriptions[platform].quantity differs from the manifest", risk=Risk.BILLING,
        fingerprint=FP_PRO, live_id=PRO_ID, customer_id=CUSTOMER_ID, uniqueness_key="reconciler:edit:pro:77",
        request=Request(method="POST", path="/v2/contracts/edit", body={
            "customer_id": CUSTOMER_ID, "contract_id": PRO_ID, "uniqueness_key": "reconciler:edit:pro:77",
            "update_subscriptions": [{"subscription_id": SUB_ID, "quantity_updates": [
                {"quantity": 5, "starting_at": "2026-12-01T09:00:00Z"}]}],
        }),
        changes=[Change(path="subscriptions[platform].quantity", action="update", before=2, after=5)],
    )
    end = Operation(
        id="contract.acme/legacy#1", address="contract.acme/legacy", kind="contract", action="end",
        summary="end contract acme/legacy on 2027-01-01 (all subscriptions and credits stop)",
        reason="the manifest sets ending_before and --allow-destructive contract.acme/legacy was given",
        destructive=True, risk=Risk.DESTRUCTIVE, fingerprint=FP_LEGACY, live_id=LEGACY_ID,
        customer_id=CUSTOMER_ID, uniqueness_key="reconciler:edit:legacy:12",
        request=Request(method="POST", path="/v2/contracts/edit", body={
            "customer_id": CUSTOMER_ID, "contract_id": LEGACY_ID, "uniqueness_key": "reconciler:edit:legacy:12",
            "update_contract_end_date": "2027-01-01T00:00:00Z",
        }),
        changes=[Change(path="ending_before", action="end", before=None, after="2027-01-01T00:00:00Z")],
    )
    return make_plan(operations=[quantity, end],
                     managed=["customer.acme", "contract.acme/legacy", "contract.acme/pro"])


def drift() -> Plan:
    """Someone raised a quantity and swapped an override in the Metronome UI; the plan puts them back."""
    revert = Operation(
        id="contract.globex/main#1", address="contract.globex/main", kind="contract", action="update",
        summary="set quantity of subscription api to 10 from 2026-12-01T09:00:00Z",
        reason="drift: subscriptions[api].quantity is 12 in Metronome, 10 in the manifest", risk=Risk.BILLING,
        fingerprint=FP_PRO, live_id=PRO_ID, customer_id=CUSTOMER_ID, uniqueness_key="reconciler:edit:main:1",
        request=Request(method="POST", path="/v2/contracts/edit", body={
            "customer_id": CUSTOMER_ID, "contract_id": PRO_ID, "uniqueness_key": "reconciler:edit:main:1",
            "update_subscriptions": [{"subscription_id": SUB_ID, "quantity_updates": [
                {"quantity": 10, "starting_at": "2026-12-01T09:00:00Z"}]}],
        }),
        changes=[Change(path="subscriptions[api].quantity", action="update", before=12, after=10)],
    )
    override = Operation(
        id="contract.globex/main#2", address="contract.globex/main", kind="contract", action="replace",
        summary="replace override discount-api (multiplier 0.8 -> 0.9)",
        reason="drift: overrides[discount-api].multiplier is 0.8 in Metronome", risk=Risk.BILLING,
        fingerprint=FP_PRO, live_id=PRO_ID, customer_id=CUSTOMER_ID, uniqueness_key="reconciler:edit:main:2",
        request=Request(method="POST", path="/v2/contracts/edit", body={
            "customer_id": CUSTOMER_ID, "contract_id": PRO_ID, "uniqueness_key": "reconciler:edit:main:2",
            "remove_overrides": [{"id": "ovr-1"}],
            "add_overrides": [{"product_id": "prod-api", "type": "MULTIPLIER", "multiplier": 0.9,
                               "starting_at": "2026-12-01T09:00:00Z"}],
        }),
        changes=[Change(path="overrides[discount-api].multiplier", action="replace", before=0.8, after=0.9)],
    )
    return make_plan(
        operations=[revert, override],
        drift=[
            Drift(address="contract.globex/main", path="subscriptions[api].quantity", before=10, after=12,
                  message="quantity changed in Metronome since the last apply"),
            Drift(address="contract.globex/main", path="overrides[discount-api].multiplier", before=0.9, after=0.8,
                  message="override replaced in Metronome"),
        ],
        warnings=[Warning_(address="contract.globex/main",
                           message="the override change reprices usage from 2026-12-01T09:00:00Z onward")],
        unmanaged=["contract.globex/trial-2025", "customer.initech"],
        managed=["customer.globex", "contract.globex/main"],
    )


def no_changes() -> Plan:
    return make_plan(managed=["customer.acme", "contract.acme/pro"])


SAMPLES = {
    "create_each_kind": create_each_kind,
    "seat_edit": seat_edit,
    "destructive_end": destructive_end,
    "drift": drift,
    "no_changes": no_changes,
}


@pytest.fixture(params=sorted(SAMPLES))
def sample(request) -> tuple[str, Plan]:
    """Each sample plan in turn, with its name."""
    return request.param, SAMPLES[request.param]()


@pytest.fixture
def samples() -> dict[str, Callable[[], Plan]]:
    return SAMPLES


@pytest.fixture
def plan_with() -> Callable[..., Plan]:
    """A plan with the samples' times and target and the given fields."""
    return make_plan


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 and review it"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{name} differs from its golden file; if intended, rerun with UPDATE_GOLDEN=1"

    return check
