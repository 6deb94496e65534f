"""Resolve catalog references in manifests (a name or an id) to Metronome ids, against the live catalog.

Names must be unique in the catalog; an unknown or ambiguous name is an error that names the manifest address,
the field, and the candidates, and every such error of a run is reported together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.errors import CatalogError
from reconciler.live.model import Catalog
from reconciler.manifest.types import is_uuid


def product_name(product: dict) -> str:
    """A ``ProductListItem``'s name lives in ``current.name`` (``name`` on older shapes)."""
    return (product.get("current") or {}).get("name") or product.get("name") or ""


@dataclass
class _Index:
    label: str
    by_id: dict[str, dict]
    by_name: dict[str, list[dict]]

    @classmethod
    def build(cls, label: str, items: list[dict], name_of) -> "_Index":
        by_name: dict[str, list[dict]] = {}
        for item in items:
            by_name.setdefault(name_of(item), []).append(item)
        return cls(label, {i["id"]: i for i in items}, by_name)


@dataclass
class Resolver:
    """Looks up catalog references; collects every failure instead of stopping at the first."""

    catalog: Catalog
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._indexes = {
            "product": _Index.build("product", self.catalog.products, product_name),
            "rate card": _Index.build("rate card", self.catalog.rate_cards, lambda r: r.get("name", "")),
            "credit type": _Index.build("credit type", self.catalog.credit_types, lambda c: c.get("name", "")),
        }
        # Every contract of an estate names the same few products: look each one up once. Only successes are
        # kept, so each failing reference still reports its own manifest address.
        self._found: dict[tuple[str, str], str] = {}

    def product(self, ref: str | None, where: str) -> str | None:
        return self._resolve("product", ref, where)

    def rate_card(self, ref: str | None, where: str) -> str | None:
        return self._resolve("rate card", ref, where)

    def credit_type(self, ref: str | None, where: str) -> str | None:
        # Callers pass either the field or its parent (``...access_amount``); the message names the field.
        field = where if where.endswith(".credit_type") else f"{where}.credit_type"
        return self._resolve("credit type", ref, field)

    def raise_if_problems(self) -> None:
        if self.problems:
            raise CatalogError("\n".join(self.problems),
                               hint="names are matched exactly against the live catalog; use the id to be explicit")

    def _resolve(self, kind: str, ref: str | None, where: str) -> str | None:
        if ref is None:
            return None
        hit = self._found.get((kind, ref))
        if hit is not None:
            return hit
        index = self._indexes[kind]
        if is_uuid(ref):
            if ref in index.by_id:
                self._found[(kind, ref)] = ref
                return ref
            self.problems.append(f"{where}: no {kind} with id {ref} in the live catalog")
            return ref
        found = index.by_name.get(ref, [])
        if len(found) == 1:
            self._found[(kind, ref)] = found[0]["id"]
            return found[0]["id"]
        if found:
            ids = ", ".join(sorted(i["id"] for i in found))
            self.problems.append(f"{where}: {kind} name {ref!r} is ambiguous ({ids}); give the id instead")
        else:
            self.problems.append(f"{where}: unknown {kind} {ref!r}{self._suggest(index, ref)}")
        return ref

    @staticmethod
    def _suggest(index: _Index, ref: str) -> str:
        import difflib

        close = difflib.get_close_matches(ref, list(index.by_name), n=3)
        return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
