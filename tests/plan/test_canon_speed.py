"""The planner's hot canonicalisation helpers are written for speed; these properties pin them to the plain
definitions they replaced, on arbitrary JSON-like values (what API reads and manifest dumps are made of)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan.canon import clean, covers, effective_end, project, ts, whole

KEYS = st.sampled_from(["a", "b", "ending_before", "starting_at", "quantity", "id", "name"])
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10), st.floats(allow_nan=False), st.text(max_size=3),
    st.datetimes(timezones=st.just(dt.timezone.utc)),
)
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=15)


def plain_clean(value: Any) -> Any:
    """``clean`` as it was written before it was tuned (b28f530)."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            item = plain_clean(item)
            if item is None or (type(item) in (dict, list) and not item):
                continue
            out[key] = item
        return out
    if kind is str or kind is int or kind is bool:
        return value
    if kind is list or kind is tuple:
        return [plain_clean(v) for v in value]
    if kind is float:
        return whole(value)
    if isinstance(value, dt.datetime):
        return ts(value)
    return whole(value)


def plain_project(live: Any, desired: Any, always: frozenset[str] = frozenset()) -> Any:
    if isinstance(desired, dict) and isinstance(live, dict):
        keys = [*desired, *sorted(k for k in always & set(live) if k not in desired)]
        return {k: plain_project(live[k], desired.get(k), always) for k in keys if k in live}
    return live


def same(a: Any, b: Any) -> bool:
    """Equal, and equal in type all the way down (``2 == 2.0`` would hide a change in what requests send)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@settings(max_examples=150, deadline=None)
@given(VALUES)
def test_clean_is_the_plain_definition(value):
    assert same(clean(value), plain_clean(value))


@settings(max_examples=150, deadline=None)
@given(VALUES, VALUES, st.sampled_from([frozenset(), frozenset({"ending_before"}), frozenset({"a", "id"})]))
def test_project_is_the_plain_definition(live, desired, always):
    assert same(project(live, desired, always), plain_project(live, desired, always))


@settings(max_examples=100, deadline=None)
@given(VALUES, VALUES, st.sampled_from([frozenset(), frozenset({"ending_before"}), frozenset({"a", "id"})]))
def test_covers_is_projecting_and_comparing(live, desired, always):
    assert covers(live, desired, always) == (plain_project(live, desired, always) == desired)


@settings(max_examples=200, deadline=None)
@given(VALUES, st.sampled_from([frozenset(), frozenset({"ending_before"})]), st.data())
def test_covers_a_live_value_built_from_the_desired_one(desired, always, data):
    """Random pairs are rarely equal; these are, up to what the live side adds or changes."""
    live = data.draw(_grown(desired))
    assert covers(live, desired, always) == (plain_project(live, desired, always) == desired)


def _grown(value):
    """``value`` with keys added (and sometimes a leaf changed or a key dropped), as a live read differs."""
    if not isinstance(value, dict):
        return st.one_of(st.just(value), LEAVES)
    items = {k: _grown(v) for k, v in value.items()}
    return st.builds(lambda kept, extra, drop: {**{k: v for k, v in kept.items() if k != drop}, **extra},
                     st.fixed_dictionaries(items), st.dictionaries(KEYS, LEAVES, max_size=2),
                     st.one_of(st.none(), st.sampled_from(sorted(value) or [None])))


def test_covers_compares_nan_as_dict_equality_does():
    nan = float("nan")
    assert covers({"a": nan, "b": 1}, {"a": nan}) is ({"a": nan} == {"a": nan})


def test_project_keeps_always_keys_in_sorted_order_after_the_desired_ones():
    live = {"id": 1, "b": 2, "a": 3, "ending_before": "x"}
    assert list(project(live, {"b": 0}, frozenset({"id", "ending_before", "a"}))) == ["b", "a", "ending_before", "id"]


@pytest.mark.parametrize("end", [None, "", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"])
@pytest.mark.parametrize("contract_end", [None, "", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"])
def test_effective_end_is_the_earliest_end_given(end, contract_end):
    ends = [e for e in (end, contract_end) if e]
    assert effective_end(end, contract_end) == (min(ends) if ends else None)
