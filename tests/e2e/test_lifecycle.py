"""The seed's three set-ups through the CLI against the embedded emulator: create, change, and converge.

Every scenario ends with "apply, then plan again gives No changes", and every request body of every plan is
checked against the official SDK's typed params.
"""

from __future__ import annotations

import json

import pytest

from sdk_oracle import validate_body


def assert_sdk_valid(plan: dict) -> None:
    for op in plan["operations"]:
        body = op["request"]["body"]
        assert validate_body(op["request"]["path"], body) == [], op["id"]


def ops_of(plan: dict, address: str) -> list[dict]:
    return [op for op in plan["operations"] if op["address"] == address]


def edits_of(plan: dict, address: str) -> list[dict]:
    """The contract's /v2/contracts/edit calls (after them comes the call recording the manifest version)."""
    ops = ops_of(plan, address)
    assert ops[-1]["request"]["path"] == "/v1/customFields/setValues"
    assert "reconciler_manifest_sha" in ops[-1]["request"]["body"]["custom_fields"]
    return [op for op in ops if op["request"]["path"] == "/v2/contracts/edit"]


def test_first_plan_creates_everything_and_apply_converges(workspace):
    result = workspace.plan()
    assert result.exit_code == 2
    assert "Plan: " in result.stdout
    plan = workspace.plan_json()
    assert_sdk_valid(plan)
    paths = [op["request"]["path"] for op in plan["operations"]]
    assert paths.count("/v1/customers") == 3
    assert paths.count("/v1/contracts/create") == 3
    for customer in ("acme", "globex", "northwind"):
        ops = [op["address"] for op in plan["operations"]]
        assert ops.index(f"customer.{customer}") < ops.index(f"contract.{customer}/pro")
    workspace.converge()


def test_reapplying_the_same_plan_duplicates_nothing(workspace):
    plan_file = workspace.path / "plan.json"
    workspace.run("plan", str(workspace.manifests), "--out", str(plan_file))
    operations = len(json.loads(plan_file.read_text())["operations"])
    workspace.run("apply", str(plan_file))
    again = workspace.run("apply", str(plan_file))
    assert f"0 done, {operations} already done, 0 failed" in again.stdout
    for customer in ("acme", "globex", "northwind"):
        found = workspace.api("GET", f"/v1/customers?ingest_alias={customer}")["data"]
        assert len(found) == 1
        contracts = workspace.api("POST", "/v2/contracts/list", {"customer_id": found[0]["id"]})["data"]
        assert len(contracts) == 1 and len(contracts[0]["subscriptions"]) == 1
    assert workspace.plan_json()["operations"] == []


def test_standard_subscription_quantity_and_the_seed_tip(workspace):
    workspace.converge()

    def change(spec):
        spec["subscriptions"][0]["quantity"] = 5
        spec["recurring_credits"] = [{
            "key": "bonus-credits", "product": "Pooled Usage Credits",
            "access_amount": {"credit_type": "AI Credits", "unit_price": 50},
            "commit_duration": {"value": 1, "unit": "periods"}, "priority": 2,
            "starting_at": "2026-01-01T00:00:00Z",
            "subscription_config": {"subscription": "pro", "allocation": "pooled",
                                    "apply_seat_increase_config": {"is_prorated": True}},
        }]
    workspace.edit_contract("northwind.yaml", change)
    plan = workspace.plan_json()
    assert_sdk_valid(plan)
    [edit] = edits_of(plan, "contract.northwind/pro")
    body = edit["request"]["body"]
    [update] = body["update_subscriptions"]
    assert update["quantity_updates"][0]["quantity"] == 5
    [credit] = body["add_recurring_credits"]
    assert credit["subscription_config"]["subscription_id"] == update["subscription_id"]
    workspace.converge()


def test_seats_added_removed_and_unassigned(workspace):
    workspace.converge()

    def change(spec):
        seats = spec["subscriptions"][0]["seat_config"]
        seats["seat_ids"] = seats["seat_ids"][1:] + ["carol@globex.com", "dan@globex.com"]
        seats["unassigned_seats"] = 2
    workspace.edit_contract("globex.yaml", change)
    plan = workspace.plan_json()
    assert_sdk_valid(plan)
    [edit] = edits_of(plan, "contract.globex/pro")
    seat_updates = edit["request"]["body"]["update_subscriptions"][0]["seat_updates"]
    assert sorted(seat_updates["add_seat_ids"][0]["seat_ids"]) == ["carol@globex.com", "dan@globex.com"]
    assert len(seat_updates["remove_seat_ids"][0]["seat_ids"]) == 1
    assert seat_updates["add_unassigned_seats"][0]["quantity"] == 2
    workspace.converge()


def test_rename_end_date_and_override_replacement(workspace):
    workspace.converge()

    def change(spec):
        spec["name"] = "Acme Pro (renamed)"
        spec["ending_before"] = "2027-04-23T00:00:00Z"
        spec["overrides"][0]["starting_at"] = "2025-05-01T00:00:00Z"
        spec["allow_destructive"] = True
    workspace.edit_contract("acme.yaml", change)
    plan = workspace.plan_json()
    assert_sdk_valid(plan)
    [edit] = edits_of(plan, "contract.acme/pro")
    body = edit["request"]["body"]
    assert body["update_contract_name"] == "Acme Pro (renamed)"
    assert body["update_contract_end_date"].startswith("2027-04-23")
    assert len(body["remove_overrides"]) == 1 and len(body["add_overrides"]) == 1
    workspace.converge()


def test_destructive_change_without_allow_is_shown_and_refused(workspace):
    workspace.converge()
    workspace.edit_contract("acme.yaml", lambda spec: spec.update(ending_before="2027-04-23T00:00:00Z"))
    plan = workspace.plan_json()
    [edit] = edits_of(plan, "contract.acme/pro")
    assert edit["destructive"] and not edit["allowed"]
    result = workspace.run("apply", str(workspace.path / "plan.json"), ok=(1,))
    assert "destructive" in result.stderr
    assert ops_of(workspace.plan_json(), "contract.acme/pro"), "nothing was applied"


def test_stale_plan_is_refused_without_any_write(workspace):
    workspace.converge()
    workspace.edit_contract("northwind.yaml", lambda spec: spec["subscriptions"][0].update(quantity=7))
    plan = workspace.plan_json()
    [edit] = edits_of(plan, "contract.northwind/pro")
    body = edit["request"]["body"]
    workspace.api("POST", "/v2/contracts/edit", {
        "customer_id": body["customer_id"], "contract_id": body["contract_id"],
        "update_contract_name": "renamed in the Metronome UI"})
    history = workspace.api("POST", "/v2/contracts/getEditHistory",
                                  {"customer_id": body["customer_id"], "contract_id": body["contract_id"]})
    result = workspace.run("apply", str(workspace.path / "plan.json"), ok=(1,))
    assert "stale" in result.stderr and "contract.northwind/pro" in result.stderr
    after = workspace.api("POST", "/v2/contracts/getEditHistory",
                                {"customer_id": body["customer_id"], "contract_id": body["contract_id"]})
    assert json.dumps(after) == json.dumps(history)


def test_apply_without_a_plan_file_needs_a_terminal_or_auto_approve(workspace):
    refused = workspace.run("apply", "--path", str(workspace.manifests), ok=(1,))
    assert "--auto-approve" in refused.stderr
    assert workspace.plan_json()["operations"], "nothing was applied"
    done = workspace.run("apply", "--path", str(workspace.manifests), "--auto-approve")
    assert "Apply complete" in done.stdout
    assert "No changes" in workspace.plan(ok=(0,)).stdout


def test_journal_records_every_operation_start_and_outcome(workspace):
    plan = workspace.plan_json()
    journal = workspace.path / "journal.jsonl"
    workspace.run("apply", str(workspace.path / "plan.json"), "--journal", str(journal))
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    for op in plan["operations"]:
        events = [line["event"] for line in lines if line.get("op") == op["id"]]
        assert events == ["start", "done"], (op["id"], events)
    created = {line["op"]: line.get("created_id") for line in lines if line["event"] == "done"}
    assert all(created[op["id"]] for op in plan["operations"] if op["action"] == "create"
               and op["kind"] in ("customer", "contract"))
    assert lines[0]["event"] == "apply-start" and lines[-1]["event"] == "apply-end" and lines[-1]["ok"] is True


def test_commit_invoice_schedule_changes_in_place(workspace):
    commit = {
        "key": "prepaid-2026", "product": "Per-seat Commit", "type": "prepaid", "name": "Prepaid 2026",
        "access_schedule": {"credit_type": "USD (cents)", "schedule_items": [
            {"amount": 100000, "starting_at": "2026-01-01T00:00:00Z", "ending_before": "2027-01-01T00:00:00Z"}]},
        "invoice_schedule": {"credit_type": "USD (cents)", "schedule_items": [
            {"timestamp": "2026-01-01T00:00:00Z", "amount": 100000}]},
    }
    workspace.edit_contract("northwind.yaml", lambda spec: spec.update(commits=[commit]))
    workspace.converge()

    def change(spec):
        spec["commits"][0]["invoice_schedule"]["schedule_items"] = [
            {"timestamp": "2026-01-01T00:00:00Z", "amount": 50000},
            {"timestamp": "2026-07-01T00:00:00Z", "amount": 50000}]
    workspace.edit_contract("northwind.yaml", change)
    plan = workspace.plan_json()
    assert_sdk_valid(plan)
    [edit] = edits_of(plan, "contract.northwind/pro")
    [update] = edit["request"]["body"]["update_commits"]
    invoice = update["invoice_schedule"]
    assert invoice["update_schedule_items"][0]["amount"] == 50000
    assert invoice["add_schedule_items"] == [{"timestamp": "2026-07-01T00:00:00Z", "amount": 50000}]
    workspace.converge()


def test_every_write_carries_an_idempotency_key_derived_from_plan_and_operation(workspace):
    import asyncio

    import httpx

    from reconciler.apply import apply_plan
    from reconciler.apply.executor import idempotency_key
    from reconciler.plan.format import plan_id
    from reconciler.pipeline import make_plan

    class Recording(httpx.AsyncBaseTransport):
        def __init__(self, inner):
            self.inner, self.seen = inner, []

        async def handle_async_request(self, request):
            self.seen.append((request.method, request.url.path, request.headers.get("Idempotency-Key")))
            return await self.inner.handle_async_request(request)

    async def run():
        with workspace.emulator() as emu:
            transport = Recording(emu.transport())
            plan = await make_plan([str(workspace.manifests)], endpoint=f"emulator:{workspace.db}",
                                   transport=transport)
            reads = list(transport.seen)
            await apply_plan(plan, endpoint=f"emulator:{workspace.db}", transport=transport,
                             journal_path=workspace.path / "journal.jsonl")
            return plan, reads, transport.seen[len(reads):]

    plan, reads, during_apply = asyncio.run(run())
    assert all(key is None for _, _, key in reads)
    writes = [(path, key) for method, path, key in during_apply if (method, path) in
              {(op.request.method, op.request.path) for op in plan.operations}]
    expected = [(op.request.path, idempotency_key(plan_id(plan), op.id)) for op in plan.operations]
    assert sorted(writes) == sorted(expected)
    assert len({key for _, key in writes}) == len(writes)
    # customers' chains run side by side; within a customer the writes keep plan order
    chain_of = {idempotency_key(plan_id(plan), op.id): op.address.split(".", 1)[1].split("/")[0]
                for op in plan.operations}
    for customer in set(chain_of.values()):
        assert ([w for w in writes if chain_of[w[1]] == customer]
                == [e for e in expected if chain_of[e[1]] == customer])


def test_a_write_path_without_a_known_read_back_is_refused_not_guessed():
    import asyncio

    from reconciler.apply.readback import READ_BACKS, find_applied, is_idempotent
    from reconciler.errors import ApplyError
    from reconciler.plan.model import Operation, Request

    op = Operation(id="contract.a/b#1", address="contract.a/b", kind="contract", action="update", summary="s",
                   reason="r", request=Request(method="POST", path="/v1/contracts/archive", body={}))
    with pytest.raises(ApplyError, match="no read-back"):
        asyncio.run(find_applied(object(), op, {}))
    planned_paths = {"/v1/customers", "/v1/contracts/create", "/v2/contracts/edit",
                     "/v1/setCustomerBillingProviderConfigurations", "/v1/customers/x/setName",
                     "/v1/customers/x/setIngestAliases", "/v1/customFields/setValues", "/v1/customFields/addKey"}
    assert all(path in READ_BACKS or is_idempotent(path) for path in planned_paths)
