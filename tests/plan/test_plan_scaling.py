"""The planner's work grows linearly with the estate (issue 7), counted (lines of Python run) rather than timed,
so that a busy machine cannot make the test flaky.

Customers each have the three set-ups (a standard subscription, pooled credits, per-seat commits); their live
state is cloned from one that apply made of the same manifests, and every fourth customer's manifests change (so
edits, fingerprints and the ordering of operations are part of the count). Each further batch of customers must
cost ``plan()`` the same number of lines as the one before; a Python loop over every customer for each one would
make the second batch cost more. (A scan inside one builtin call, ``x in a_list``, is not seen.)
"""

from __future__ import annotations

import copy
import sys

import pytest

from plan.plan_harness import (
    TARGET, NOW, contract, customer, entitlement, pooled_credit, run, seat_commit, seat_subscription,
    subscription, with_spec, write_manifests,
)
from reconciler.live.model import Live
from reconciler.manifest.loader import load
from reconciler.plan.planner import PlanOptions, plan

SEATS = [f"user{i}@example.com" for i in range(40)]


def docs_of(key: str, changed: bool = False) -> list[dict]:
    quantity = 7 if changed else 5
    return [
        customer(key, "Customer"),
        with_spec(contract("std", key, subscriptions=[subscription(quantity=quantity)]), name="Standard"),
        with_spec(contract("pool", key, overrides=[entitlement()], subscriptions=[subscription(quantity=2)],
                           recurring_credits=[pooled_credit()]), name="Pooled"),
        with_spec(contract("seats", key, rate_card="Seats 2025",
                           subscriptions=[seat_subscription(SEATS[:-3] if changed else SEATS)],
                           recurring_commits=[seat_commit()]), name="Seats"),
    ]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Live:
    """The live state apply makes of one customer's manifests."""
    docs = docs_of("template")
    outcome = run(tmp_path_factory.mktemp("template"), docs, docs, converge=False)
    assert outcome.plan is not None and outcome.plan.operations == []
    return outcome.live


def estate(template: Live, tmp, n: int):
    keys = [f"c{i:05d}" for i in range(n)]
    docs = [doc for i, key in enumerate(keys) for doc in docs_of(key, changed=i % 4 == 0)]
    desired = load([write_manifests(tmp / f"estate-{n}", docs)])
    live = Live(catalog=template.catalog)
    for key in keys:
        clone = copy.deepcopy(template.customers["template"])
        clone.customer["ingest_aliases"] = [key]
        for item in clone.contracts:
            item.contract["uniqueness_key"] = item.contract["uniqueness_key"].replace("template/", f"{key}/")
        live.customers[key] = clone
    return desired, live


def work_of_plan(desired, live) -> tuple[int, int]:
    """Lines of Python executed by ``plan()`` (each loop iteration counts), and the operations it made."""
    lines = 0

    def tracer(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
        return tracer

    sys.settrace(tracer)
    try:
        result = plan(desired, live, NOW, PlanOptions(target=TARGET))
    finally:
        sys.settrace(None)
    return lines, len(result.operations)


def test_plan_work_is_linear_in_the_number_of_contracts(template, tmp_path):
    (small, ops), (medium, _), (large, ops_large) = (work_of_plan(*estate(template, tmp_path, n)) for n in (12, 24, 36))
    assert ops > 0 and ops_large == 3 * ops
    # Every 12 customers cost the same lines; a loop over all customers for each one would add 2 * 12**2 lines
    # (or more) to the second step. The tolerance is far below that.
    assert abs((large - medium) - (medium - small)) <= (medium - small) / 1000, (small, medium, large)
