"""Safety promises from docs/safety.md that had no test: apply stops at the first failure, a stopped apply resumes
(the same plan file, with or without its journal), a torn journal line, the per-target apply lock, and a removed
commit schedule item being destructive.

The CLI runs against the embedded emulator (``workspace``). Where a write must be refused, ``apply_plan`` is
wrapped so that its client talks to the same database through a transport that answers 400 to one chosen request
(the emulator's own fault rules cover 429/5xx/drop/timeout/lost_response, which leave the outcome unknown; a 400 is
a definite "no").
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable

import httpx
import pytest

import reconciler.apply as apply_package

REJECTION = "injected by the test: rejected"


class RejectOne(httpx.AsyncBaseTransport):
    """Answers 400 (without reaching the emulator) to requests for which ``match(method, path, body)`` holds, while
    ``budget["left"]`` lasts; passes everything else through."""

    def __init__(self, inner: httpx.AsyncBaseTransport, match: Callable[[str, str, dict], bool], budget: dict) -> None:
        self.inner, self.match, self.budget = inner, match, budget
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        body = json.loads(request.content) if request.content else {}
        if self.budget["left"] and self.match(request.method, request.url.path, body):
            self.budget["left"] -= 1
            return httpx.Response(400, json={"message": REJECTION}, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def reject_once(workspace, monkeypatch, match: Callable[[str, str, dict], bool]) -> dict:
    """Make the CLI's ``apply`` reject the first request ``match`` selects with a 400 (once over all applies)."""
    real = apply_package.apply_plan
    budget = {"left": 1}

    async def apply_plan(plan, **kwargs):
        with workspace.emulator() as emu:
            return await real(plan, transport=RejectOne(emu.transport(), match, budget), **kwargs)

    monkeypatch.setattr(apply_package, "apply_plan", apply_plan)
    return budget


def journal(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def statuses(stdout: str) -> dict[str, str]:
    """op id -> status, from the lines apply prints for each outcome (and each operation not attempted)."""
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"^[✓=✗·] (\S+) .*?: (done|already-done|failed|not-attempted)\b", line)
        if match:
            found[match[1]] = match[2]
    return found


def customers_with_alias(workspace, alias: str) -> list[dict]:
    return workspace.api("GET", f"/v1/customers?ingest_alias={alias}")["data"]


def assert_each_customer_and_contract_exists_once(workspace) -> None:
    for name in ("acme", "globex", "northwind"):
        found = customers_with_alias(workspace, name)
        assert len(found) == 1, (name, found)
        contracts = workspace.api("POST", "/v2/contracts/list", {"customer_id": found[0]["id"]})["data"]
        assert [c["uniqueness_key"] for c in contracts] == [f"reconciler:{name}/pro"], (name, contracts)


def is_globex_customer_create(method: str, path: str, body: dict) -> bool:
    return method == "POST" and path == "/v1/customers" and "globex" in (body.get("ingest_aliases") or [])


def stop_at_globex(workspace, monkeypatch):
    """Plan the example estate, then apply it with globex's customer create refused (400)."""
    plan_file = workspace.path / "first-plan.json"
    workspace.run("plan", str(workspace.manifests), "--out", str(plan_file))
    plan = json.loads(plan_file.read_text())
    budget = reject_once(workspace, monkeypatch, is_globex_customer_create)
    result = workspace.run("apply", str(plan_file), "--journal", str(workspace.path / "journal.jsonl"), ok=(1,))
    assert budget["left"] == 0, "the rejection did not strike"
    return plan_file, plan, result


# -- apply stops at the first failure ---------------------------------------------------------------------------

def test_apply_stops_at_the_first_failure_and_the_next_plan_shows_exactly_what_is_left(workspace, monkeypatch):
    plan_file, plan, result = stop_at_globex(workspace, monkeypatch)
    ops = plan["operations"]
    ids = [op["id"] for op in ops]
    assert "customer.globex#1" in ids and "contract.globex/pro#1" in ids

    # the report: the failed operation, its chain's later operation not attempted, exit 1 with the hint
    seen = statuses(result.stdout)
    assert set(seen) == set(ids), (sorted(seen), ids)
    assert seen["customer.globex#1"] == "failed"
    assert seen["contract.globex/pro#1"] == "not-attempted"
    assert list(seen.values()).count("failed") == 1
    counts = {s: list(seen.values()).count(s) for s in ("done", "failed", "not-attempted")}
    assert (f"Apply stopped: {counts['done']} done, 0 already done, 1 failed, {counts['not-attempted']} not "
            "attempted.") in result.stdout
    assert "apply stopped at customer.globex#1" in result.stderr and REJECTION in result.stderr
    assert "reconciler plan" in result.stderr
    # each customer's chain is a run of done operations, then at most one failure, then nothing attempted
    for customer in ("acme", "globex", "northwind"):
        chain = [seen[op["id"]] for op in ops if op["address"].split(".", 1)[1].split("/")[0] == customer]
        order = {"done": 0, "failed": 1, "not-attempted": 2}
        assert [order[s] for s in chain] == sorted(order[s] for s in chain), (customer, chain)

    # the journal agrees: one failed line, no line at all for what was not attempted, the counts in apply-end
    lines = journal(workspace.path / "journal.jsonl")
    by_op: dict[str, list[str]] = {}
    for line in lines:
        if line.get("op"):
            by_op.setdefault(line["op"], []).append(line["event"])
    for op_id, status in seen.items():
        assert by_op.get(op_id, []) == {"done": ["start", "done"], "failed": ["start", "failed"],
                                        "not-attempted": []}[status], (op_id, by_op.get(op_id))
    [failed] = [line for line in lines if line["event"] == "failed"]
    assert failed["op"] == "customer.globex#1" and REJECTION in failed["message"] and not failed.get("outcome_unknown")
    end = lines[-1]
    assert end["event"] == "apply-end" and end["ok"] is False
    assert (end["done"], end["failed"], end["not_attempted"]) == (counts["done"], 1, counts["not-attempted"])

    # nothing of globex was written, everything reported done was
    assert customers_with_alias(workspace, "globex") == []
    for op in ops:
        if op["kind"] == "customer" and seen[op["id"]] == "done":
            assert len(customers_with_alias(workspace, op["address"].split(".", 1)[1])) == 1, op["id"]

    # the next plan is exactly what is left: the failed operation and those not attempted, nothing else
    assert workspace.plan(ok=(2,)).exit_code == 2
    fresh = workspace.plan_json()
    left = sorted((op["address"], op["request"]["method"], op["request"]["path"])
                  for op in ops if seen[op["id"]] in ("failed", "not-attempted"))
    assert sorted((op["address"], op["request"]["method"], op["request"]["path"])
                  for op in fresh["operations"]) == left
    workspace.converge()
    assert_each_customer_and_contract_exists_once(workspace)


# -- resuming after a partial apply ------------------------------------------------------------------------------

@pytest.mark.parametrize("journal_kept", [True, False], ids=["same-journal", "fresh-runner"])
def test_the_same_plan_file_applied_again_after_a_failure_finishes_without_duplicates(
        workspace, monkeypatch, journal_kept):
    plan_file, plan, first = stop_at_globex(workspace, monkeypatch)
    done_first = {op_id for op_id, status in statuses(first.stdout).items() if status == "done"}
    creates_done_first = {op["id"] for op in plan["operations"]
                          if op["id"] in done_first and op["request"]["path"] in ("/v1/customers",
                                                                                  "/v1/contracts/create")}

    again_journal = workspace.path / ("journal.jsonl" if journal_kept else "fresh-runner.jsonl")
    again = workspace.run("apply", str(plan_file), "--journal", str(again_journal))
    seen = statuses(again.stdout)
    assert "stale" not in again.stderr
    assert seen["customer.globex#1"] == "done" and seen["contract.globex/pro#1"] == "done"
    # A fresh runner sends them again with the same Idempotency-Key: the first answer is replayed (reference §1.5).
    resent = "already-done" if journal_kept else "done"
    assert all(seen[op_id] == resent for op_id in creates_done_first), seen
    if journal_kept:
        assert {op_id for op_id, s in seen.items() if s == "already-done"} == done_first
        assert (f"Apply complete: {len(plan['operations']) - len(done_first)} done, {len(done_first)} already done, "
                "0 failed") in again.stdout
    assert_each_customer_and_contract_exists_once(workspace)
    assert "No changes" in workspace.plan(ok=(0,)).stdout


@pytest.mark.parametrize("journal_kept", [True, False], ids=["same-journal", "fresh-runner"])
def test_a_contract_whose_edit_landed_before_the_apply_stopped_resumes_without_being_refused_as_stale(
        workspace, monkeypatch, journal_kept):
    """The edit changes the contract's fingerprint; the rest of the plan must still run, not be refused as stale,
    and the edit must not be made twice."""
    workspace.converge()
    workspace.edit_contract("northwind.yaml", lambda spec: spec["subscriptions"][0].update(quantity=7))
    plan_file = workspace.path / "edit-plan.json"
    workspace.run("plan", str(workspace.manifests), "--out", str(plan_file))
    ops = json.loads(plan_file.read_text())["operations"]
    assert [op["request"]["path"] for op in ops] == ["/v2/contracts/edit", "/v1/customFields/setValues"]
    edit, record = ops
    body = edit["request"]["body"]
    reject_once(workspace, monkeypatch, lambda method, path, sent: path == "/v1/customFields/setValues")

    first = workspace.run("apply", str(plan_file), "--journal", str(workspace.path / "journal.jsonl"), ok=(1,))
    assert statuses(first.stdout) == {edit["id"]: "done", record["id"]: "failed"}

    again_journal = workspace.path / ("journal.jsonl" if journal_kept else "fresh-runner.jsonl")
    again = workspace.run("apply", str(plan_file), "--journal", str(again_journal))
    assert "stale" not in again.stderr
    # A fresh runner sends the edit again with the same Idempotency-Key: its first answer is replayed.
    assert statuses(again.stdout) == {edit["id"]: "already-done" if journal_kept else "done", record["id"]: "done"}
    history = workspace.api("POST", "/v2/contracts/getEditHistory",
                            {"customer_id": body["customer_id"], "contract_id": body["contract_id"]})["data"]
    assert [e.get("uniqueness_key") for e in history].count(body["uniqueness_key"]) == 1, history
    assert "No changes" in workspace.plan(ok=(0,)).stdout


# -- the journal ------------------------------------------------------------------------------------------------

def test_a_torn_last_journal_line_is_ignored_and_that_operation_is_verified_again(workspace):
    plan = workspace.plan_json()
    plan_file = workspace.path / "plan.json"
    path = workspace.path / "journal.jsonl"
    workspace.run("apply", str(plan_file), "--journal", str(path))
    raw = path.read_text().splitlines(keepends=True)
    last_outcome = max(i for i, line in enumerate(raw) if json.loads(line)["event"] == "done")
    torn = json.loads(raw[last_outcome])
    torn_op = torn["op"]
    kept = raw[:last_outcome] + [raw[last_outcome][: len(raw[last_outcome]) // 2]]  # killed mid-write
    path.write_text("".join(kept))

    again = workspace.run("apply", str(plan_file), "--journal", str(path))
    seen = statuses(again.stdout)
    # the torn operation is sent again with its Idempotency-Key, and Metronome replays the first answer
    assert seen.pop(torn_op) == "done" and set(seen.values()) == {"already-done"}, seen
    assert len(seen) == len(plan["operations"]) - 1
    for line in again.stdout.splitlines():
        if line.split(" ")[1:2] == [torn_op]:
            assert "recorded in the journal" not in line, line  # verified against Metronome, not trusted
            assert torn.get("created_id", "") in line, line
        elif any(line.startswith(f"= {op['id']} ") for op in plan["operations"]):
            assert "recorded in the journal" in line, line
    assert_each_customer_and_contract_exists_once(workspace)


def test_the_run_after_a_torn_journal_line_starts_on_a_line_of_its_own(workspace):
    workspace.plan_json()
    plan_file, path = workspace.path / "plan.json", workspace.path / "journal.jsonl"
    workspace.run("apply", str(plan_file), "--journal", str(path))
    raw = path.read_text().splitlines(keepends=True)
    path.write_text("".join(raw[:-1]) + raw[-1][: len(raw[-1]) // 2])  # killed while writing apply-end
    workspace.run("apply", str(plan_file), "--journal", str(path))
    lines = path.read_text().splitlines()
    unreadable = []
    for number, line in enumerate(lines):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            unreadable.append(number)
    assert unreadable == [len(raw) - 1], [lines[n][-120:] for n in unreadable]
    assert json.loads(lines[len(raw)])["event"] == "apply-start"


# -- the per-target apply lock ----------------------------------------------------------------------------------

def test_an_apply_makes_no_request_while_another_holds_the_targets_lock(workspace):
    from reconciler.apply import apply_plan
    from reconciler.apply.lock import target_lock
    from reconciler.plan.format import load_plan

    workspace.plan_json()
    plan = load_plan(workspace.path / "plan.json")

    async def scenario():
        with workspace.emulator() as emu:
            counting = RejectOne(emu.transport(), lambda *_: False, {"left": 0})
            async with target_lock(plan.target):
                task = asyncio.create_task(apply_plan(plan, endpoint="embedded", transport=counting,
                                                      journal_path=workspace.path / "journal.jsonl"))
                await asyncio.sleep(0.5)
                held = (list(counting.requests), task.done())
            return held, await asyncio.wait_for(task, 60), counting.requests

    (while_held, finished_early), report, requests = asyncio.run(scenario())
    assert while_held == [] and not finished_early, while_held
    assert report.ok and requests
    assert "No changes" in workspace.plan(ok=(0,)).stdout


# -- destructive -------------------------------------------------------------------------------------------------

def test_removing_a_commit_access_schedule_item_is_destructive_and_refused_without_an_allow(workspace):
    commit = {
        "key": "prepaid-2026", "product": "Per-seat Commit", "type": "prepaid", "name": "Prepaid 2026",
        "access_schedule": {"credit_type": "USD (cents)", "schedule_items": [
            {"amount": 50000, "starting_at": "2026-01-01T00:00:00Z", "ending_before": "2026-07-01T00:00:00Z"},
            {"amount": 50000, "starting_at": "2026-07-01T00:00:00Z", "ending_before": "2027-01-01T00:00:00Z"}]},
        "invoice_schedule": {"credit_type": "USD (cents)", "schedule_items": [
            {"timestamp": "2026-01-01T00:00:00Z", "amount": 100000}]},
    }
    workspace.edit_contract("northwind.yaml", lambda spec: spec.update(commits=[commit]))
    workspace.converge()

    workspace.edit_contract("northwind.yaml",
                            lambda spec: spec["commits"][0]["access_schedule"]["schedule_items"].pop())
    plan = workspace.plan_json()
    [edit] = [op for op in plan["operations"] if op["request"]["path"] == "/v2/contracts/edit"]
    [update] = edit["request"]["body"]["update_commits"]
    assert update["access_schedule"]["remove_schedule_items"], update
    assert edit["destructive"] and not edit["allowed"], edit
    customer_id, contract_id = edit["request"]["body"]["customer_id"], edit["request"]["body"]["contract_id"]
    history = workspace.api("POST", "/v2/contracts/getEditHistory",
                            {"customer_id": customer_id, "contract_id": contract_id})
    refused = workspace.run("apply", str(workspace.path / "plan.json"), ok=(1,))
    assert "destructive" in refused.stderr
    assert workspace.api("POST", "/v2/contracts/getEditHistory",
                         {"customer_id": customer_id, "contract_id": contract_id}) == history
