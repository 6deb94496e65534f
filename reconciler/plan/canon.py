"""Canonical values: the one shape in which desired and live objects are compared and fingerprinted.

Timestamps become ``YYYY-MM-DDTHH:MM:SSZ`` strings, numbers become floats, enums upper case, ``None`` and
empty values are dropped. A fingerprint is the sha256 of the canonical JSON (sorted keys, no whitespace), so
equal objects are recognised without a detailed diff.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from typing import Any

UTC = dt.timezone.utc


def ts(value: dt.datetime | str | None) -> str | None:
    """The canonical (and request) form of a timestamp: UTC, second precision, ``Z`` suffix."""
    return None if value is None else _ts(value)


@functools.lru_cache(maxsize=65536)
def _ts(value: dt.datetime | str) -> str:
    # Estates repeat the same few dates thousands of times; parsing and formatting each once is enough.
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
    kind = type(value)
    if kind is dict:
        return _clean_dict(value)
    if kind in _AS_IS:
        return value
    if kind is list or kind is tuple:
        # Leaves are most items: skipping a call per leaf is most of the speed on a large estate.
        return [v if type(v) in _AS_IS else clean(v) for v in value]
    if kind is float:
        return whole(value)
    if isinstance(value, dt.datetime):
        return ts(value)
    return whole(value)


#: Types :func:`clean` returns unchanged (``None`` too: a list keeps its ``None`` items; a dict drops them).
_AS_IS = frozenset({str, int, bool, type(None)})


def _clean_dict(value: dict) -> dict:
    # The planner's hottest loop (every canonical item of every contract): the common types are handled inline,
    # in the order they occur, rather than by a call to clean() per value; tests pin it to the plain definition.
    out = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str or kind is int or kind is bool:
            out[key] = item
        elif item is None:
            continue
        elif kind is dict:
            item = _clean_dict(item)
            if item:
                out[key] = item
        elif kind is float:
            out[key] = whole(item)
        elif kind is dt.datetime:
            out[key] = _ts(item)
        elif kind is list:
            item = [v if type(v) in _AS_IS else clean(v) for v in item]
            if item:
                out[key] = item
        else:
            item = clean(item)
            if item or type(item) not in _CONTAINERS:
                out[key] = item
    return out


_CONTAINERS = frozenset({dict, list})


def _numbers(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _numbers(v) for k, v in value.items()}
    if kind is list:
        return [_numbers(v) for v in value]
    if kind is int:
        return float(value)
    return value if kind in (str, float, bool) or value is None else number(value)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, every number as a float: equal values give equal text."""
    return json.dumps(_numbers(value), sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()


def raw_fingerprint(value: Any) -> str:
    """A fingerprint of an API read as it came (both sides of the comparison are reads of the same API)."""
    return "sha256:" + hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"),
                                                 default=str).encode()).hexdigest()


def project(live: Any, desired: Any, always: frozenset[str] = frozenset()) -> Any:
    """The part of ``live`` that ``desired`` manages: keys the manifest leaves unset are not compared
    (the API fills defaults and read-only fields there), except the ``always`` keys (e.g. ``ending_before``,
    where unset means open-ended)."""
    if not (isinstance(desired, dict) and isinstance(live, dict)):
        return live
    out = {}
    keys = [*desired, *sorted(k for k in always if k in live and k not in desired)] if always else desired
    for key in keys:
        if key in live:
            item, wanted = live[key], desired.get(key)
            out[key] = project(item, wanted, always) if isinstance(item, dict) and isinstance(wanted, dict) else item
    return out


def covers(live: Any, desired: Any, always: frozenset[str] = frozenset()) -> bool:
    """``project(live, desired, always) == desired``, without building the projection: on an estate that matches
    its manifests, this is the answer of almost every comparison."""
    if not (isinstance(desired, dict) and isinstance(live, dict)):
        return live is desired or live == desired
    for key in always:
        if key in live and key not in desired:
            return False
    for key, wanted in desired.items():
        if key not in live:
            return False
        item = live[key]
        if isinstance(wanted, dict) and isinstance(item, dict):
            if not covers(item, wanted, always):
                return False
        elif not (item is wanted or item == wanted):
            return False
    return True


def ref_id(value: Any) -> Any:
    """Read shapes return ``{id, name}`` objects where writes take ids."""
    return value.get("id") if isinstance(value, dict) else value


def upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def effective_end(end: str | None, contract_end: str | None) -> str | None:
    """When an item really stops: its own end, or the contract's when that comes first."""
    if end and contract_end:
        return min(end, contract_end)
    return end or contract_end or None


def with_end(canon: dict, end: str | None) -> dict:
    """``canon`` ending at ``end`` (``ending_before`` last); ``canon`` itself when it has no end and gets none.
    Canonical values are read, never changed in place."""
    if not end and "ending_before" not in canon:
        return canon
    out = {k: v for k, v in canon.items() if k != "ending_before"}
    return out | ({"ending_before": end} if end else {})
