"""Loading the manifests in a child process while reading live state (``load_and_read`` above
``overlap_files``): the same desired state, live state and plan as loading first, the same manifest errors, and
correct reads when a customer's manifests arrive in different batches."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from example_estate import EXAMPLES, applied_estate
import reconciler.pipeline as pipeline
from reconciler.cli import cli
from reconciler.errors import ConfigError, ManifestError
from reconciler.live.read import read_live, read_live_as_loaded
from reconciler.manifest.desired import Desired
from reconciler.manifest.loader import load
from reconciler.metronome import open_client, resolve_endpoint
from reconciler.pipeline import load_and_read
from reconciler.plan.planner import PlanOptions, default_effective_at, plan

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
CUSTOMERS = 9


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> tuple[Path, Path]:
    """Six customers applied (two of them since changed), three still to create."""
    return applied_estate(tmp_path_factory.mktemp("overlap-estate"), CUSTOMERS, applied=6,
                          changed=lambda i: i in (0, 2), now=NOW)


def _load_and_read(paths, db: Path, *, overlap: bool, shard: str | None = None):
    return asyncio.run(load_and_read([str(p) for p in paths], endpoint=f"emulator:{db}", now=NOW, shard=shard,
                                     overlap_files=0 if overlap else 10**9))


def _requests(the_plan) -> list[tuple[str, str]]:
    return [(op.id, json.dumps(op.request.model_dump(mode="json"), sort_keys=True)) for op in the_plan.operations]


@pytest.mark.parametrize("shard", [None, "2/3"])
def test_overlapped_load_gives_the_same_desired_live_and_plan(estate, shard):
    manifests, db = estate
    resolved, desired, live = _load_and_read([manifests], db, overlap=True, shard=shard)
    _, first_desired, first_live = _load_and_read([manifests], db, overlap=False, shard=shard)
    assert list(desired.customers.items()) == list(first_desired.customers.items())
    assert list(desired.contracts.items()) == list(first_desired.contracts.items())
    assert desired.sources == first_desired.sources
    assert live.customers == first_live.customers and live.catalog == first_live.catalog
    options = PlanOptions(target=resolved.display)
    overlapped = plan(desired, live, NOW, options)
    assert _requests(overlapped) == _requests(plan(first_desired, first_live, NOW, options))
    if shard is None:
        assert {op.action for op in overlapped.operations} >= {"create"} and len(overlapped.operations) > 3


def test_invalid_manifests_raise_the_loaders_problems(estate, tmp_path):
    manifests, db = estate
    broken = tmp_path / "manifests"
    broken.mkdir()
    for file in manifests.iterdir():
        (broken / file.name).write_text(file.read_text())
    (broken / "zz-broken.yaml").write_text((EXAMPLES / "acme.yaml").read_text().replace(
        "apiVersion: reconciler/v1", "apiVersion: reconciler/v9", 1))
    with pytest.raises(ManifestError) as loaded:
        load([broken])
    with pytest.raises(ManifestError) as overlapped:
        _load_and_read([broken], db, overlap=True)
    assert [str(p) for p in overlapped.value.problems] == [str(p) for p in loaded.value.problems]


def test_manifest_problems_come_before_a_missing_token(estate, tmp_path, monkeypatch):
    manifests, _ = estate
    monkeypatch.delenv("METRONOME_BEARER_TOKEN", raising=False)
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: reconciler/v1\nkind: Customer\n")

    def run(paths):
        return asyncio.run(load_and_read([str(p) for p in paths], endpoint="http://127.0.0.1:9", now=NOW,
                                         overlap_files=0))

    with pytest.raises(ManifestError):
        run([manifests, broken])
    with pytest.raises(ConfigError, match="no API token"):
        run([manifests])


def test_a_customer_whose_contract_arrives_in_a_later_batch_is_read_again(estate):
    """Speculation: the globex customer's reads start with its Customer manifest alone (no contract, so no seat
    read); its contract, in a later fragment, makes it read again with the seats. The result is read_live's."""
    manifests, db = estate
    whole = load([manifests])
    key = "globex-02"
    contract = next(a for a, c in whole.contracts.items() if c.customer_ref == key)
    first = Desired(customers=dict(whole.customers), contracts={a: c for a, c in whole.contracts.items()
                                                                if a != contract})
    late = Desired(contracts={contract: whole.contracts[contract]})
    endpoint = resolve_endpoint(f"emulator:{db}")
    seats_from = default_effective_at(NOW)
    contracts_reads = ("POST", "/v2/contracts/list")

    async def overlapped():
        async with open_client(endpoint) as client:
            async def fragments():
                yield first
                while client.stats.requests[contracts_reads] < 6:  # the applied customers' first reads are out
                    await asyncio.sleep(0.01)
                yield late

            result = await read_live_as_loaded(client, fragments(), seats_from=seats_from,
                                               customer_lookup="lookup", keep_generated_grants=False)
            return result, client.stats

    async def plain():
        async with open_client(endpoint) as client:
            return await read_live(client, whole, seats_from=seats_from, customer_lookup="lookup",
                                   keep_generated_grants=False), client.stats

    (desired, live), overlapped_stats = asyncio.run(overlapped())
    expected, plain_stats = asyncio.run(plain())
    assert set(desired.contracts) == set(whole.contracts)
    assert live.customers == expected.customers
    assert live.customers[key].contracts[0].seats  # the re-read included the seats the contract manages
    assert overlapped_stats.requests[contracts_reads] > plain_stats.requests[contracts_reads]


def test_the_cli_plans_and_applies_through_the_overlapped_load(estate, tmp_path, monkeypatch):
    """``reconciler plan`` then ``apply`` above the overlap threshold (lowered to 0 here): the plan equals the
    in-process load's, applying it converges, and a bad manifest still fails the plan with its file and line."""
    manifests, db = estate
    copy = tmp_path / "db" / "emulator.db"
    copy.parent.mkdir()
    shutil.copy(db, copy)
    monkeypatch.setenv("RECONCILER_ENDPOINT", f"emulator:{copy}")
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()

    def plan_json(threshold: int) -> dict:
        monkeypatch.setattr(pipeline, "OVERLAP_FILES", threshold)
        out = tmp_path / f"plan-{threshold}.json"
        result = runner.invoke(cli, ["plan", str(manifests), "--out", str(out), "--now", "2026-11-20T12:00:00Z"])
        assert result.exit_code == 0, result.output
        return json.loads(out.read_text())

    overlapped, in_process = plan_json(0), plan_json(10**9)
    assert overlapped["operations"] == in_process["operations"] and overlapped["operations"]
    monkeypatch.setattr(pipeline, "OVERLAP_FILES", 0)
    applied = runner.invoke(cli, ["apply", str(tmp_path / "plan-0.json"), "--journal", str(tmp_path / "j.jsonl")])
    assert applied.exit_code == 0, applied.output
    again = runner.invoke(cli, ["plan", str(manifests), "--detailed-exitcode"])
    assert again.exit_code == 0 and "No changes" in again.output, again.output
    (tmp_path / "broken.yaml").write_text("apiVersion: reconciler/v1\nkind: Customer\nmetadata: {name: x}\n")
    failed = runner.invoke(cli, ["plan", str(manifests), str(tmp_path / "broken.yaml")])
    assert failed.exit_code != 0 and f"{tmp_path / 'broken.yaml'}:" in failed.output, failed.output
