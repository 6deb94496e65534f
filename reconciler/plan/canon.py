"""Canonical values: the one shape in which desired and live objects are compared and fingerprinted.

Timestamps become ``YYYY-MM-DDTHH:MM:SSZ`` strings, numbers become floats, enums upper case, ``None`` and
empty values are dropped. A fingerprint is the sha256 of the canonical JSON (sorted keys, no whitespace), so
equal objects are recognised without a detailed diff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

UTC = dt.timezone.utc


def ts(value: dt.datetime | str | None) -> str | None:
    """The canonical (and request) form of a timestamp: UTC, second precision, ``Z`` suffix."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_ts(value)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return float(value)


def whole(value: Any) -> Any:
    """``2.0`` -> ``2``: requests show quantities the way people write them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def clean(value: Any) -> Any:
    """Drop ``None`` and empty containers recursively, timestamps to strings; keeps ``False`` and ``0``.
    Numbers keep their type (requests send ``2``, not ``2.0``); equality treats ``2 == 2.0`` already."""
    if isinstance(value, dict):
        out = {k: clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {} and v != []}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, dt.datetime):
        return ts(value)
    return whole(value)


def _numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return number(value)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, every number as a float: equal values give equal text."""
    return json.dumps(_numbers(value), sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()


def project(live: Any, desired: Any, always: frozenset[str] = frozenset()) -> Any:
    """The part of ``live`` that ``desired`` manages: keys the manifest leaves unset are not compared
    (the API fills defaults and read-only fields there), except the ``always`` keys (e.g. ``ending_before``,
    where unset means open-ended)."""
    if isinstance(desired, dict) and isinstance(live, dict):
        keys = [*desired, *sorted(k for k in always & set(live) if k not in desired)]
        return {k: project(live[k], desired.get(k), always) for k in keys if k in live}
    return live


def ref_id(value: Any) -> Any:
    """Read shapes return ``{id, name}`` objects where writes take ids."""
    return value.get("id") if isinstance(value, dict) else value


def upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def effective_end(end: str | None, contract_end: str | None) -> str | None:
    """When an item really stops: its own end, or the contract's when that comes first."""
    ends = [e for e in (end, contract_end) if e]
    return min(ends) if ends else None


def with_end(canon: dict, end: str | None) -> dict:
    out = {k: v for k, v in canon.items() if k != "ending_before"}
    return out | ({"ending_before": end} if end else {})
