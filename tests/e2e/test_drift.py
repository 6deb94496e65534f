"""Drift: a change made in Metronome (out of band) is told apart from a change made in the manifests."""

from __future__ import annotations

import datetime as dt


def _globex_contract(workspace) -> dict:
    customers = workspace.api("GET", "/v1/customers?ingest_alias=globex")["data"]
    contracts = workspace.api("POST", "/v2/contracts/list", {"customer_id": customers[0]["id"]})["data"]
    return contracts[0]


def test_out_of_band_seat_change_is_drift_with_exit_code_2(workspace):
    workspace.converge()
    contract = _globex_contract(workspace)
    [subscription] = contract["subscriptions"]
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    workspace.api("POST", "/v2/contracts/edit", {
        "customer_id": contract["customer_id"], "contract_id": contract["id"],
        "update_subscriptions": [{"subscription_id": subscription["id"], "seat_updates": {
            "add_seat_ids": [{"seat_ids": ["intruder@globex.com"], "starting_at": now}]}}]})

    result = workspace.plan(ok=(2,))
    assert "Drift" in result.stdout and "contract.globex/pro" in result.stdout
    plan = workspace.plan_json()
    drift = [d for d in plan["drift"] if d["address"] == "contract.globex/pro"]
    assert drift and any("seat" in d["path"] for d in drift)
    assert "intruder@globex.com" in str(drift)

    refresh = workspace.run("drift", str(workspace.manifests), ok=(2,))
    assert "contract.globex/pro" in refresh.stdout

    workspace.converge()
    assert workspace.plan_json()["drift"] == []


def test_manifest_change_is_not_drift(workspace):
    workspace.converge()
    workspace.edit_contract("northwind.yaml", lambda spec: spec["subscriptions"][0].update(quantity=9))
    plan = workspace.plan_json()
    assert plan["drift"] == []
    assert any(op["address"] == "contract.northwind/pro" for op in plan["operations"])
    assert workspace.run("drift", str(workspace.manifests), ok=(0,)).exit_code == 0


def test_import_style_contract_without_a_recorded_version_plans_no_changes(workspace):
    """Recording the manifest version never adds an operation of its own."""
    workspace.converge()
    contract = _globex_contract(workspace)
    workspace.api("POST", "/v1/customFields/deleteValues", {
        "entity": "contract", "entity_id": contract["id"], "keys": ["reconciler_manifest_sha"]})
    assert "No changes" in workspace.plan(ok=(0,)).stdout
