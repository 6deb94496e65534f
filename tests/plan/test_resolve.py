"""Catalog references: a name resolved once is not looked up again, and every failing reference is still
reported at its own address (the resolver remembers successes only)."""

from __future__ import annotations

from reconciler.live.model import Catalog
from reconciler.plan.resolve import Resolver

PRO = "0f5359e5-83bf-4375-be46-91caea50a206"
CATALOG = Catalog(products=[{"id": PRO, "current": {"name": "Pro Plan"}},
                            {"id": "a2f0c1de-0000-4000-8000-000000000001", "current": {"name": "Twin"}},
                            {"id": "a2f0c1de-0000-4000-8000-000000000002", "current": {"name": "Twin"}}])


def test_a_name_and_an_id_resolve_the_same_every_time():
    resolver = Resolver(CATALOG)
    assert [resolver.product("Pro Plan", f"contract.c{i}: product") for i in range(3)] == [PRO] * 3
    assert [resolver.product(PRO, f"contract.c{i}: product") for i in range(2)] == [PRO] * 2
    assert resolver.problems == []


def test_each_failing_reference_is_reported_where_it_is():
    resolver = Resolver(CATALOG)
    resolver.product("Pro Plan", "contract.a: product")
    for where in ("contract.a: product", "contract.b: product"):
        assert resolver.product("Pro Plam", where) == "Pro Plam"
        assert resolver.product("Twin", where) == "Twin"
        resolver.product("6b7c0d2e-0000-4000-8000-00000000dead", where)
    assert [p.split(":", 1)[0] for p in resolver.problems] == ["contract.a"] * 3 + ["contract.b"] * 3
    assert "unknown product 'Pro Plam' (did you mean 'Pro Plan'?)" in resolver.problems[0]
    assert "ambiguous" in resolver.problems[1] and "no product with id" in resolver.problems[2]
