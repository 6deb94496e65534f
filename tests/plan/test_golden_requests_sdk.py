"""Every request body in every golden plan validates against the official ``metronome-sdk`` typed params of its
path (no unknown key at any depth, required keys present, enums respected)."""

from __future__ import annotations

import json

import pytest

from plan.plan_harness import GOLDEN_DIR
from sdk_oracle import validate_body

GOLDEN_PLANS = sorted(GOLDEN_DIR.glob("*.ops.json"))
REQUESTS = [(path.name, i, op["request"]) for path in GOLDEN_PLANS
            for i, op in enumerate(json.loads(path.read_text()))]


def test_the_goldens_cover_every_endpoint_the_planner_writes():
    assert len(GOLDEN_PLANS) >= 25
    paths = {request["path"] for _, _, request in REQUESTS}
    assert {"/v1/customers", "/v1/contracts/create", "/v2/contracts/edit", "/v1/customFields/addKey",
            "/v1/customFields/setValues"} <= paths
    sections = {key for _, _, r in REQUESTS if r["path"] == "/v2/contracts/edit" for key in r["body"]}
    assert {"add_recurring_credits", "add_recurring_commits", "add_subscriptions", "update_subscriptions",
            "update_contract_name", "update_contract_end_date", "update_net_payment_terms_days",
            "remove_overrides", "add_overrides", "update_recurring_credits"} <= sections


@pytest.mark.parametrize("name, index, request_", REQUESTS, ids=[f"{n}#{i + 1}" for n, i, _ in REQUESTS])
def test_request_body_validates_against_the_sdk(name, index, request_):
    assert request_["method"] == "POST"
    assert validate_body(request_["path"], request_["body"]) == []


def test_the_oracle_rejects_an_unknown_key():
    """The oracle itself can fail: a misspelt edit section is reported."""
    _, _, request_ = next(r for r in REQUESTS if r[2]["path"] == "/v2/contracts/edit")
    body = {**request_["body"], "update_subscription": []}
    assert any("update_subscription: unknown key" in p for p in validate_body(request_["path"], body))
