"""No spurious diffs: the example manifests, created through the emulator and planned again, give "No changes",
also when every live contract carries every optional field of the SDK's ``ContractV2`` read model that the
emulator left out (read-only fields, API defaults, explicit nulls, custom fields of other keys).
"""

from __future__ import annotations

import asyncio
import copy
import types
import typing
from pathlib import Path

import pytest
from metronome.types.shared.contract_v2 import ContractV2
from pydantic import BaseModel

from plan.plan_harness import ENDPOINT, NOW, apply_ops, plan_of, read
from reconciler.emulator import Emulator
from reconciler.live.model import Live
from reconciler.manifest.loader import load
from reconciler.metronome import MetronomeClient, Secret
from reconciler.render import render

MANIFESTS = Path(__file__).resolve().parents[2] / "manifests"
OTHER_CUSTOM_FIELD = {"crm_account_id": "0015e00000XyZ"}

#: Values the API fills in for fields a manifest never sets; every other absent optional field becomes null.
API_DEFAULTS: dict[str, typing.Any] = {
    "created_by": "jane@billing.example.com",
    "has_more": {"commits": False, "credits": False},
    "archived_at": None,
    "rate_type": "COMMIT_RATE",
    "proration": "FIRST_AND_LAST",
    "recurrence_frequency": "ANNUAL",
    "multiplier_override_prioritization": "LOWEST_MULTIPLIER",
    "scheduled_charges_on_usage_invoices": "ALL",
    "total_contract_value": 240000.0,
    "priority": 100.0,
    "access_type": "SPEND",
    "custom_credit_type_id": None,
    "product_custom_fields": {"category": "seats"},
    "custom_fields": dict(OTHER_CUSTOM_FIELD),
    "billing_cycle_config": {"anchor_date": "2025-04-23T00:00:00Z", "invoice_placement": "ON_SCHEDULED_INVOICE"},
    "spend_trackers": [], "discounts": [], "professional_services": [], "reseller_royalties": [],
    "revenue_system_configuration_schedule": [],
}


def _models(annotation) -> tuple[type[BaseModel] | None, bool]:
    """The one pydantic model inside ``Optional[...]``/``List[...]`` (None when zero or several), and whether
    it is a list of them."""
    if typing.get_origin(annotation) in (list, typing.List):
        model, _ = _models(typing.get_args(annotation)[0])
        return model, True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _models(args[0]) if len(args) == 1 else (None, False)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def enrich(value: dict, model: type[BaseModel], added: list[str], where: str = "contract") -> None:
    """Add, in place, every optional field of ``model`` that ``value`` lacks, recursively."""
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in value:
            if not field.is_required():
                value[key] = copy.deepcopy(API_DEFAULTS.get(key))
                added.append(f"{where}.{key}")
            continue
        if key == "custom_fields" and isinstance(value[key], dict):
            value[key] = {**OTHER_CUSTOM_FIELD, **value[key]}
        nested, many = _models(field.annotation)
        if nested is None or value[key] is None:
            continue
        for i, item in enumerate(value[key] if many else [value[key]]):
            if isinstance(item, dict):
                enrich(item, nested, added, f"{where}.{key}[{i}]" if many else f"{where}.{key}")


def enriched(live: Live) -> tuple[Live, list[str]]:
    out = copy.deepcopy(live)
    added: list[str] = []
    for customer in out.customers.values():
        for contract in customer.contracts:
            enrich(contract.contract, ContractV2, added)
            for segments in contract.seats.values():
                for segment in segments:
                    segment.setdefault("ending_before", None)
    return out, added


async def _examples_applied():
    desired = load([MANIFESTS])
    emulator = Emulator(clock=NOW)
    try:
        async with MetronomeClient(ENDPOINT, Secret("test"), transport=emulator.transport()) as client:
            await apply_ops(client, plan_of(desired, await read(client, desired)))
            return desired, await read(client, desired)
    finally:
        emulator.close()


@pytest.fixture(scope="module")
def examples():
    return asyncio.run(_examples_applied())


def test_examples_created_then_planned_again_give_no_changes(examples):
    desired, live = examples
    assert {"acme", "globex"} <= set(live.customers)
    result = plan_of(desired, live)
    assert result.operations == [] and result.drift == []
    assert "No changes" in render(result, "text")


def test_no_changes_when_live_carries_every_default_and_read_only_field(examples):
    desired, live = examples
    rich, added = enriched(live)
    result = plan_of(desired, rich)
    assert result.operations == [], render(result, "text")
    assert result.drift == []
    assert "No changes" in render(result, "text")
    for customer in rich.customers.values():
        for contract in customer.contracts:
            ContractV2.model_validate(contract.contract)  # still a faithful read shape


def test_the_enrichment_reaches_every_optional_contract_field_and_nested_items(examples):
    _, live = examples
    rich, added = enriched(live)
    optional = {name for name, f in ContractV2.model_fields.items() if not f.is_required()}
    for customer in rich.customers.values():
        for contract in customer.contracts:
            assert optional <= set(contract.contract)
    for field in ("subscriptions[0].billing_cycle_config", "subscriptions[0].product_custom_fields",
                  "recurring_credits[0].proration", "recurring_credits[0].recurrence_frequency",
                  "recurring_commits[0].proration",
                  "overrides[0].override_tiers", "has_more"):
        assert any(a.endswith(field) for a in added), field
    generated = [g for c in rich.customers["acme"].contracts for g in c.contract["credits"]
                 if g.get("recurring_credit_id")]
    assert generated, "the pool's generated grants are part of the live read"


def test_a_real_difference_in_the_enriched_live_state_is_still_found(examples):
    """The enriched state is not planned as "no changes" by accident: a live quantity change shows."""
    desired, live = examples
    rich, _ = enriched(live)
    contract = rich.customers["acme"].contracts[0].contract
    contract["subscriptions"][0]["quantity_schedule"][-1]["quantity"] = 7.0
    result = plan_of(desired, rich)
    assert [op.summary for op in result.operations if "quantity" in op.summary]
