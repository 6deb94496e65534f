"""Concurrency (issue 8, item 3): two applies of plans for the same contracts start together, each in its own
thread with its own emulator handle on the same SQLite database (two CI jobs on one embedded account).

One wins; the other refuses the plan as stale, or finds its writes already made and converges. Either way nothing
is duplicated: one customer per alias, one contract per uniqueness key, and seat and quantity changes land once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

import pytest
from reliability_kit import NOW, Estate, Harness, assert_exactly_once, subscription_state

from reconciler.emulator import Emulator
from reconciler.errors import StalePlanError
from reconciler.plan.format import plan_id


def race(db: Path, journal_dir: Path, plans: list) -> list:
    """Apply each plan in its own thread, released together; returns each run's report or exception."""
    barrier = threading.Barrier(len(plans))
    results: list = [None] * len(plans)

    def run(index: int) -> None:
        with Emulator(db_path=db) as emu:
            harness = Harness(emu, f"emulator:{db}", journal_dir / str(index))
            barrier.wait()
            try:
                results[index] = asyncio.run(harness.apply_async(plans[index]))
            except Exception as exc:  # noqa: BLE001 - the outcome under test
                results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(plans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def outcome(result) -> str:
    if isinstance(result, StalePlanError):
        return "stale"
    assert not isinstance(result, Exception), repr(result)
    return "ok" if result.ok else "failed"


@pytest.mark.parametrize("second_plan_made", ["a minute later", "at once"])
def test_two_applies_creating_the_same_estate_together_create_it_once(harness, tmp_path, second_plan_made):
    """Plans made apart differ in id, so their writes carry different Idempotency-Keys: the loser of each create
    meets the uniqueness key's 409 and reads it back. The same plan applied twice sends the same keys: the loser
    gets the winner's answer replayed (done), or, sent at the very moment the winner executes (two emulators on
    one database), meets the 409."""
    estate = Estate.generate(tmp_path / "manifests", 6)
    later = NOW + dt.timedelta(minutes=1) if second_plan_made == "a minute later" else NOW
    first, second = harness.plan(estate.root), harness.plan(estate.root, later)
    assert (plan_id(first) == plan_id(second)) is (second_plan_made == "at once")
    results = race(tmp_path / "emulator.db", tmp_path / "journals", [first, second])
    assert [outcome(r) for r in results] == ["ok", "ok"], results
    statuses = [o.status for r in results for o in r.outcomes if o.op.request.path == "/v1/contracts/create"]
    if second_plan_made == "a minute later":
        assert statuses.count("done") == 6 and statuses.count("already-done") == 6, statuses
    else:
        assert statuses.count("done") >= 6 and set(statuses) <= {"done", "already-done"}, statuses
    assert_exactly_once(harness.emu, estate)
    assert harness.plan(estate.root).operations == []


def test_two_applies_of_the_same_seat_change_add_the_seats_once(harness, tmp_path):
    estate = Estate.generate(tmp_path / "manifests", 3)
    assert harness.apply(harness.plan(estate.root)).ok
    estate.write("cust-002", "seats", seats=5)
    estate.write("cust-000", "standard", quantity=6)
    plans = [harness.plan(estate.root, NOW), harness.plan(estate.root, NOW)]
    results = race(tmp_path / "emulator.db", tmp_path / "journals", plans)
    assert sorted(outcome(r) for r in results) in (["ok", "ok"], ["ok", "stale"]), results
    seats = subscription_state(harness.emu, "cust-002")
    assert seats["edits"] == 1 and seats["total"] == 5 and len(seats["seats"]) == 5, seats
    standard = subscription_state(harness.emu, "cust-000")
    assert standard["edits"] == 1 and standard["quantity"] == 6, standard
    assert_exactly_once(harness.emu, estate)
    assert harness.plan(estate.root).operations == []


def test_two_applies_of_different_changes_to_one_contract_do_not_both_land(harness, tmp_path):
    """Plan A sets 4 seats and quantity 5, plan B 6 seats and quantity 7, both against the same live state.
    Applying both would leave a state neither plan showed (seat deltas add up); one must refuse as stale."""
    estate = Estate.generate(tmp_path / "manifests", 3)
    assert harness.apply(harness.plan(estate.root)).ok
    other = Estate(tmp_path / "other")
    other.root.mkdir()
    for name, kind in estate.kinds.items():
        other.write(name, kind)
    estate.write("cust-002", "seats", seats=4)
    estate.write("cust-000", "standard", quantity=5)
    other.write("cust-002", "seats", seats=6)
    other.write("cust-000", "standard", quantity=7)
    plans = [harness.plan(estate.root), harness.plan(other.root)]
    results = race(tmp_path / "emulator.db", tmp_path / "journals", plans)
    outcomes = [outcome(r) for r in results]
    assert sorted(outcomes) == ["ok", "stale"], results
    winner = estate if outcomes[0] == "ok" else other
    seats, standard = subscription_state(harness.emu, "cust-002"), subscription_state(harness.emu, "cust-000")
    assert seats["edits"] == 1 and standard["edits"] == 1, (seats, standard)
    assert harness.plan(winner.root).operations == []
    assert_exactly_once(harness.emu, winner)
