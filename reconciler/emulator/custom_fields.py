"""Custom field rules (reference §7.5): keys are an allowlist per entity, values may be uniqueness-enforced.

Writes are collected as :class:`CustomFieldWrites` while a request is validated and applied inside the request's
transaction, so a rejected contract create or edit leaves no stray values behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.emulator.errors import bad_request
from reconciler.emulator.store import Store

MAX_VALUE_LENGTH = 200


@dataclass
class CustomFieldWrites:
    """Pending ``(entity, entity_id, key, value)`` writes of one request."""

    values: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, store: Store, entity: str, entity_id: str, fields: dict[str, str] | None, path: str) -> None:
        for key, value in (fields or {}).items():
            check_value(store, entity, entity_id, key, value, f"{path}.{key}", pending=self.values)
            self.values.append((entity, entity_id, key, value))

    def apply(self, store: Store) -> None:
        for entity, entity_id, key, value in self.values:
            store.set_custom_field(entity, entity_id, key, value)


def check_value(store: Store, entity: str, entity_id: str, key: str, value: str, path: str,
                pending: list[tuple[str, str, str, str]] = ()) -> None:
    enforce = store.custom_field_key(entity, key)
    if enforce is None:
        raise bad_request(f"{path}: custom field key {key!r} is not registered for entity {entity!r} "
                          "(add it with /v1/customFields/addKey)")
    if len(value) > MAX_VALUE_LENGTH:
        raise bad_request(f"{path}: custom field values are limited to {MAX_VALUE_LENGTH} characters")
    if not enforce:
        return
    holder = store.custom_field_holder(entity, key, value)
    pending_holder = next((eid for e, eid, k, v in pending if (e, k, v) == (entity, key, value)), None)
    for other in (holder, pending_holder):
        if other is not None and other != entity_id:
            raise bad_request(f"{path}: value {value!r} of uniqueness-enforced key {key!r} is already used by "
                              f"{entity} {other}")
