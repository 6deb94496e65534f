"""Fixtures of the plan-file tests: a plan with one of everything the file must carry: a placeholder, seats, a destructive end, drift, unicode."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from reconciler.plan.model import Change, Drift, Operation, Plan, Request, Risk, Warning_

UTC = dt.timezone.utc
TARGET = "https://api.metronome.com"


def build_plan(*, created_at: dt.datetime | None = None, target: str = TARGET, quantity: int = 5) -> Plan:
    customer = Operation(
        id="customer.zürich#1", address="customer.zürich", kind="customer", action="create",
        summary='create customer "Zürich AG"', reason="not in Metronome", creates="customer.zürich",
        request=Request(method="POST", path="/v1/customers", body={"name": "Zürich AG", "ingest_aliases": ["zh"]}),
        changes=[Change(path="name", action="create", after="Zürich AG")],
    )
    edit = Operation(
        id="contract.zürich/pro#1", address="contract.zürich/pro", kind="contract", action="update",
        summary="add seat carol@zh.ch; quantity to 5", reason="seats differ", risk=Risk.BILLING,
        fingerprint="sha256:" + "ab" * 32, live_id="c-1", customer_id="${customer.zürich.id}",
        uniqueness_key="reconciler:edit:1",
        request=Request(method="POST", path="/v2/contracts/edit", body={
            "customer_id": "${customer.zürich.id}", "contract_id": "c-1", "uniqueness_key": "reconciler:edit:1",
            "update_subscriptions": [{"subscription_id": "s-1",
                                      "seat_updates": {"add_seat_ids": [{"seat_ids": ["carol@zh.ch"],
                                                                         "starting_at": "2026-12-01T00:00:00Z"}]},
                                      "quantity_updates": [{"quantity": quantity,
                                                            "starting_at": "2026-12-01T00:00:00Z"}]}],
        }),
        changes=[Change(path="subscriptions[pro].seats", action="update", before=["a@zh.ch"],
                        after=["a@zh.ch", "carol@zh.ch"]),
                 Change(path="subscriptions[pro].quantity", action="update", before=2, after=quantity)],
    )
    end = Operation(
        id="contract.zürich/old#1", address="contract.zürich/old", kind="contract", action="end",
        summary="end contract on 2027-01-01", reason="allowed", destructive=True, risk=Risk.DESTRUCTIVE,
        fingerprint="sha256:" + "cd" * 32, live_id="c-2", customer_id="cust-1", uniqueness_key="reconciler:edit:2",
        request=Request(method="POST", path="/v2/contracts/edit", body={
            "customer_id": "cust-1", "contract_id": "c-2", "update_contract_end_date": "2027-01-01T00:00:00Z"}),
        changes=[Change(path="ending_before", action="end", before=None, after="2027-01-01T00:00:00Z")],
    )
    return Plan(
        created_at=created_at or dt.datetime(2026, 12, 1, 9, 30, 12, 345678, tzinfo=UTC),
        now=dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC), target=target,
        operations=[customer, edit, end],
        drift=[Drift(address="contract.zürich/pro", path="subscriptions[pro].quantity", before=2, after=3,
                     message="changed in Metronome")],
        warnings=[Warning_(address="contract.zürich/pro", message="a warning")],
        unmanaged=["contract.zürich/trial"], managed=["customer.zürich", "contract.zürich/pro"],
    )



@pytest.fixture
def plan() -> Plan:
    return build_plan()


@pytest.fixture(name="build_plan")
def build_plan_fixture() -> Callable[..., Plan]:
    return build_plan
