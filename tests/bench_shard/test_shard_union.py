"""``--shard K/N`` partitions a plan: for N = 1..4, the shard plans together are exactly the whole plan.

The estate (against the embedded emulator, on a file) mixes every kind of customer operation: customers and
contracts to create, contracts to edit (a seat change, a rename), contracts with nothing to do. Operations on a
customer land in exactly one shard; account-wide operations (custom field keys) may repeat in every shard that
needs them, and applying them twice is harmless, so they are compared as a set.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from example_estate import EXAMPLES, applied_estate
from reconciler.cli import cli
from reconciler.pipeline import make_plan, shard_of

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
CUSTOMERS = 12


def _plan(paths, db: Path, shard: str | None = None):
    return asyncio.run(make_plan([str(p) for p in paths], endpoint=f"emulator:{db}", now=NOW, shard=shard))


def _operations(the_plan) -> tuple[Counter, set]:
    """Per-customer operations as a multiset, account-wide ones as a set, each as id + exact request."""
    per_customer, account = Counter(), set()
    for op in the_plan.operations:
        request = json.dumps(op.request.model_dump(mode="json"), sort_keys=True)
        entry = (op.id, op.address, op.action, request)
        (account.add(entry) if op.kind == "custom_field_key" else per_customer.update([entry]))
    return per_customer, account


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> tuple[Path, Path]:
    """Half the customers applied, then a third of those changed, and the other half still to create."""
    return applied_estate(tmp_path_factory.mktemp("shard-estate"), CUSTOMERS, applied=CUSTOMERS // 2,
                          changed=lambda i: i < CUSTOMERS // 2 and i % 3 == 0, now=NOW)


def test_the_estate_needs_creates_and_edits(estate):
    manifests, db = estate
    actions = Counter((op.kind, op.action) for op in _plan([manifests], db).operations)
    assert actions[("customer", "create")] == CUSTOMERS // 2
    assert actions[("contract", "create")] == CUSTOMERS // 2
    assert sum(n for (kind, action), n in actions.items() if kind == "contract" and action != "create") >= 2


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_union_of_shard_plans_is_the_whole_plan(estate, count):
    manifests, db = estate
    whole_ops, whole_account = _operations(_plan([manifests], db))
    union, account = Counter(), set()
    owners: dict[str, int] = {}
    for k in range(1, count + 1):
        shard_ops, shard_account = _operations(_plan([manifests], db, shard=f"{k}/{count}"))
        for (_, address, _, _) in shard_ops:
            assert owners.setdefault(address, k) == k, f"{address} is in shards {owners[address]} and {k}"
        union += shard_ops
        account |= shard_account
    assert union == whole_ops
    assert account == whole_account


def test_a_customer_and_its_contracts_share_a_shard(estate):
    manifests, db = estate
    for op in _plan([manifests], db, shard="2/3").operations:
        if op.kind != "custom_field_key":
            customer = op.address.split(".", 1)[1].split("/", 1)[0]
            assert shard_of(customer, 3) == 2


def test_plan_cli_takes_shard(estate, monkeypatch):
    manifests, db = estate
    monkeypatch.setenv("RECONCILER_ENDPOINT", f"emulator:{db}")
    whole = CliRunner().invoke(cli, ["plan", str(manifests), "--format", "json", "--now", "2026-11-20T12:00:00Z"])
    parts = [CliRunner().invoke(cli, ["plan", str(manifests), "--format", "json", "--now", "2026-11-20T12:00:00Z",
                                      "--shard", f"{k}/2"]) for k in (1, 2)]
    assert whole.exit_code == 0, whole.output
    assert all(p.exit_code == 0 for p in parts), [p.output for p in parts]
    addresses = lambda result: Counter(op["address"] for op in json.loads(result.stdout)["operations"]
                                       if op["kind"] != "custom_field_key")
    assert addresses(parts[0]) + addresses(parts[1]) == addresses(whole)


@pytest.mark.parametrize("bad", ["0/2", "3/2", "x", "1/0"])
def test_plan_cli_refuses_a_bad_shard(bad, tmp_path):
    result = CliRunner().invoke(cli, ["plan", str(EXAMPLES), "--shard", bad])
    assert result.exit_code == 1
    assert "--shard" in result.output
