"""Identity: how manifest objects find their live counterparts without a state file (DESIGN.md §3).

* Contracts carry a ``uniqueness_key`` derived from the manifest address; ``id:`` pins adopt others.
* List items (subscriptions, recurring items, commits, credits, overrides) are matched by the fields that cannot
  change after creation, narrowed by tie-breakers; ``id:`` pins win. Two live candidates left after every
  tie-breaker is an error that names them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

UNIQUENESS_PREFIX = "reconciler:"
MAX_UNIQUENESS_KEY = 128


def contract_uniqueness_key(customer: str, name: str) -> str:
    """The contract's identity in Metronome. Deterministic from the address, at most 128 characters."""
    key = f"{UNIQUENESS_PREFIX}{customer}/{name}"
    if len(key) <= MAX_UNIQUENESS_KEY:
        return key
    return f"{UNIQUENESS_PREFIX}sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def is_managed_key(uniqueness_key: str | None) -> bool:
    """True for contracts some reconciler manifest created (whether or not a manifest still manages them)."""
    return bool(uniqueness_key) and uniqueness_key.startswith(UNIQUENESS_PREFIX)


def operation_key(*parts: Any) -> str:
    """A uniqueness_key for an edit: deterministic from the plan's inputs for this operation, so the same plan
    applied twice sends the same key (and meets 409), while a new plan against changed live state does not."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f"{UNIQUENESS_PREFIX}edit:{digest[:48]}"


@dataclass
class Match:
    """The outcome of matching one list: pairs, what is new, what is live but unmanaged, and errors."""

    pairs: dict[str, dict] = field(default_factory=dict)
    """manifest key -> live item"""
    new: list[str] = field(default_factory=list)
    unmatched_live: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def match_items(desired: dict[str, Any], live: list[dict], *, pins: dict[str, str | None],
                identity: Callable[[Any], tuple], live_identity: Callable[[dict], tuple],
                tie_breakers: list[tuple[Callable[[Any], Any], Callable[[dict], Any]]],
                where: str) -> Match:
    """Match manifest items (by key) to live items (dicts with ``id``).

    Pins first; then items whose identity tuple is equal; when several live items share it, each tie-breaker
    (a desired accessor and a live accessor) narrows the candidates while it keeps at least one.
    """
    result = Match()
    taken: set[str] = set()
    by_id = {item.get("id"): item for item in live} if any(pins.values()) else {}
    for key, pin in pins.items():
        if pin is None:
            continue
        if pin in by_id:
            result.pairs[key] = by_id[pin]
            taken.add(pin)
        else:
            result.errors.append(f"{where}[{key}]: pinned id {pin} is not a live item of this contract")
    for key, item in desired.items():
        if key in result.pairs or pins.get(key):
            continue
        wanted = identity(item)
        candidates = [c for c in live if c.get("id") not in taken and live_identity(c) == wanted]
        if len(candidates) > 1:
            candidates = _narrow(item, candidates, tie_breakers)
        if len(candidates) == 1:
            result.pairs[key] = candidates[0]
            taken.add(candidates[0].get("id"))
        elif candidates:
            ids = ", ".join(sorted(str(c.get("id")) for c in candidates))
            result.errors.append(f"{where}[{key}]: matches several live items ({ids}); pin one with id:")
        else:
            result.new.append(key)
    result.unmatched_live = [c for c in live if c.get("id") not in taken]
    return result


def changed_identity(new: list[str], desired: dict[str, Any], unmatched_live: list[dict],
                     same: Callable[[Any, dict], bool]) -> dict[str, dict]:
    """New manifest keys that are really an unmatched live item whose identity fields the manifest changed
    (``same(desired, live)`` recognises them by what did not change). Matching by identity alone would turn such
    an edit into "add a new one, end the old one": a silent replace, which the API's immutable fields forbid."""
    pairs: dict[str, dict] = {}
    free = list(unmatched_live)
    for key in new:
        twin = next((item for item in free if same(desired[key], item)), None)
        if twin is not None:
            pairs[key] = twin
            free.remove(twin)
    return pairs


def _narrow(item: Any, candidates: list[dict], tie_breakers) -> list[dict]:
    for desired_of, live_of in tie_breakers:
        if len(candidates) <= 1:
            break
        wanted = desired_of(item)
        if wanted is None:
            continue
        narrowed = [c for c in candidates if live_of(c) == wanted]
        if narrowed:
            candidates = narrowed
    return candidates
