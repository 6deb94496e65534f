"""A stateful fake Metronome for the live read tests (behind ``httpx.MockTransport``), and manifest builders.

The fake answers like the API (reference §1.2, §3, §6): real paths, each endpoint's own pagination style and page
limits, active-only customer lists, 404 ``{"message"}`` for an unknown customer id. Every request is recorded, and
the number in flight at once is tracked, so tests can assert request counts and concurrency.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import httpx

from reconciler.manifest.desired import Desired
from reconciler.manifest.models import ContractManifest, CustomerManifest
from reconciler.metronome import Endpoint

ENDPOINT = Endpoint("https", "https://api.metronome.test", "https://api.metronome.test")
SEATS_FROM = datetime(2026, 6, 1, tzinfo=timezone.utc)


def uid(n: int, kind: int = 0) -> str:
    """A stable UUID-shaped id (manifest ids must be UUIDs)."""
    return f"00000000-0000-4000-{8000 + kind:04d}-{n:012d}"


def _page(items: list[dict], cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    start = int(cursor[1:]) if cursor else 0
    end = start + limit
    return items[start:end], (f"c{end}" if end < len(items) else None)


def _body(request: httpx.Request) -> dict:
    return json.loads(request.content) if request.content else {}


class FakeMetronome:
    """The endpoints the read phase uses, over in-memory state; an async handler for ``MockTransport``."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.products = [{"id": uid(i, 1), "type": "USAGE", "current": {"name": f"P{i}"}} for i in range(3)]
        self.rate_cards = [{"id": uid(1, 2), "name": "Standard 2025"}]
        self.credit_types = [{"id": uid(1, 3), "name": "USD (cents)", "is_currency": True}]
        self.custom_field_keys = [{"entity": "contract", "key": f"k{i}", "enforce_uniqueness": False}
                                  for i in range(3)]
        self.customers: list[dict] = []
        self.contracts: dict[str, list[dict]] = {}
        self.seats: dict[tuple[str, str], list[dict]] = {}
        self.commits: dict[str, list[dict]] = {}
        self.credits: dict[str, list[dict]] = {}
        self.configurations: dict[str, list[dict]] = {}
        self.requests: list[httpx.Request] = []
        self.in_flight = self.max_in_flight = 0

    # -- state ---------------------------------------------------------------------------------------------

    def add_customer(self, alias: str | None = None, *, archived: bool = False) -> dict:
        n = len(self.customers) + 1
        customer = {"id": uid(n, 4), "name": f"Customer {n}", "ingest_aliases": [alias] if alias else [],
                    "external_id": None, "custom_fields": {}}
        if archived:
            customer["archived_at"] = "2026-01-01T00:00:00Z"
        self.customers.append(customer)
        self.configurations[customer["id"]] = [{"id": uid(n, 5), "customer_id": customer["id"],
                                                "billing_provider": "stripe",
                                                "delivery_method": "direct_to_billing_provider"}]
        return customer

    def add_contract(self, customer: dict, *, uniqueness_key: str | None = None, archived: bool = False,
                     subscriptions: list[dict] | None = None, **fields: Any) -> dict:
        contracts = self.contracts.setdefault(customer["id"], [])
        contract = {"id": uid(sum(map(len, self.contracts.values())) + 1, 6), "customer_id": customer["id"],
                    "starting_at": "2026-01-01T00:00:00Z", "commits": [], "overrides": [],
                    "subscriptions": subscriptions or [], **fields}
        if uniqueness_key:
            contract["uniqueness_key"] = uniqueness_key
        if archived:
            contract["archived_at"] = "2026-02-01T00:00:00Z"
        contracts.append(contract)
        return contract

    # -- accounting ----------------------------------------------------------------------------------------

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def routes(self) -> Counter:
        return Counter((r.method, r.url.path) for r in self.requests)

    def bodies(self, path: str) -> list[dict]:
        return [_body(r) for r in self.requests if r.url.path == path]

    # -- the transport handler -----------------------------------------------------------------------------

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency)
            return self._route(request)
        finally:
            self.in_flight -= 1

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path.startswith("/v1/customers/"):
            return self._customer(path.rsplit("/", 1)[1])
        handler = {
            ("GET", "/v1/customers"): self._customers,
            ("POST", "/v1/getCustomerBillingProviderConfigurations"): self._configurations,
            ("POST", "/v1/contract-pricing/products/list"): lambda r: self._query_page(r, self.products),
            ("POST", "/v1/contract-pricing/rate-cards/list"): lambda r: self._query_page(r, self.rate_cards),
            ("GET", "/v1/credit-types/list"): lambda r: self._query_page(r, self.credit_types),
            ("POST", "/v1/customFields/listKeys"): self._keys,
            ("POST", "/v2/contracts/list"): self._contracts,
            ("POST", "/v1/contracts/getSubscriptionSeatsHistory"): self._seats,
            ("POST", "/v1/contracts/customerCommits/list"): lambda r: self._grants(r, self.commits, "commits"),
            ("POST", "/v1/contracts/customerCredits/list"): lambda r: self._grants(r, self.credits, "credits"),
        }.get((request.method, path))
        if handler is None:
            return httpx.Response(404, json={"message": f"no route {request.method} {path}"})
        return handler(request)

    def _query_page(self, request: httpx.Request, items: list[dict], limit_max: int = 100) -> httpx.Response:
        q = request.url.params
        data, nxt = _page(items, q.get("next_page"), min(int(q.get("limit", limit_max)), limit_max))
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _customer(self, customer_id: str) -> httpx.Response:
        found = [c for c in self.customers if c["id"] == customer_id]
        if not found:
            return httpx.Response(404, json={"message": "Customer not found"})
        return httpx.Response(200, json={"data": found[0]})

    def _customers(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        archived = q.get("only_archived") == "true"
        items = [c for c in self.customers if bool(c.get("archived_at")) == archived]
        if "ingest_alias" in q:
            items = [c for c in items if q["ingest_alias"] in c["ingest_aliases"]]
        if "customer_ids" in q:
            items = [c for c in items if c["id"] in q["customer_ids"].split(",")]
        return self._query_page(request, items)

    def _configurations(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": self.configurations.get(_body(request)["customer_id"], [])})

    def _keys(self, request: httpx.Request) -> httpx.Response:
        entities = _body(request).get("entities")
        keys = [k for k in self.custom_field_keys if entities is None or k["entity"] in entities]
        data, nxt = _page(keys, request.url.params.get("next_page"), 2)
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _contracts(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        if body["customer_id"] not in self.configurations:  # every customer has an entry
            return httpx.Response(400, json={"code": "CustomerNotFound", "message": "customer not found"})
        items = [c for c in self.contracts.get(body["customer_id"], [])
                 if body.get("include_archived") or not c.get("archived_at")]
        data, nxt = _page(items, body.get("cursor"), min(body.get("limit", 20), 20))
        return httpx.Response(200, json={"data": data, "cursor": nxt})

    def _seats(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        segments = self.seats.get((body["contract_id"], body["subscription_id"]), [])
        if body.get("starting_at"):
            segments = [s for s in segments if not s.get("ending_before") or s["ending_before"] > body["starting_at"]]
        data, nxt = _page(segments, body.get("cursor"), min(body.get("limit", 10), 10))
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _grants(self, request: httpx.Request, store: dict[str, list[dict]], section: str) -> httpx.Response:
        body = _body(request)
        flag = "include_contract_commits" if section == "commits" else "include_contract_credits"
        items = [g for g in store.get(body["customer_id"], []) if body.get(flag) or not g.get("contract")]
        data, nxt = _page(items, body.get("next_page"), min(body.get("limit", 25), 25))
        return httpx.Response(200, json={"data": data, "next_page": nxt})


def seat_subscription(n: int) -> dict:
    return {"id": uid(n, 7), "quantity_management_mode": "SEAT_BASED", "seat_config": {"seat_group_key": "seat_id"},
            "subscription_rate": {"billing_frequency": "MONTHLY", "product": {"id": uid(0, 1), "name": "P0"}}}


def quantity_subscription(n: int) -> dict:
    return {**seat_subscription(n), "quantity_management_mode": "QUANTITY_ONLY", "seat_config": None}


def segments(count: int, first_month: int = 1) -> list[dict]:
    """``count`` consecutive monthly seat segments from 2026-``first_month``, the last one open-ended."""
    out = []
    for i in range(count):
        year, month = divmod(first_month - 1 + i, 12)
        start = f"{2026 + year}-{month + 1:02d}-01T00:00:00Z"
        out.append({"starting_at": start, "assigned_seat_ids": [f"s{i}"], "total_quantity": 1})
        if i:
            out[i - 1]["ending_before"] = start
    return out


def customer_manifest(name: str, **spec: Any) -> CustomerManifest:
    return CustomerManifest.model_validate({"apiVersion": "reconciler/v1", "kind": "Customer",
                                            "metadata": {"name": name}, "spec": {"name": name.title(), **spec}})


def contract_manifest(name: str, *, customer: str | None = None, customer_id: str | None = None,
                      subscriptions: list[dict] | None = None, **spec: Any) -> ContractManifest:
    body = {"rate_card": "Standard 2025", "starting_at": "2026-01-01T00:00:00Z", "subscriptions": subscriptions or [],
            **({"customer": customer} if customer else {"customer_id": customer_id}), **spec}
    return ContractManifest.model_validate({"apiVersion": "reconciler/v1", "kind": "Contract",
                                            "metadata": {"name": name}, "spec": body})


def manifest_subscription(key: str = "pro", **fields: Any) -> dict:
    return {"key": key, "product": "P0", "billing_frequency": "MONTHLY", "collection_schedule": "ADVANCE",
            "proration": {"invoice_behavior": "BILL_ON_NEXT_COLLECTION_DATE", "is_prorated": True},
            "quantity_management_mode": "SEAT_BASED", **fields}


def desired_of(*manifests: CustomerManifest | ContractManifest) -> Desired:
    desired = Desired()
    for m in manifests:
        if isinstance(m, CustomerManifest):
            desired.customers[m.metadata.name] = m
        else:
            desired.contracts[m.address] = m
    return desired
