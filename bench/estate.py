"""The benchmark estate: N customers with one contract each, written as manifests.

Customer ``i`` follows one of the three set-ups of ``manifests/`` in turn (``i % 3``: standard subscription,
seat-based credit pool, individual seat credits), with a seat count between 1 and 200 drawn from a generator
seeded by ``i`` (so every run and every size writes the same customer ``i``). The set-ups are the example
manifests themselves, renamed per customer: what the bench plans is what a user writes.

Variations, all deterministic:

* ``changed``: customers whose contract differs from what is live (every other one a seat change, the others a
  contract name change);
* ``seat_delta``: customers whose seat count grows by 1-5 (a quantity, or new named seats);
* ``addons``: customers that get a second contract (``addon``, a copy of their set-up).
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "manifests"
#: set-up name -> example file; customer ``i`` uses ``SETUPS[i % 3]``.
SETUPS = ("northwind", "acme", "globex")
MAX_SEATS = 200


def _plain(value):
    """Timestamps back to the RFC 3339 strings they were written as (PyYAML 1.1 reads them as datetimes)."""
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _templates() -> dict[str, tuple[dict, dict]]:
    templates = {}
    for name in SETUPS:
        text = (EXAMPLES / f"{name}.yaml").read_text()
        customer, contract = (_plain(d) for d in yaml.load_all(text, Loader=yaml.CSafeLoader))
        templates[name] = customer, contract
    return templates


TEMPLATES = _templates()


def customer_key(i: int) -> str:
    return f"bench-{i:05d}"


def setup_of(i: int) -> str:
    return SETUPS[i % 3]


def seats_of(i: int) -> int:
    return random.Random(i).randint(1, MAX_SEATS)


@dataclass
class Variant:
    """Which customers differ from the seeded estate, and how."""

    changed: frozenset[int] = frozenset()
    seat_delta: frozenset[int] = frozenset()
    addons: frozenset[int] = frozenset()
    extra: dict = field(default_factory=dict)


def documents(i: int, variant: Variant) -> list[dict]:
    """Customer ``i``'s manifests: the customer, its contract ``pro``, and maybe its ``addon`` contract."""
    customer, contract = (copy.deepcopy(d) for d in TEMPLATES[setup_of(i)])
    key = customer_key(i)
    customer["metadata"]["name"] = key
    customer["spec"]["name"] = f"Bench customer {i}"
    for config in customer["spec"].get("billing_provider_configurations") or []:
        config["configuration"]["stripe_customer_id"] = f"cus_bench{i:05d}"
    contract["spec"]["customer"] = key
    seats = seats_of(i) + (1 + i % 5 if i in variant.seat_delta else 0)
    if i in variant.changed and (i // 10) % 2 == 0:
        seats += 1
    _set_seats(contract, key, seats)
    if i in variant.changed and (i // 10) % 2 == 1:
        contract["spec"]["name"] += " (renamed)"
    docs = [customer, contract]
    if i in variant.addons:
        addon = copy.deepcopy(contract)
        addon["metadata"]["name"] = "addon"
        addon["spec"]["name"] += " add-on"
        _set_seats(addon, key, seats_of(i))
        docs.append(addon)
    return docs


def _set_seats(contract: dict, key: str, seats: int) -> None:
    subscription = contract["spec"]["subscriptions"][0]
    seat_config = subscription.get("seat_config")
    if seat_config is None:
        subscription["quantity"] = seats
    else:
        seat_config["seat_ids"] = [f"seat{n}@{key}.example.com" for n in range(1, seats + 1)]


def write(directory: Path, n: int, variant: Variant = Variant()) -> Path:
    """Write one file per customer under ``directory`` (created); returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = yaml.dump_all(documents(i, variant), Dumper=yaml.CSafeDumper, sort_keys=False, width=120)
        (directory / f"{customer_key(i)}.yaml").write_text(text)
    return directory


def every_tenth(n: int) -> frozenset[int]:
    """10% of the customers, spread over the three set-ups."""
    return frozenset(range(0, n, 10))


def first(count: int, n: int) -> frozenset[int]:
    return frozenset(range(min(count, n)))
