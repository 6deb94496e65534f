"""Identities for imported manifests: customer keys, contract names and pins, item keys, catalog references.

* **Customer key** (``metadata.name``): the first ingest alias that is a valid manifest name, else a slug of the
  customer's name made unique among the imported customers. ``spec.id`` is always pinned, so identity is exact
  even when the key is a slug (the planner then keeps the key as an extra ingest alias).
* **Contract name**: the name inside a reconciler ``uniqueness_key`` (``reconciler:<customer>/<name>``) when the
  key belongs to this customer; such a contract is found by that key and needs no pin. Every other contract
  gets a slug of its name, unique within the customer, and an ``id:`` pin.
* **Item keys**: slugs of the item's name or product, unique per key namespace of the contract.
* **Catalog references**: the name where exactly one catalog object has it (and it reads back unchanged),
  else the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reconciler.live.model import Catalog
from reconciler.manifest.types import NAME_PATTERN, is_uuid
from reconciler.plan.identity import UNIQUENESS_PREFIX
from reconciler.plan.resolve import product_name

MAX_NAME = 63
_VALID = re.compile(NAME_PATTERN)


def is_name(value: str | None) -> bool:
    return bool(value) and bool(_VALID.match(value))


def slug(text: str | None, fallback: str = "item") -> str:
    """``"Acme Pro (annual)"`` -> ``acme-pro-annual``: a valid manifest name, never empty."""
    out = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:MAX_NAME].strip("-")
    return out if is_name(out) else fallback


class Names:
    """Hands out unique names within one namespace, suffixing ``-2``, ``-3``… on collisions."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def claim(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            n += 1
            suffix = f"-{n}"
            name = base[:MAX_NAME - len(suffix)].rstrip("-._") + suffix
        self.taken.add(name)
        return name


def customer_keys(customers: list[dict]) -> dict[str, str]:
    """Customer id -> manifest key, for the customers imported together."""
    keys: dict[str, str] = {}
    for customer in customers:
        alias = next((a for a in customer.get("ingest_aliases") or [] if is_name(a)), None)
        if alias:
            keys[customer["id"]] = alias
    taken = set(keys.values()) | {a for c in customers for a in c.get("ingest_aliases") or []}
    names = Names(taken)
    for customer in sorted(customers, key=lambda c: (c.get("name") or "", c["id"])):
        if customer["id"] not in keys:
            keys[customer["id"]] = names.claim(slug(customer.get("name"), "customer"))
    return keys


def reconciler_name(uniqueness_key: str | None, customer_key: str) -> str | None:
    """The contract name inside ``reconciler:<customer_key>/<name>``, when it is one."""
    prefix = f"{UNIQUENESS_PREFIX}{customer_key}/"
    if uniqueness_key and uniqueness_key.startswith(prefix):
        name = uniqueness_key[len(prefix):]
        return name if is_name(name) else None
    return None


def contract_names(contracts: list[dict], customer_key: str) -> dict[str, tuple[str, bool]]:
    """Contract id -> (manifest name, pinned). Names from our uniqueness keys are claimed first."""
    out: dict[str, tuple[str, bool]] = {}
    for contract in contracts:
        name = reconciler_name(contract.get("uniqueness_key"), customer_key)
        if name and name not in {n for n, _ in out.values()}:
            out[contract["id"]] = (name, False)
    names = Names(n for n, _ in out.values())
    for contract in sorted(contracts, key=lambda c: (c.get("starting_at") or "", c["id"])):
        if contract["id"] not in out:
            out[contract["id"]] = (names.claim(slug(contract.get("name"), "contract")), True)
    return out


class CatalogRefs:
    """Catalog ids -> the reference a manifest should write: the unique name, else the id."""

    def __init__(self, catalog: Catalog) -> None:
        self._labels = {p["id"]: product_name(p) for p in catalog.products}
        self._names = {
            "product": _unique_names(catalog.products, product_name),
            "rate_card": _unique_names(catalog.rate_cards, lambda r: r.get("name") or ""),
            "credit_type": _unique_names(catalog.credit_types, lambda c: c.get("name") or ""),
        }

    def product_label(self, value: dict | str | None) -> str | None:
        """A product's name for people (keys, comments), unique or not; the id when the catalog lacks it."""
        ref_id = value.get("id") if isinstance(value, dict) else value
        return self._labels.get(ref_id, ref_id) if ref_id else None

    def product(self, value: dict | str | None) -> str | None:
        return self._ref("product", value)

    def rate_card(self, value: str | None) -> str | None:
        return self._ref("rate_card", value)

    def credit_type(self, value: dict | str | None) -> str | None:
        return self._ref("credit_type", value)

    def _ref(self, kind: str, value: dict | str | None) -> str | None:
        ref_id = value.get("id") if isinstance(value, dict) else value
        if not ref_id:
            return None
        return self._names[kind].get(ref_id, ref_id)


def _unique_names(items: list[dict], name_of) -> dict[str, str]:
    """id -> name, for the names exactly one catalog object carries and that a manifest can write as is."""
    counts: dict[str, int] = {}
    for item in items:
        counts[name_of(item)] = counts.get(name_of(item), 0) + 1
    return {item["id"]: name_of(item) for item in items
            if counts[name_of(item)] == 1 and _writable(name_of(item))}


def _writable(name: str) -> bool:
    return bool(name) and name == name.strip() and len(name) <= 255 and not is_uuid(name)
