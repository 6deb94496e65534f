"""Tracking which live fields an import consumed, so that nothing is dropped silently.

The converter reads live read shapes through :class:`Fields`: every key it reads or deliberately ignores
(ids, timestamps and other read-only fields) is marked. What is left with a non-empty value is a field the
manifest format cannot express; :meth:`Tracker.skipped` lists each one by path (list elements one by one),
for stderr and for the ``# not imported:`` comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Skipped:
    """A live field that the import could not express in a manifest."""

    address: str
    """The manifest address it belongs to (``customer.acme``, ``contract.acme/pro``)."""
    path: str
    """Where it is in the live object, with manifest keys for items: ``subscriptions[pro].payment_gate_config``."""
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.address}: not imported: {self.path}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Tracker:
    """Every :class:`Fields` view of one manifest document, to collect what was left unread."""

    address: str
    views: list["Fields"] = field(default_factory=list)
    extra: list[Skipped] = field(default_factory=list)

    def view(self, data: dict | None, path: str) -> "Fields":
        fields = Fields(data or {}, path, self)
        self.views.append(fields)
        return fields

    def skip(self, path: str, detail: str = "") -> None:
        """Report a field that was read but cannot be expressed (e.g. a future quantity change)."""
        self.extra.append(Skipped(self.address, path, detail))

    def skipped(self) -> list[Skipped]:
        found = list(self.extra)
        for view in self.views:
            found += view.leftovers()
        return sorted(set(found), key=lambda s: s.path)


class Fields:
    """A read-only view of a live dict that remembers which keys were used."""

    def __init__(self, data: dict, path: str, tracker: Tracker) -> None:
        self.data, self.path, self.tracker = data, path, tracker
        self.used: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        value = self.data.get(key)
        return default if value is None else value

    def ignore(self, *keys: str) -> None:
        """Read-only or generated fields: never part of a manifest, never reported."""
        self.used.update(keys)

    def child(self, key: str) -> "Fields":
        self.used.add(key)
        value = self.data.get(key)
        return self.tracker.view(value if isinstance(value, dict) else {}, self._join(key))

    def items(self, key: str, labels: list[str] | None = None) -> list["Fields"]:
        """Views of the dicts in a list field, each with its own path (``key[label]``)."""
        self.used.add(key)
        values = [v for v in self.data.get(key) or [] if isinstance(v, dict)]
        return [self.tracker.view(v, f"{self._join(key)}[{labels[i] if labels else i}]")
                for i, v in enumerate(values)]

    def leftovers(self) -> list[Skipped]:
        out = []
        for key, value in self.data.items():
            if key in self.used or _empty(value):
                continue
            if isinstance(value, list):
                out += [Skipped(self.tracker.address, f"{self._join(key)}[{i}]", describe(item))
                        for i, item in enumerate(value)]
            else:
                out.append(Skipped(self.tracker.address, self._join(key), describe(value)))
        return out

    def _join(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value is False


def describe(value: Any) -> str:
    """A short description of a skipped value for people: a product name, a name, or the value itself."""
    if isinstance(value, dict):
        product = value.get("product")
        name = value.get("name") or (product.get("name") if isinstance(product, dict) else None)
        if name:
            return str(name)
        text = ", ".join(f"{k} {v}" for k, v in sorted(value.items()) if not isinstance(v, (dict, list)))
        return text if len(text) <= 80 else text[:77] + "..."
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
