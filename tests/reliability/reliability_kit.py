"""Reliability fixtures: generated estates, a test-owned emulator whose faults we control, and plan/apply helpers
that run the product's own pipeline (read_live -> plan -> Executor) through that emulator's transport with fast
retries, so a fault matrix or a 50-contract convergence run stays within seconds.

The CLI opens its own emulator per run from a database file, so rules set on a test's ``Emulator`` would not
reach it; tests that go through the CLI serve the test's emulator on a loopback port instead (``served``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx

import pytest
import yaml

from reconciler.apply import Executor, Journal, Report, refuse_unallowed
from reconciler.emulator import Emulator
from reconciler.emulator.schedules import quantity_segments, seat_segments
from reconciler.live.read import read_live
from reconciler.manifest.loader import load
from reconciler.metronome import RetryPolicy, open_client, resolve_endpoint
from reconciler.plan.format import check_target, plan_id
from reconciler.plan.model import Plan
from reconciler.plan.planner import PlanOptions, default_effective_at, plan as make_plan

UTC = dt.timezone.utc
#: the emulator's clock and the plans' "now": fixed, so seat and quantity effective times are reproducible.
NOW = dt.datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
#: retries in microseconds instead of seconds; Retry-After is still honoured (the injected one is 0.01 s).
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.004, max_retry_after=0.05)
KINDS = ("standard", "pooled", "seats")


# -- the estate: manifests for N customers, cycling through the seed's three set-ups ------------------------------

def customer_doc(name: str) -> dict:
    return {"apiVersion": "reconciler/v1", "kind": "Customer", "metadata": {"name": name},
            "spec": {"name": f"Customer {name}"}}


def contract_doc(customer: str, kind: str, *, quantity: int = 2, seats: int = 2, unassigned: int = 0,
                 allow_destructive: bool = False) -> dict:
    spec: dict[str, Any] = {
        "customer": customer, "name": f"{customer} {kind}",
        "rate_card": "Seats 2025" if kind == "seats" else "Standard 2025",
        "starting_at": "2025-04-23T00:00:00Z",
    }
    subscription: dict[str, Any] = {
        "key": "pro", "name": "Pro Plan", "product": "Pro Plan", "billing_frequency": "ANNUAL",
        "collection_schedule": "ADVANCE", "proration": {"is_prorated": True,
                                                        "invoice_behavior": "BILL_ON_NEXT_COLLECTION_DATE"}}
    if kind == "seats":
        subscription.update(quantity_management_mode="SEAT_BASED", seat_config={
            "seat_group_key": "seat_id", "seat_ids": [f"seat{i}@{customer}.example" for i in range(seats)],
            "unassigned_seats": unassigned})
    else:
        subscription["quantity"] = quantity
    spec["subscriptions"] = [subscription]
    if allow_destructive:
        spec["allow_destructive"] = True
    if kind == "pooled":
        spec["recurring_credits"] = [{
            "key": "pool", "name": "Pooled AI credits", "product": "Pooled Usage Credits",
            "access_amount": {"credit_type": "AI Credits", "unit_price": 100},
            "commit_duration": {"value": 1, "unit": "PERIODS"}, "priority": 1,
            "starting_at": "2025-06-01T00:00:00Z",
            "subscription_config": {"subscription": "pro", "allocation": "POOLED",
                                    "apply_seat_increase_config": {"is_prorated": True}}}]
    if kind == "seats":
        spec["recurring_commits"] = [{
            "key": "per-seat", "name": "Per-seat usage commit", "product": "Per-seat Commit",
            "access_amount": {"credit_type": "USD (cents)", "unit_price": 1000},
            "invoice_amount": {"credit_type": "USD (cents)", "unit_price": 1000, "quantity": 1},
            "priority": 100, "starting_at": "2025-09-01T00:00:00Z", "commit_duration": {"value": 1},
            "subscription_config": {"subscription": "pro", "allocation": "INDIVIDUAL",
                                    "apply_seat_increase_config": {"is_prorated": True}}}]
    return {"apiVersion": "reconciler/v1", "kind": "Contract", "metadata": {"name": "pro"}, "spec": spec}


@dataclass
class Estate:
    """A directory of manifests, one file per customer, and what it should produce live."""

    root: Path
    kinds: dict[str, str] = field(default_factory=dict)
    """customer name -> set-up"""

    @classmethod
    def generate(cls, root: Path, count: int, kinds: list[str] | None = None) -> Estate:
        estate = cls(root)
        root.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            kind = kinds[i] if kinds else KINDS[i % len(KINDS)]
            estate.write(f"cust-{i:03d}", kind)
        return estate

    def write(self, customer: str, kind: str, **sizes: Any) -> None:
        self.kinds[customer] = kind
        docs = [customer_doc(customer), contract_doc(customer, kind, **sizes)]
        (self.root / f"{customer}.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))

    def expected(self) -> Counter:
        """Objects the estate should hold exactly once each, by kind."""
        kinds = Counter(self.kinds.values())
        return Counter(customers=len(self.kinds), contracts=len(self.kinds), subscriptions=len(self.kinds),
                       recurring_credits=kinds["pooled"], recurring_commits=kinds["seats"])


# -- the emulator's state, counted straight from its store -----------------------------------------------------

def census(emu: Emulator, ignore: set[str] = frozenset()) -> dict[str, Any]:
    """Per managed customer alias: its customers, contracts and their items, read from the emulator's store.
    ``ignore``: ids of objects made out of band, left out of the counts."""
    rows = emu.store.query("SELECT alias, customer_id FROM ingest_aliases")
    by_alias: dict[str, list[str]] = {}
    for alias, customer_id in rows:
        by_alias.setdefault(alias, []).append(customer_id)
    # the default seed's own customers ("Seed Customer One", ...) are not the estate's
    customers = [c for c in emu.store.docs("customers", "1=1")
                 if not c.get("archived_at") and c.get("name", "").startswith("Customer ")]
    contracts = [c for c in emu.store.docs("contracts", "1=1") if c["id"] not in ignore]
    totals = Counter(customers=len(customers), contracts=len(contracts))
    per_customer: dict[str, Counter] = {}
    for contract in contracts:
        counts = per_customer.setdefault(contract["customer_id"], Counter())
        counts["contracts"] += 1
        for kind in ("subscriptions", "recurring_credits", "recurring_commits"):
            n = len(contract.get(kind) or [])
            counts[kind] += n
            totals[kind] += n
    return {"by_alias": by_alias, "totals": totals, "per_customer": per_customer,
            "customer_names": Counter(c.get("name") for c in customers)}


def assert_exactly_once(emu: Emulator, estate: Estate, ignore: set[str] = frozenset()) -> dict[str, Any]:
    """Every estate customer exists once, with one contract holding its one subscription and recurring item."""
    state = census(emu, ignore)
    for name, kind in estate.kinds.items():
        ids = state["by_alias"].get(name, [])
        assert len(ids) == 1, f"{name}: {len(ids)} customers hold its alias"
        assert state["customer_names"][f"Customer {name}"] == 1, f"{name}: duplicated customer"
        counts = state["per_customer"].get(ids[0], Counter())
        want = Counter(contracts=1, subscriptions=1, recurring_credits=int(kind == "pooled"),
                       recurring_commits=int(kind == "seats"))
        assert +counts == +want, f"{name}: {dict(counts)} != {dict(want)}"
    for kind, count in estate.expected().items():
        assert state["totals"][kind] == count, (kind, state["totals"][kind], count)
    return state


def customer_id(emu: Emulator, alias: str) -> str:
    [found] = [cid for name, cid in emu.store.query("SELECT alias, customer_id FROM ingest_aliases") if name == alias]
    return found


def subscription_state(emu: Emulator, alias: str) -> dict[str, Any]:
    """The customer's one subscription now: quantity or seats, and how many change events and edits it took."""
    [contract] = emu.store.docs("contracts", "customer_id = ? AND uniqueness_key LIKE 'reconciler:%'",
                                (customer_id(emu, alias),))
    [sub] = contract["subscriptions"]
    edits = emu.store.query("SELECT COUNT(*) FROM edits WHERE contract_id = ?", (contract["id"],))[0][0]
    state: dict[str, Any] = {"edits": edits}
    if sub.get("quantity_management_mode") == "SEAT_BASED":
        last = seat_segments(sub)[-1]
        state.update(seats=sorted(last["assigned_seat_ids"]), total=last["total_quantity"],
                     events=len(sub.get("seat_events") or []))
    else:
        state.update(quantity=quantity_segments(sub)[-1]["quantity"], events=len(sub.get("quantity_events") or []))
    return state


# -- plan and apply through a test-owned emulator ---------------------------------------------------------------

@dataclass
class Harness:
    """Plan and apply the product's way, against ``emu`` in-process, with fast retries and recorded waits."""

    emu: Emulator
    endpoint: str
    journal_dir: Path
    waits: list[float] = field(default_factory=list)
    last_stats: Any = None
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None
    """Wraps the emulator's transport (e.g. to fail a request after the emulator committed it)."""

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(min(seconds, 0.001))

    def client(self):
        transport = self.emu.transport()
        if self.wrap is not None:
            transport = self.wrap(transport)
        return open_client(resolve_endpoint(self.endpoint), transport=transport, retry=FAST, sleep=self._sleep)

    async def plan_async(self, paths: list[Path | str], now: dt.datetime = NOW) -> Plan:
        desired = load([str(p) for p in paths])
        async with self.client() as client:
            live = await read_live(client, desired, seats_from=default_effective_at(now))
        return make_plan(desired, live, now, PlanOptions(target=resolve_endpoint(self.endpoint).display))

    async def apply_async(self, plan: Plan, journal: Path | None = None) -> Report:
        check_target(plan, resolve_endpoint(self.endpoint).display)
        refuse_unallowed(plan)
        pid = plan_id(plan)
        journal = journal or self.journal_path(plan)
        async with self.client() as client:
            report = await Executor(client, plan, Journal(journal, pid), plan_id=pid).run()
            self.last_stats = client.stats
        return report

    def journal_path(self, plan: Plan) -> Path:
        return self.journal_dir / f"{plan_id(plan)[:16]}.jsonl"

    def plan(self, paths, now: dt.datetime = NOW) -> Plan:
        return asyncio.run(self.plan_async(list(paths) if isinstance(paths, (list, tuple)) else [paths], now))

    def apply(self, plan: Plan, journal: Path | None = None) -> Report:
        return asyncio.run(self.apply_async(plan, journal))


class CommitThenFail(httpx.AsyncBaseTransport):
    """Lets the first ``method path`` request reach the emulator (which commits it), then fails it on the way
    back: an error status (``429``, ``500``, ``503``), a dropped connection (``drop``) or a ``timeout``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str, path: str, kind: str) -> None:
        self.inner, self.method, self.path, self.kind = inner, method, path, kind
        self.fired = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.fired or request.method != self.method or request.url.path != self.path:
            return response
        self.fired += 1
        await response.aread()
        if self.kind == "drop":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        if self.kind == "timeout":
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        headers = {"retry-after": "0.01"} if self.kind == "429" else {}
        return httpx.Response(int(self.kind), json={"message": f"injected {self.kind} after commit"},
                              headers=headers, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def journal_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def final_events(path: Path) -> dict[str, dict]:
    """op id -> its last outcome line (done, already-done, failed) in the journal."""
    last: dict[str, dict] = {}
    for line in journal_lines(path):
        if line.get("op") and line["event"] in ("done", "already-done", "failed"):
            last[line["op"]] = line
    return last


__all__ = ["CommitThenFail", "Estate", "Harness", "NOW", "assert_exactly_once", "census", "customer_id", "final_events",
           "journal_lines", "subscription_state"]
