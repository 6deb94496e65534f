"""Seats are desired state in manifests and deltas in the API (reference §5.1.1). This module turns one into
the other.

Metronome's rules, applied in the order a ``seat_updates`` object lists them: ``remove_seat_ids`` (an unknown
id is a no-op; each removed id lowers the total), ``add_seat_ids`` (each new id first fills an unassigned seat,
beyond that raises the total), ``remove_unassigned_seats``, ``add_unassigned_seats``. The emulator implements
the same order, and :func:`apply_seat_update` is the pure model of it that the planner simulates with.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SEATS_PER_EDIT = 500


@dataclass(frozen=True)
class SeatState:
    assigned: frozenset[str]
    unassigned: int

    @property
    def total(self) -> int:
        return len(self.assigned) + self.unassigned

    @classmethod
    def of_segment(cls, segment: dict) -> "SeatState":
        assigned = frozenset(segment.get("assigned_seat_ids") or [])
        return cls(assigned, max(0, int(segment.get("total_quantity", 0)) - len(assigned)))


@dataclass(frozen=True)
class SeatDelta:
    """One effective time's seat changes, in API order."""

    starting_at: str
    remove_ids: tuple[str, ...] = ()
    add_ids: tuple[str, ...] = ()
    remove_unassigned: int = 0
    add_unassigned: int = 0

    def __bool__(self) -> bool:
        return bool(self.remove_ids or self.add_ids or self.remove_unassigned or self.add_unassigned)


def apply_seat_update(state: SeatState, delta: SeatDelta) -> SeatState:
    assigned = set(state.assigned) - set(delta.remove_ids)
    unassigned = state.unassigned
    for seat in delta.add_ids:
        if seat in assigned:
            continue
        assigned.add(seat)
        if unassigned > 0:
            unassigned -= 1
    unassigned = max(0, unassigned - delta.remove_unassigned) + delta.add_unassigned
    return SeatState(frozenset(assigned), unassigned)


def seat_delta(current: SeatState, desired: SeatState, starting_at: str,
               desired_order: list[str] | None = None) -> SeatDelta:
    """The delta that takes ``current`` to ``desired`` under :func:`apply_seat_update`."""
    order = {seat: i for i, seat in enumerate(desired_order or [])}
    remove = tuple(sorted(current.assigned - desired.assigned))
    add = tuple(sorted(desired.assigned - current.assigned, key=lambda s: (order.get(s, len(order)), s)))
    unassigned_after_adds = max(0, current.unassigned - len(add))
    change = desired.unassigned - unassigned_after_adds
    return SeatDelta(starting_at, remove, add, max(0, -change), max(0, change))


def plan_seat_deltas(segments: list[tuple[str, SeatState]], desired: SeatState, effective_at: str,
                     desired_order: list[str] | None = None) -> list[SeatDelta]:
    """Deltas so that every segment from ``effective_at`` on holds ``desired``.

    ``segments`` are (segment start, live state) overlapping [effective_at, ∞), in time order. Each delta applies
    from its time onward, so later segments are simulated with the earlier deltas applied before comparing.
    """
    deltas: list[SeatDelta] = []
    for start, live_state in segments:
        at = max(start, effective_at)
        state = live_state
        for delta in deltas:
            state = apply_seat_update(state, delta)
        if state != desired:
            delta = seat_delta(state, desired, at, desired_order)
            if delta:
                deltas.append(delta)
    return deltas


def batch_seat_updates(deltas: list[SeatDelta], limit: int = MAX_SEATS_PER_EDIT) -> list[dict]:
    """Split deltas into ``seat_updates`` objects of at most ``limit`` seat ids each, keeping API order:
    all removals of a delta, then its additions, then its unassigned-seat change (in the last batch)."""
    batches: list[dict] = [{}]
    used = 0

    def put(section: str, entry: dict, weight: int) -> None:
        nonlocal used
        if used + weight > limit and used > 0:
            batches.append({})
            used = 0
        batches[-1].setdefault(section, []).append(entry)
        used += weight

    for delta in deltas:
        for section, ids in (("remove_seat_ids", delta.remove_ids), ("add_seat_ids", delta.add_ids)):
            for i in range(0, len(ids), limit):
                chunk = list(ids[i:i + limit])
                put(section, {"seat_ids": chunk, "starting_at": delta.starting_at}, len(chunk))
        if delta.remove_unassigned:
            put("remove_unassigned_seats", {"quantity": delta.remove_unassigned, "starting_at": delta.starting_at}, 0)
        if delta.add_unassigned:
            put("add_unassigned_seats", {"quantity": delta.add_unassigned, "starting_at": delta.starting_at}, 0)
    return [b for b in batches if b]
