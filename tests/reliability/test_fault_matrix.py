"""The fault matrix (issue 8, item 2): every write path x every fault x where it strikes.

Write paths: customer create, contract create, contract edit. Faults: 429 (with Retry-After), 500, 503, a dropped
connection, a timeout. Where:

* ``before``: the request is rejected before the emulator does anything (the emulator's own fault rules);
* ``after``: the emulator commits the write and the answer is lost or replaced by the fault on the way back
  (the emulator's ``lost_response``, and :class:`CommitThenFail` for each status and transport failure);
* ``readback``: the write's response is lost, and the read the executor then makes to settle the outcome
  (list customers by alias / list contracts / getEditHistory) meets the fault once.

Each case asserts convergence (the next plan is empty), exactly-once state, and that the journal tells the truth:
the operation's events and its final line match what happened in the emulator, created ids included.
"""

from __future__ import annotations

import pytest
from reliability_kit import CommitThenFail, Estate, assert_exactly_once, customer_id, final_events, journal_lines
from reliability_kit import subscription_state

FAULTS = ("429", "500", "503", "drop", "timeout")
WRITES = {
    "customer": ("POST", "/v1/customers", "GET", "/v1/customers"),
    "contract": ("POST", "/v1/contracts/create", "POST", "/v2/contracts/list"),
    "edit": ("POST", "/v2/contracts/edit", "POST", "/v2/contracts/getEditHistory"),
}
CASES = ([(w, "before", f) for w in WRITES for f in FAULTS]
         + [(w, "after", f) for w in WRITES for f in (*FAULTS, "lost_response")]
         + [(w, "readback", f) for w in WRITES for f in FAULTS])


def prepare(harness, tmp_path, write: str):
    """The estate and the plan whose ``write`` operation the fault will meet."""
    if write == "edit":
        estate = Estate.generate(tmp_path / "manifests", 1, ["seats"])
        assert harness.apply(harness.plan(estate.root)).ok
        estate.write("cust-000", "seats", seats=4)
    else:
        estate = Estate.generate(tmp_path / "manifests", 1, ["pooled"])
    plan = harness.plan(estate.root)
    [target] = [op for op in plan.operations if op.request.path == WRITES[write][1]]
    return estate, plan, target


def inject(harness, write: str, where: str, fault: str):
    """Arm the fault; returns a callable giving how often it fired."""
    method, path, read_method, read_path = WRITES[write]
    faults = harness.emu.faults
    if where == "before":
        rule = faults.add(path, fault, method=method, times=1, retry_after=0.01)
        return lambda: rule.fired
    if where == "after" and fault == "lost_response":
        rule = faults.add(path, "lost_response", method=method, times=1)
        return lambda: rule.fired
    if where == "after":
        wrappers: list[CommitThenFail] = []
        harness.wrap = lambda inner: wrappers.append(CommitThenFail(inner, method, path, fault)) or wrappers[-1]
        return lambda: sum(w.fired for w in wrappers)
    lost = faults.add(path, "lost_response", method=method, times=1)
    rule = faults.add(read_path, fault, method=read_method, times=1, retry_after=0.01)
    return lambda: min(lost.fired, rule.fired)


def live_id(harness, write: str) -> str:
    """The id the target operation created or edited, read straight from the emulator's store."""
    cid = customer_id(harness.emu, "cust-000")
    if write == "customer":
        return cid
    [contract] = harness.emu.store.docs("contracts", "customer_id = ?", (cid,))
    return contract["id"]


def expected_events(write: str, where: str, fault: str) -> list[str]:
    if where == "before" and fault != "429":
        return ["start", "resend", "done"]  # rejected, read back as absent, sent again
    # "after" 429: the client retries with the same Idempotency-Key, and the first answer is replayed
    return ["start", "done"]


@pytest.mark.parametrize(("write", "where", "fault"), CASES, ids=["-".join(c) for c in CASES])
def test_fault_on_a_write_path_converges_without_duplicates_and_the_journal_tells_the_truth(
        harness, tmp_path, write, where, fault):
    estate, plan, target = prepare(harness, tmp_path, write)
    fired = inject(harness, write, where, fault)
    report = harness.apply(plan)
    harness.emu.faults.clear()
    harness.wrap = None

    assert fired() == 1, "the fault did not strike"
    assert report.ok, [(o.op.id, o.status, o.message) for o in report.outcomes]
    assert harness.plan(estate.root).operations == []
    assert_exactly_once(harness.emu, estate)
    if write == "edit":
        state = subscription_state(harness.emu, "cust-000")
        assert state["edits"] == 1 and state["total"] == 4 and len(state["seats"]) == 4, state

    journal = harness.journal_path(plan)
    events = [line["event"] for line in journal_lines(journal) if line.get("op") == target.id]
    assert events == expected_events(write, where, fault)
    last = final_events(journal)
    assert set(last) == {op.id for op in plan.operations}
    assert all(line["event"] in ("done", "already-done") for line in last.values())
    assert last[target.id].get("created_id") == live_id(harness, write)
    if where in ("after", "readback") and fault != "429":
        assert "confirmed by read-back" in last[target.id]["message"]
    if where == "after" and fault == "429":
        assert "message" not in last[target.id], "the replayed answer needs no read-back"
    if fault == "429" and where != "after":
        assert 0.01 in harness.waits, "Retry-After was not honoured"


@pytest.mark.parametrize("next_run", ["plan again", "same plan"])
@pytest.mark.parametrize("write", list(WRITES))
def test_a_read_back_that_keeps_failing_is_journalled_as_unknown_and_the_next_run_converges(
        harness, tmp_path, write, next_run):
    """The write committed, its answer was lost, and every read-back attempt fails: apply must not claim the write
    failed (it happened), nor that it is done (nobody saw it). It stops, says the outcome is unknown, and the
    next plan and apply settle it without doing it twice. Applying the same plan again instead sends the write
    with the same Idempotency-Key, and the answer that was lost is replayed: done, with the id it created."""
    estate, plan, target = prepare(harness, tmp_path, write)
    method, path, read_method, read_path = WRITES[write]
    harness.emu.faults.add(path, "lost_response", method=method, times=1)
    harness.emu.faults.add(read_path, "500", method=read_method, times=4)
    report = harness.apply(plan)
    harness.emu.faults.clear()

    assert not report.ok
    [failed] = [o for o in report.outcomes if o.status == "failed"]
    assert failed.op.id == target.id
    line = final_events(harness.journal_path(plan))[target.id]
    assert line["event"] == "failed" and line.get("outcome_unknown") is True, line
    assert "outcome unknown" in line["message"] and "read-back" in line["message"], line
    if next_run == "same plan":
        assert harness.apply(plan).ok
        events = [line["event"] for line in journal_lines(harness.journal_path(plan)) if line.get("op") == target.id]
        assert events[-2:] == ["start", "done"], events
        assert final_events(harness.journal_path(plan))[target.id].get("created_id") == live_id(harness, write)
    again = harness.plan(estate.root)
    assert target.request.path not in [op.request.path for op in again.operations], "the write did happen"
    assert harness.apply(again).ok
    assert harness.plan(estate.root).operations == []
    assert_exactly_once(harness.emu, estate)
    if write == "edit":
        assert subscription_state(harness.emu, "cust-000")["edits"] == 1
