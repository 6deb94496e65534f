"""The planner under test, fed the way production feeds it: manifests loaded from YAML files, and a ``Live``
read with :func:`reconciler.live.read.read_live` from an in-memory emulator (so live states are the API's read
shapes, never hand-written dicts).

A case's live state is built by planning and applying an earlier manifest set (``before``) and then, optionally,
making out-of-band API calls (as someone clicking in the Metronome UI would). The plan of the ``after`` manifests
against that state is what the golden files record, with the ids the emulator generated replaced by names.
"""

from __future__ import annotations

import asyncio
import copy
import difflib
import datetime as dt
import json
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.apply.executor import _created_id, _fill
from reconciler.emulator import Emulator
from reconciler.errors import ReconcilerError
from reconciler.live.model import Live
from reconciler.live.read import read_live
from reconciler.manifest.loader import load
from reconciler.metronome import MetronomeClient, Secret
from reconciler.metronome.endpoint import Endpoint
from reconciler.plan.model import Plan
from reconciler.plan.planner import PlanOptions, default_effective_at, plan
from reconciler.render import render

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
ENDPOINT = Endpoint("https", "https://api.metronome.test", "https://api.metronome.test")
TARGET = "https://api.metronome.test"
GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

Docs = list[dict]
OutOfBand = Callable[["MetronomeClient", Live], Awaitable[None]]


# -- running the planner against the emulator ------------------------------------------------------------------

def write_manifests(directory: Path, docs: Docs) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    (directory / "manifests.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return directory


async def read(client: MetronomeClient, desired) -> Live:
    return await read_live(client, desired, seats_from=default_effective_at(NOW))


async def apply_ops(client: MetronomeClient, the_plan: Plan) -> None:
    """Send every request of the plan, in order, filling customer placeholders (apply without its journal)."""
    ids: dict[str, str] = {}
    for op in the_plan.operations:
        data = await client.request(op.request.method, op.request.path, json=_fill(op.request.body, ids),
                                    write=True)
        if op.creates:
            ids[op.creates] = _created_id(data)


def plan_of(desired, live: Live, allow: tuple[str, ...] = ()) -> Plan:
    return plan(desired, live, NOW, PlanOptions(target=TARGET, allow_destructive=frozenset(allow)))


@dataclass
class Outcome:
    plan: Plan | None
    error: ReconcilerError | None
    live: Live
    converged: Plan | None = None
    """The plan made after applying ``plan`` (when it had nothing refused): it must be empty."""


async def run_case(tmp: Path, before: Docs, after: Docs, oob: OutOfBand | None = None,
                   allow: tuple[str, ...] = (), converge: bool = True) -> Outcome:
    emulator = Emulator(clock=NOW)
    try:
        async with MetronomeClient(ENDPOINT, Secret("test"), transport=emulator.transport()) as client:
            if before:
                first = load([write_manifests(tmp / "before", before)])
                await apply_ops(client, plan_of(first, await read(client, first), allow=("all",)))
            desired = load([write_manifests(tmp / "after", after)])
            if oob:
                await oob(client, await read(client, desired))
            live = await read(client, desired)
            try:
                result = plan_of(desired, live, allow)
            except ReconcilerError as exc:
                return Outcome(None, exc, live)
            outcome = Outcome(result, None, live)
            if converge and all(op.allowed for op in result.operations):
                await apply_ops(client, result)
                outcome.converged = plan_of(desired, await read(client, desired), allow)
            return outcome
    finally:
        emulator.close()


def run(tmp: Path, *args, **kwargs) -> Outcome:
    return asyncio.run(run_case(tmp, *args, **kwargs))


# -- golden files ------------------------------------------------------------------------------------------------

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VOLATILE = [
    (re.compile(r"reconciler:edit:[0-9a-f]{48}"), "reconciler:edit:<digest>"),
    (re.compile(r"sha256:[0-9a-f]{64}"), "sha256:<fingerprint>"),
    (re.compile(r'"[0-9a-f]{20}"'), '"<manifest-sha>"'),  # reconciler_manifest_sha values
]


def _seed_ids() -> set[str]:
    from reconciler.emulator import DEFAULT_SEED_PATH

    return set(UUID.findall(Path(DEFAULT_SEED_PATH).read_text()))


SEED_IDS = _seed_ids()


class Names:
    """Live ids -> readable, stable names: ``<customer:acme>``, ``<contract:acme/std>``,
    ``<subscription:acme/std:Pro Plan>`` …; ids of the seed catalog stay as they are."""

    def __init__(self, live: Live) -> None:
        self.names: dict[str, str] = {}
        for key, customer in sorted(live.customers.items()):
            self._name(customer.customer.get("id"), f"customer:{key}")
            for config in customer.billing_provider_configurations:
                self._name(config.get("id"), f"billing_provider_configuration:{key}")
            for contract in customer.contracts:
                self._contract(key, contract.contract)

    def _contract(self, key: str, data: dict) -> None:
        label = (data.get("uniqueness_key") or "").removeprefix("reconciler:") or f"{key}/unmanaged"
        self._name(data.get("id"), f"contract:{label}")
        for section in ("subscriptions", "recurring_credits", "recurring_commits", "overrides", "commits", "credits"):
            tagged = [(item.get("name") or (item.get("subscription_rate") or {}).get("product", {}).get("name")
                       or str(i), item.get("id") or "") for i, item in enumerate(data.get(section) or [])]
            for tag, uuid in sorted(tagged):  # equal tags get #2, #3 in id order, as error messages list them
                self._name(uuid, f"{section[:-1]}:{label}:{tag}")

    def _name(self, uuid: str | None, name: str) -> None:
        if not uuid or uuid in SEED_IDS or uuid in self.names:
            return
        taken = set(self.names.values())
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}#{n}", n + 1
        self.names[uuid] = candidate

    def normalise(self, text: str) -> str:
        others: dict[str, str] = {}

        def name(match: re.Match) -> str:
            uuid = match.group(0)
            if uuid in SEED_IDS:
                return uuid
            if uuid in self.names:
                return f"<{self.names[uuid]}>"
            return others.setdefault(uuid, f"<id:{len(others) + 1}>")

        text = UUID.sub(name, text)
        for pattern, replacement in VOLATILE:
            text = pattern.sub(replacement, text)
        return text


def operations_document(result: Plan) -> list[dict]:
    return [{"id": op.id, "action": op.action, "destructive": op.destructive, "allowed": op.allowed,
             "risk": op.risk.name, "summary": op.summary,
             "request": op.request.model_dump(mode="json")} for op in result.operations]


def golden_texts(outcome: Outcome) -> dict[str, str]:
    """What a case's golden files hold: the text rendering and the operations, or the plan error."""
    names = Names(outcome.live)
    if outcome.error is not None:
        return {"error.txt": names.normalise(f"{type(outcome.error).__name__}: {outcome.error}\n")}
    ops = json.dumps(operations_document(outcome.plan), indent=2, ensure_ascii=False) + "\n"
    return {"txt": names.normalise(render(outcome.plan, "text")), "ops.json": names.normalise(ops)}


def check_golden(name: str, texts: dict[str, str]) -> None:
    stale = [p for p in GOLDEN_DIR.glob(f"{name}.*") if p.name.removeprefix(name + ".") not in texts]
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        for path in stale:
            path.unlink()
        for suffix, text in texts.items():
            (GOLDEN_DIR / f"{name}.{suffix}").write_text(text)
        return
    assert not stale, f"golden files of another outcome exist: {stale}"
    for suffix, text in texts.items():
        path = GOLDEN_DIR / f"{name}.{suffix}"
        assert path.exists(), f"{path} is missing; run UPDATE_GOLDEN=1 pytest tests/plan and review it"
        expected = path.read_text()
        if text != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), str(path), "now", n=1))
            raise AssertionError(f"{path} differs; review, then UPDATE_GOLDEN=1 if intended\n{diff[:4000]}")


# -- manifest snippets -------------------------------------------------------------------------------------------

def customer(key: str = "acme", name: str = "Acme Corporation", **spec: Any) -> dict:
    return {"apiVersion": "reconciler/v1", "kind": "Customer", "metadata": {"name": key},
            "spec": {"name": name, **spec}}


def contract(name: str, customer_key: str = "acme", **spec: Any) -> dict:
    body = {"customer": customer_key, "name": f"{customer_key} {name}", "rate_card": "Standard 2025",
            "starting_at": "2026-01-01T00:00:00Z", **spec}
    return {"apiVersion": "reconciler/v1", "kind": "Contract", "metadata": {"name": name}, "spec": body}


def subscription(key: str = "pro", **fields: Any) -> dict:
    return {"key": key, "name": "Pro Plan", "product": "Pro Plan", "billing_frequency": "MONTHLY",
            "collection_schedule": "ADVANCE", "quantity": 5,
            "proration": {"is_prorated": True, "invoice_behavior": "BILL_IMMEDIATELY"}, **fields}


def seat_subscription(seats: list[str], unassigned: int = 0, **fields: Any) -> dict:
    fields.setdefault("seat_config", {"seat_group_key": "seat_id", "seat_ids": seats, "unassigned_seats": unassigned})
    sub = subscription(billing_frequency="ANNUAL", quantity_management_mode="SEAT_BASED", **fields)
    del sub["quantity"]
    return sub


def pooled_credit(key: str = "pool", subscription_key: str = "pro", **fields: Any) -> dict:
    return {"key": key, "name": "Pooled AI credits", "product": "Pooled Usage Credits",
            "access_amount": {"credit_type": "AI Credits", "unit_price": 100},
            "commit_duration": {"value": 1, "unit": "PERIODS"}, "priority": 1,
            "starting_at": "2026-01-01T00:00:00Z",
            "subscription_config": {"subscription": subscription_key, "allocation": "POOLED",
                                    "apply_seat_increase_config": {"is_prorated": True}}, **fields}


def seat_commit(key: str = "per-seat", subscription_key: str = "pro", **fields: Any) -> dict:
    return {"key": key, "name": "Per-seat usage commit", "product": "Per-seat Commit",
            "access_amount": {"credit_type": "USD (cents)", "unit_price": 1000},
            "invoice_amount": {"credit_type": "USD (cents)", "unit_price": 1000, "quantity": 1},
            "commit_duration": {"value": 1, "unit": "PERIODS"}, "priority": 1, "rollover_fraction": 0.5,
            "starting_at": "2026-01-01T00:00:00Z",
            "subscription_config": {"subscription": subscription_key, "allocation": "INDIVIDUAL",
                                    "apply_seat_increase_config": {"is_prorated": True}}, **fields}


def entitlement(key: str = "pro-entitled", **fields: Any) -> dict:
    return {"key": key, "starting_at": "2026-01-01T00:00:00Z",
            "override_specifiers": [{"product": "Pro Plan", "billing_frequency": "MONTHLY"}], "entitled": True,
            **fields}


def with_spec(doc: dict, **changes: Any) -> dict:
    out = copy.deepcopy(doc)
    out["spec"].update(changes)
    return out


@dataclass
class Case:
    name: str
    row: str
    """The DESIGN.md §4 row (or seed set-up) the case shows."""
    before: Docs
    after: Docs
    oob: OutOfBand | None = None
    allow: tuple[str, ...] = ()
    expect: list[str] = field(default_factory=list)
    """Substrings the rendered plan (or error) must contain, beyond the golden comparison."""
