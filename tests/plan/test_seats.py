"""Seats: desired state in manifests, deltas in the API (reference §5.1.1), in batches of at most 500 ids."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan.seats import (
    MAX_SEATS_PER_EDIT, SeatDelta, SeatState, apply_seat_update, batch_seat_updates, plan_seat_deltas, seat_delta,
)

T0, T1, T2 = "2026-03-10T09:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"
POOL = [f"seat{i}@globex.com" for i in range(12)]

states = st.builds(lambda ids, n: SeatState(frozenset(ids), n), st.sets(st.sampled_from(POOL)),
                   st.integers(0, 6))


def state(*ids: str, unassigned: int = 0) -> SeatState:
    return SeatState(frozenset(ids), unassigned)


def apply_batch(current: SeatState, batch: dict) -> SeatState:
    """One ``seat_updates`` object, as Metronome applies it."""
    ids = lambda section: tuple(i for e in batch.get(section, []) for i in e["seat_ids"])  # noqa: E731
    count = lambda section: sum(e["quantity"] for e in batch.get(section, []))  # noqa: E731
    return apply_seat_update(current, SeatDelta("", ids("remove_seat_ids"), ids("add_seat_ids"),
                                                count("remove_unassigned_seats"), count("add_unassigned_seats")))


# -- the model of Metronome's rules --------------------------------------------------------------------------

def test_adding_ids_fills_unassigned_seats_first():
    assert apply_seat_update(state("a", unassigned=2), SeatDelta(T0, add_ids=("b",))) == state("a", "b", unassigned=1)
    assert apply_seat_update(state("a"), SeatDelta(T0, add_ids=("b",))) == state("a", "b")


def test_removing_an_unknown_id_is_a_no_op():
    assert apply_seat_update(state("a"), SeatDelta(T0, remove_ids=("zz",))) == state("a")


def test_total_counts_assigned_and_unassigned():
    assert state("a", "b", unassigned=3).total == 5
    assert SeatState.of_segment({"assigned_seat_ids": ["a"], "total_quantity": 4}) == state("a", unassigned=3)


# -- seat_delta ------------------------------------------------------------------------------------------------

def test_delta_names_removals_additions_and_unassigned_changes():
    delta = seat_delta(state("a", "b", unassigned=1), state("a", "c", "d", unassigned=0), T0)
    assert (delta.remove_ids, delta.add_ids, delta.remove_unassigned, delta.add_unassigned) == (("b",), ("c", "d"),
                                                                                              0, 0)
    assert seat_delta(state("a"), state("a", unassigned=2), T0).add_unassigned == 2
    assert not seat_delta(state("a", unassigned=1), state("a", unassigned=1), T0)


def test_added_ids_keep_the_manifest_order():
    delta = seat_delta(state(), state("c", "a", "b"), T0, desired_order=["c", "a", "b"])
    assert delta.add_ids == ("c", "a", "b")


@given(states, states)
def test_applying_the_delta_yields_the_desired_state(current, desired):
    assert apply_seat_update(current, seat_delta(current, desired, T0)) == desired


@given(states, st.lists(states, min_size=1, max_size=3), states)
def test_every_future_segment_ends_in_the_desired_state(first, later, desired):
    starts = [T0, T1, T2][:1 + len(later)]
    segments = list(zip(starts, [first, *later]))
    deltas = plan_seat_deltas(segments, desired, T0)
    for start, live_state in segments:
        for delta in (d for d in deltas if d.starting_at <= start):
            live_state = apply_seat_update(live_state, delta)
        assert live_state == desired


def test_no_delta_when_every_segment_already_matches():
    assert plan_seat_deltas([(T0, state("a")), (T1, state("a"))], state("a"), T0) == []


# -- batching --------------------------------------------------------------------------------------------------

def test_1001_additions_go_in_batches_of_500_500_and_1():
    ids = tuple(f"u{i:04d}" for i in range(1001))
    batches = batch_seat_updates([SeatDelta(T0, add_ids=ids)])
    assert [len(b["add_seat_ids"][0]["seat_ids"]) for b in batches] == [500, 500, 1]
    assert MAX_SEATS_PER_EDIT == 500


def test_unassigned_changes_ride_in_the_last_batch_after_the_ids():
    batches = batch_seat_updates([SeatDelta(T0, add_ids=tuple(f"u{i}" for i in range(600)), add_unassigned=2)])
    assert "add_unassigned_seats" not in batches[0]
    assert batches[-1]["add_unassigned_seats"] == [{"quantity": 2, "starting_at": T0}]


ids_strategy = st.lists(st.integers(0, 3000), unique=True, max_size=1300).map(
    lambda ns: tuple(f"user{n}@globex.com" for n in ns))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_batches_never_exceed_500_ids_preserve_order_and_compose_to_the_delta(data):
    current_ids = data.draw(ids_strategy, label="current")
    desired_ids = data.draw(ids_strategy, label="desired")
    current = SeatState(frozenset(current_ids), data.draw(st.integers(0, 700), label="unassigned now"))
    desired = SeatState(frozenset(desired_ids), data.draw(st.integers(0, 700), label="unassigned wanted"))
    delta = seat_delta(current, desired, T0, list(desired_ids))
    batches = batch_seat_updates([delta])
    for batch in batches:
        assert sum(len(e["seat_ids"]) for s in ("add_seat_ids", "remove_seat_ids") for e in batch.get(s, [])) <= 500
    flat = lambda section: tuple(i for b in batches for e in b.get(section, []) for i in e["seat_ids"])  # noqa: E731
    assert flat("remove_seat_ids") == delta.remove_ids
    assert flat("add_seat_ids") == delta.add_ids
    result = current
    for batch in batches:
        result = apply_batch(result, batch)
    assert result == desired
