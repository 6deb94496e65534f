"""Quantity schedules and seat histories of subscriptions, as folds over recorded change events.

A subscription stores what was asked, never a derived schedule:

* ``quantity_events``: ``{"starting_at", "quantity" | "quantity_delta"}`` for QUANTITY_ONLY subscriptions;
* ``seat_events``: ``{"starting_at", "kind", "seat_ids" | "quantity"}`` for SEAT_BASED subscriptions, with
  kinds ``initial``, ``add_seat_ids``, ``remove_seat_ids``, ``add_unassigned_seats``, ``remove_unassigned_seats``.

Events are applied in ``starting_at`` order and, for equal times, in the order they were recorded (a stable
sort), which gives reference §5.1.1's rule that same-date entries compose in the order sent. Seat semantics:
adding an id first fills an unassigned seat (total unchanged) and otherwise grows the total; removing a present
id shrinks the total; removing an unknown id is a no-op; unassigned-seat changes move the total by their quantity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.emulator.errors import bad_request


@dataclass
class SeatState:
    assigned: list[str] = field(default_factory=list)
    unassigned: int = 0

    @property
    def total(self) -> int:
        return len(self.assigned) + self.unassigned

    def copy(self) -> SeatState:
        return SeatState(list(self.assigned), self.unassigned)


def _apply_seat_event(state: SeatState, event: dict[str, Any]) -> SeatState:
    state = state.copy()
    kind = event["kind"]
    if kind == "initial":
        state = SeatState(list(dict.fromkeys(event["seat_ids"])), int(event.get("quantity") or 0))
    elif kind == "add_seat_ids":
        for seat_id in event["seat_ids"]:
            if seat_id in state.assigned:
                continue
            state.assigned.append(seat_id)
            if state.unassigned > 0:
                state.unassigned -= 1
    elif kind == "remove_seat_ids":
        state.assigned = [seat for seat in state.assigned if seat not in set(event["seat_ids"])]
    elif kind == "add_unassigned_seats":
        state.unassigned += int(event["quantity"])
    elif kind == "remove_unassigned_seats":
        if int(event["quantity"]) > state.unassigned:
            raise bad_request(
                f"remove_unassigned_seats at {event['starting_at']} removes {int(event['quantity'])} "
                f"unassigned seats but only {state.unassigned} are unassigned")
        state.unassigned -= int(event["quantity"])
    return state


def _ordered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda event: event["starting_at"])


def seat_segments(subscription: dict[str, Any]) -> list[dict[str, Any]]:
    """The full seat history: ``[{starting_at, ending_before?, assigned_seat_ids, total_quantity}]``."""
    points: list[tuple[str, SeatState]] = []
    state = SeatState()
    for event in _ordered(subscription.get("seat_events", [])):
        state = _apply_seat_event(state, event)
        if points and points[-1][0] == event["starting_at"]:
            points[-1] = (event["starting_at"], state)
        else:
            points.append((event["starting_at"], state))
    segments = _segments(points, subscription.get("ending_before"),
                         same=lambda a, b: a.assigned == b.assigned and a.unassigned == b.unassigned)
    return [{"starting_at": start, "ending_before": end, "assigned_seat_ids": list(st.assigned),
             "total_quantity": st.total} for start, end, st in segments]


def _apply_quantity_event(quantity: float, event: dict[str, Any]) -> float:
    if event.get("quantity") is not None:
        return float(event["quantity"])
    result = quantity + float(event["quantity_delta"])
    if result < 0:
        raise bad_request(f"quantity_delta {event['quantity_delta']} at {event['starting_at']} would make the "
                          f"subscription quantity negative ({result:g})")
    return result


def quantity_segments(subscription: dict[str, Any]) -> list[dict[str, Any]]:
    """The full quantity timeline ``[{starting_at, ending_before?, quantity}]``; seat-based ones follow the total."""
    if subscription["quantity_management_mode"] == "SEAT_BASED":
        return _seat_based_quantities(subscription)
    return _quantity_only_segments(subscription, subscription.get("ending_before"))


def _quantity_only_segments(subscription: dict[str, Any], end: str | None) -> list[dict[str, Any]]:
    points: list[tuple[str, float]] = []
    quantity = 0.0
    for event in _ordered(subscription.get("quantity_events", [])):
        quantity = _apply_quantity_event(quantity, event)
        if points and points[-1][0] == event["starting_at"]:
            points[-1] = (event["starting_at"], quantity)
        else:
            points.append((event["starting_at"], quantity))
    return [{"starting_at": start, "ending_before": stop, "quantity": value}
            for start, stop, value in _segments(points, end, same=lambda a, b: a == b)]


def _seat_based_quantities(subscription: dict[str, Any]) -> list[dict[str, Any]]:
    switched_at = subscription.get("seat_based_since")
    before = _quantity_only_segments(subscription, switched_at) if switched_at else []
    seats = [{"starting_at": seg["starting_at"], "ending_before": seg["ending_before"],
              "quantity": float(seg["total_quantity"])} for seg in seat_segments(subscription)]
    return before + seats


def _segments(points: list[tuple[str, Any]], end: str | None, *, same) -> list[tuple[str, str | None, Any]]:
    merged: list[tuple[str, Any]] = []
    for start, value in points:
        if merged and same(merged[-1][1], value):
            continue
        merged.append((start, value))
    out = []
    for index, (start, value) in enumerate(merged):
        stop = merged[index + 1][0] if index + 1 < len(merged) else end
        out.append((start, stop, value))
    return out


def quantity_at(subscription: dict[str, Any], at: str) -> float:
    """Quantity in effect at ``at`` (0 before the first segment)."""
    value = 0.0
    for segment in quantity_segments(subscription):
        if segment["starting_at"] <= at:
            value = segment["quantity"]
    return value


def seats_at(subscription: dict[str, Any], at: str) -> list[str]:
    seats: list[str] = []
    for segment in seat_segments(subscription):
        if segment["starting_at"] <= at:
            seats = segment["assigned_seat_ids"]
    return seats


def current_and_future(segments: list[dict[str, Any]], now: str) -> list[dict[str, Any]]:
    """What the contract read shows: segments that have not ended by ``now``."""
    return [segment for segment in segments if segment["ending_before"] is None or segment["ending_before"] > now]


# -- recording updates (validated) -----------------------------------------------------------------------

def _check_within(subscription: dict[str, Any], starting_at: str, what: str) -> None:
    if starting_at < subscription["starting_at"]:
        raise bad_request(f"{what}: starting_at {starting_at} is before the subscription starts "
                          f"({subscription['starting_at']})")
    end = subscription.get("ending_before")
    if end is not None and starting_at >= end:
        raise bad_request(f"{what}: starting_at {starting_at} is not before the subscription ends ({end})")


def record_quantity_updates(subscription: dict[str, Any], updates: list[Any], path: str) -> None:
    if subscription["quantity_management_mode"] != "QUANTITY_ONLY":
        raise bad_request(f"{path}.quantity_updates: subscription {subscription['id']} is SEAT_BASED; "
                          "change its seats with seat_updates")
    for index, update in enumerate(updates):
        where = f"{path}.quantity_updates[{index}]"
        if (update.quantity is None) == (update.quantity_delta is None):
            raise bad_request(f"{where}: exactly one of quantity and quantity_delta is required")
        if update.quantity_delta == 0:
            raise bad_request(f"{where}: quantity_delta must not be 0")
        _check_within(subscription, update.starting_at, where)
        event = {"starting_at": update.starting_at}
        event["quantity" if update.quantity is not None else "quantity_delta"] = (
            update.quantity if update.quantity is not None else update.quantity_delta)
        subscription.setdefault("quantity_events", []).append(event)
    quantity_segments(subscription)  # re-fold to reject a delta that goes negative at any point


SEAT_UPDATE_KINDS = ("add_seat_ids", "remove_seat_ids", "add_unassigned_seats", "remove_unassigned_seats")


def record_seat_updates(subscription: dict[str, Any], seat_updates: Any, path: str) -> None:
    if subscription["quantity_management_mode"] != "SEAT_BASED":
        raise bad_request(f"{path}.seat_updates: subscription {subscription['id']} is QUANTITY_ONLY; "
                          "change its quantity with quantity_updates")
    for kind in SEAT_UPDATE_KINDS:
        for index, change in enumerate(getattr(seat_updates, kind) or []):
            where = f"{path}.seat_updates.{kind}[{index}]"
            _check_within(subscription, change.starting_at, where)
            event: dict[str, Any] = {"starting_at": change.starting_at, "kind": kind}
            if kind.endswith("seat_ids"):
                event["seat_ids"] = list(change.seat_ids)
            else:
                if change.quantity != int(change.quantity):
                    raise bad_request(f"{where}.quantity: must be a whole number of seats")
                event["quantity"] = int(change.quantity)
            subscription.setdefault("seat_events", []).append(event)
    seat_segments(subscription)  # re-fold to reject removing more unassigned seats than exist


def seat_ids_in(seat_updates: Any) -> int:
    if seat_updates is None:
        return 0
    return sum(len(change.seat_ids) for kind in ("add_seat_ids", "remove_seat_ids")
               for change in getattr(seat_updates, kind) or [])
