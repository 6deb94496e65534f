"""Identity without a state file: contract uniqueness keys, and matching manifest list items to live items."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler.plan.identity import (
    MAX_UNIQUENESS_KEY, changed_identity, contract_uniqueness_key, is_managed_key, match_items, operation_key,
)

WHERE = "contract.acme/pro: subscriptions"


def product(item) -> tuple:
    return (item["product"],)


def match(desired, live, pins=None, tie_breakers=()):
    return match_items(desired, live, pins=pins or {}, identity=product, live_identity=product,
                       tie_breakers=list(tie_breakers), where=WHERE)


NAME = (lambda d: d.get("name"), lambda r: r.get("name"))
START = (lambda d: d.get("start"), lambda r: r.get("start"))

# -- contract keys ---------------------------------------------------------------------------------------------

def test_contract_key_is_readable_when_short():
    assert contract_uniqueness_key("acme", "pro") == "reconciler:acme/pro"
    assert is_managed_key("reconciler:acme/pro")
    assert not is_managed_key("someone-else") and not is_managed_key(None)


@given(st.text(min_size=1, max_size=300), st.text(min_size=1, max_size=300))
def test_contract_key_is_at_most_128_characters_deterministic_and_managed(customer, name):
    key = contract_uniqueness_key(customer, name)
    assert len(key) <= MAX_UNIQUENESS_KEY == 128
    assert key == contract_uniqueness_key(customer, name)
    assert is_managed_key(key)


def test_long_addresses_hash_to_distinct_keys():
    a = contract_uniqueness_key("c" * 100, "a" * 40)
    b = contract_uniqueness_key("c" * 100, "b" * 40)
    assert a != b and a.startswith("reconciler:sha256:") and len(a) <= 128


def test_operation_key_depends_on_every_part_and_fits():
    key = operation_key("contract.acme/pro", "sha256:1", 0, "{}")
    assert key == operation_key("contract.acme/pro", "sha256:1", 0, "{}")
    assert key != operation_key("contract.acme/pro", "sha256:2", 0, "{}")
    assert key != operation_key("contract.acme/pro", "sha256:1", 1, "{}")
    assert len(key) <= 128


# -- matching --------------------------------------------------------------------------------------------------

def test_items_match_by_identity_and_the_rest_is_new_or_unmatched():
    live = [{"id": "s1", "product": "pro"}, {"id": "s2", "product": "team"}]
    result = match({"pro": {"product": "pro"}, "seats": {"product": "seats"}}, live)
    assert result.pairs == {"pro": live[0]}
    assert result.new == ["seats"]
    assert result.unmatched_live == [live[1]]
    assert result.errors == []


def test_a_pin_wins_over_identity():
    live = [{"id": "s1", "product": "pro"}, {"id": "s2", "product": "pro"}]
    result = match({"a": {"product": "other"}}, live, pins={"a": "s2"})
    assert result.pairs == {"a": live[1]} and result.errors == []


def test_a_pin_to_a_missing_item_is_an_error_naming_it():
    result = match({"a": {"product": "pro"}}, [{"id": "s1", "product": "pro"}], pins={"a": "nope"})
    assert result.errors == [f"{WHERE}[a]: pinned id nope is not a live item of this contract"]
    assert "a" not in result.pairs and result.new == []


def test_a_pinned_item_is_not_matched_again():
    live = [{"id": "s1", "product": "pro"}, {"id": "s2", "product": "pro"}]
    result = match({"a": {"product": "pro"}, "b": {"product": "pro"}}, live, pins={"a": "s1"})
    assert result.pairs == {"a": live[0], "b": live[1]}


def test_tie_breakers_narrow_in_order():
    live = [{"id": "s1", "product": "pro", "start": "2026", "name": "x"},
            {"id": "s2", "product": "pro", "start": "2026", "name": "y"},
            {"id": "s3", "product": "pro", "start": "2025", "name": "y"}]
    result = match({"a": {"product": "pro", "start": "2026", "name": "y"}}, live, tie_breakers=[START, NAME])
    assert result.pairs == {"a": live[1]}


def test_a_tie_breaker_that_matches_nothing_or_is_unset_is_skipped():
    live = [{"id": "s1", "product": "pro", "name": "x"}, {"id": "s2", "product": "pro", "name": "y"}]
    result = match({"a": {"product": "pro", "start": "2030", "name": "y"}}, live, tie_breakers=[START, NAME])
    assert result.pairs == {"a": live[1]}


def test_two_live_candidates_left_are_an_error_naming_both():
    live = [{"id": "s2", "product": "pro"}, {"id": "s1", "product": "pro"}]
    result = match({"a": {"product": "pro"}}, live, tie_breakers=[NAME])
    assert result.errors == [f"{WHERE}[a]: matches several live items (s1, s2); pin one with id:"]
    assert result.pairs == {} and result.new == []


def test_one_live_item_is_matched_by_one_manifest_item_only():
    live = [{"id": "s1", "product": "pro"}]
    result = match({"a": {"product": "pro"}, "b": {"product": "pro"}}, live)
    assert result.pairs == {"a": live[0]} and result.new == ["b"]


def test_changed_identity_pairs_a_new_key_with_the_live_item_it_was():
    live = [{"id": "s1", "start": "2026", "name": "Pro"}, {"id": "s2", "start": "2027", "name": "Pro"}]
    same = lambda d, r: d["start"] == r["start"]  # noqa: E731
    assert changed_identity(["a", "b"], {"a": {"start": "2027"}, "b": {"start": "2030"}}, live, same) == {
        "a": live[1]}
    assert changed_identity(["a", "b"], {"a": {"start": "2026"}, "b": {"start": "2026"}}, live, same) == {
        "a": live[0]}
