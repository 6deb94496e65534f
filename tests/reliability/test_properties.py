"""Properties over random small estates (issue 8, item 1), each example on a fresh in-memory emulator:

* applying the same plan twice never duplicates anything (customers, contracts, subscriptions, recurring items,
  seats, quantity changes and edits are counted before and after the second apply);
* every planned operation's address is in ``plan.managed``, and no operation names an object created out of band
  (extra customers, and extra contracts on managed customers), which the applies leave byte-for-byte untouched.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_kit import KINDS, NOW, Estate, Harness, assert_exactly_once, census, subscription_state

from reconciler.emulator import Emulator

sizes = st.fixed_dictionaries({"quantity": st.integers(1, 5), "seats": st.integers(1, 4),
                               "unassigned": st.integers(0, 2)})
#: (set-up, sizes at the start or None when the contract does not exist yet, desired sizes); a contract keeps its
#: set-up (changing it is a plan error by design).
contracts = st.tuples(st.sampled_from(KINDS), st.one_of(st.none(), sizes), sizes)
estates = st.lists(contracts, min_size=1, max_size=3)
PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def write(estate: Estate, kind: str, index: int, size: dict) -> None:
    chosen = {"quantity": size["quantity"]} if kind != "seats" else {"seats": size["seats"],
                                                                     "unassigned": size["unassigned"]}
    estate.write(f"cust-{index:03d}", kind, allow_destructive=True, **chosen)


def out_of_band(emu: Emulator, managed_customers: list[str], extra_customers: int) -> set[str]:
    """Objects someone made in the Metronome UI: customers of their own, and a contract on each managed
    customer that has no reconciler uniqueness key. Returns their ids."""
    rate_card = emu.store.docs("rate_cards", "1=1")[0]["id"]

    async def make() -> set[str]:
        ids: set[str] = set()
        async with emu.client() as client:
            for i in range(extra_customers):
                made = await client.post("/v1/customers", json={"name": f"Out of band {i}",
                                                                "ingest_aliases": [f"oob-{i}"]})
                assert made.status_code == 200, made.text
                ids.add(made.json()["data"]["id"])
            owners = [r[1] for r in emu.store.query("SELECT alias, customer_id FROM ingest_aliases")
                      if r[0] in managed_customers] + sorted(ids)
            for owner in owners:
                made = await client.post("/v1/contracts/create", json={
                    "customer_id": owner, "rate_card_id": rate_card, "starting_at": "2025-01-01T00:00:00Z",
                    "name": "made in the UI"})
                assert made.status_code == 200, made.text
                ids.add(made.json()["data"]["id"])
        return ids
    return asyncio.run(make())


def documents(emu: Emulator, ids: set[str]) -> str:
    rows = [emu.store.get(table, i) for i in sorted(ids) for table in ("customers", "contracts")]
    edits = emu.store.query("SELECT COUNT(*) FROM edits WHERE contract_id IN (%s)" % ",".join("?" * len(ids)),
                            tuple(sorted(ids)))
    return json.dumps([r for r in rows if r], sort_keys=True) + str(edits)


def counts(emu: Emulator, estate: Estate) -> str:
    return json.dumps([census(emu)["totals"], {n: subscription_state(emu, n) for n in estate.kinds},
                       emu.store.count("edits"), emu.store.count("contracts")], sort_keys=True, default=str)


def fresh() -> tuple[Harness, Path]:
    root = Path(tempfile.mkdtemp(prefix="reliability-"))
    return Harness(Emulator(clock=NOW), "emulator:property.db", root / "journal"), root


@pytest.mark.slow
@given(estate_spec=estates, extra=st.integers(0, 2))
@PROPERTY
def test_a_plan_applied_twice_duplicates_nothing_and_touches_only_the_managed_set(estate_spec, extra):
    harness, root = fresh()
    estate = Estate(root / "manifests")
    estate.root.mkdir()
    for index, (kind, start, _) in enumerate(estate_spec):
        if start is not None:
            write(estate, kind, index, start)
    if estate.kinds:
        assert harness.apply(harness.plan(estate.root)).ok
    foreign = out_of_band(harness.emu, list(estate.kinds), extra)
    before_foreign = documents(harness.emu, foreign)
    for index, (kind, _, desired) in enumerate(estate_spec):
        write(estate, kind, index, desired)

    plan = harness.plan(estate.root)
    managed = set(plan.managed)
    for op in plan.operations:
        assert op.address in managed or op.kind == "custom_field_key", op.address
        body = op.request.body or {}
        assert not {op.live_id, op.customer_id, body.get("customer_id"), body.get("contract_id")} & foreign, op.id
    assert harness.apply(plan).ok
    once = counts(harness.emu, estate)
    assert harness.apply(plan, journal=root / "again.jsonl").ok
    assert counts(harness.emu, estate) == once
    assert harness.plan(estate.root).operations == []
    assert_exactly_once(harness.emu, estate, ignore=foreign)
    assert documents(harness.emu, foreign) == before_foreign
    harness.emu.close()
