"""Applying the same saved plan twice never duplicates anything (issue 8, item 1; DESIGN §5 idempotency): with its
journal, without it (a fresh CI runner), and after a partial apply. Counts of customers, contracts,
subscriptions, recurring items, seats and edits are checked against the emulator's store.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from reliability_kit import Estate, assert_exactly_once, census, final_events, subscription_state

from reconciler.cli import cli

CREATES = ("/v1/customers", "/v1/contracts/create", "/v2/contracts/edit")


def snapshot(harness, estate) -> dict:
    state = census(harness.emu)
    subs = {name: subscription_state(harness.emu, name) for name in estate.kinds}
    return {"totals": dict(state["totals"]), "subscriptions": subs,
            "edits": harness.emu.store.count("edits"), "contracts": harness.emu.store.count("contracts")}


def test_the_same_plan_applied_again_with_and_without_its_journal_creates_nothing_twice(harness, tmp_path):
    estate = Estate.generate(tmp_path / "manifests", 6)
    assert harness.apply(harness.plan(estate.root)).ok
    estate.write("cust-002", "seats", seats=5, unassigned=2)
    estate.write("cust-000", "standard", quantity=9)
    plan = harness.plan(estate.root)
    assert harness.apply(plan).ok
    after_first = snapshot(harness, estate)

    again = harness.apply(plan)
    assert again.ok and again.count("done") == 0 and again.count("already-done") == len(plan.operations)
    # A fresh runner sends every write again with its Idempotency-Key. Within 24 h Metronome replays the first
    # answers (reference §1.5), created ids included; after 24 h the keys are gone and a 409 is read back.
    fresh = harness.apply(plan, journal=tmp_path / "fresh-runner.jsonl")
    assert fresh.ok and fresh.count("done") == len(plan.operations)
    assert [o.created_id for o in fresh.outcomes] == [o.created_id for o in again.outcomes]
    harness.emu.clock.advance(days=1, seconds=1)
    later = harness.apply(plan, journal=tmp_path / "fresh-runner-next-day.jsonl")
    assert later.ok
    resent = [o for o in later.outcomes if o.op.request.path in CREATES]
    assert resent and all(o.status == "already-done" for o in resent), [(o.op.id, o.status) for o in resent]
    assert snapshot(harness, estate) == after_first
    seats = subscription_state(harness.emu, "cust-002")
    assert seats["total"] == 7 and len(seats["seats"]) == 5 and seats["edits"] == 1, seats
    assert harness.plan(estate.root).operations == []
    assert_exactly_once(harness.emu, estate)


def test_after_a_partial_apply_the_same_plan_finishes_without_duplicates(harness, tmp_path):
    estate = Estate.generate(tmp_path / "manifests", 6)
    plan = harness.plan(estate.root)
    harness.emu.faults.add("/v1/contracts/create", "500", method="POST", times=3)
    partial = harness.apply(plan)
    harness.emu.faults.clear()
    assert not partial.ok and partial.count("failed") == 1
    done_first = {o.op.id for o in partial.outcomes if o.status == "done"}

    finished = harness.apply(plan)
    assert finished.ok
    assert {o.op.id for o in finished.outcomes if o.status == "already-done"} == done_first
    assert harness.apply(plan, journal=tmp_path / "fresh.jsonl").ok
    assert_exactly_once(harness.emu, estate)
    assert harness.plan(estate.root).operations == []
    lines = final_events(harness.journal_path(plan))
    assert all(line["event"] in ("done", "already-done") for line in lines.values())


def test_through_the_cli_on_a_served_emulator_a_plan_file_applied_twice_under_faults(
        emu, served, tmp_path, monkeypatch):
    estate = Estate.generate(tmp_path / "manifests", 3)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECONCILER_ENDPOINT", served)
    monkeypatch.setenv("METRONOME_BEARER_TOKEN", "reliability-canary-token")
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result

    def plan_and_apply_twice() -> None:
        run("plan", str(estate.root), "--out", "plan.json")
        paths = [op["request"]["path"] for op in json.loads((tmp_path / "plan.json").read_text())["operations"]]
        emu.faults.add("/v1/customers", "500", method="POST", times=1)
        emu.faults.add("/v1/contracts/create", "lost_response", method="POST", times=1)
        emu.faults.add("/v2/contracts/edit", "drop", method="POST", times=1)
        first = run("apply", "plan.json", "--journal", "first.jsonl")
        assert "Apply complete" in first.stdout
        # every write is sent again with its Idempotency-Key and gets its first answer again (reference §1.5)
        second = run("apply", "plan.json", "--journal", "second.jsonl")
        assert f"Apply complete: {len(paths)} done, 0 already done, 0 failed" in second.stdout, second.stdout
        emu.faults.clear()
        assert "No changes" in run("plan", str(estate.root), "--detailed-exitcode").stdout
        assert_exactly_once(emu, estate)

    plan_and_apply_twice()
    assert emu.stats.snapshot()["faults"] == {"500": 1, "lost_response": 1}
    estate.write("cust-002", "seats", seats=4, unassigned=1)
    estate.write("cust-001", "pooled", quantity=3)
    plan_and_apply_twice()
    assert emu.stats.snapshot()["faults"].get("drop") == 1
    seats = subscription_state(emu, "cust-002")
    assert seats["edits"] == 1 and seats["total"] == 5 and len(seats["seats"]) == 4, seats
    assert subscription_state(emu, "cust-001")["edits"] == 1
    for path in tmp_path.glob("*.json*"):
        assert "reliability-canary-token" not in path.read_text()
