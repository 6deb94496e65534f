"""The fake Metronome API used by the client tests, behind ``httpx.MockTransport``.

It answers the way the real API does (reference §1.2-§1.3): the same pagination shapes per endpoint,
``{"message"}`` error bodies, and v2 "not found" as a 400 with ``code``. Nothing in the client is patched.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from reconciler.metronome import Endpoint

TOKEN = "test-token-0123456789"
ENDPOINT = Endpoint("https", "https://api.metronome.test", "https://api.metronome.test")


class RecordingSleep:
    """An injectable sleep that records each requested delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def page(items: list[dict], cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """One page of ``items`` from an opaque cursor (``"c<offset>"``) and the next cursor, like the API."""
    start = int(cursor[1:]) if cursor else 0
    end = start + limit
    return items[start:end], (f"c{end}" if end < len(items) else None)


class FakeMetronome:
    """A stateless stand-in for the API's list and get endpoints, with every request recorded."""

    def __init__(self, n: int = 5) -> None:
        self.customers = [{"id": f"cust-{i}", "name": f"Customer {i}", "ingest_aliases": [f"alias-{i}"]}
                          for i in range(n)]
        self.products = [{"id": f"prod-{i}", "type": "USAGE"} for i in range(n)]
        self.keys = [{"entity": "customer", "key": f"k{i}", "enforce_uniqueness": False} for i in range(n)]
        self.commits = [{"id": f"commit-{i}"} for i in range(n)]
        self.contracts = [{"id": f"contract-{i}", "customer_id": "cust-0"} for i in range(n)]
        self.seats = [{"starting_at": f"2026-0{i + 1}-01T00:00:00Z", "assigned_seat_ids": [f"s{i}"],
                       "total_quantity": i + 1} for i in range(n)]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = (request.method, request.url.path)
        handler = {
            ("GET", "/v1/customers"): self._customers,
            ("POST", "/v1/contract-pricing/products/list"): self._products,
            ("POST", "/v1/customFields/listKeys"): self._keys,
            ("POST", "/v1/contracts/customerCommits/list"): self._commits,
            ("POST", "/v2/contracts/list"): self._contracts,
            ("POST", "/v1/contracts/getSubscriptionSeatsHistory"): self._seats,
            ("POST", "/v2/contracts/get"): self._contract,
        }.get(route)
        if handler is None:
            return httpx.Response(404, json={"message": f"no route {route}"})
        return handler(request)

    def _customers(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        items = self.customers
        if "ingest_alias" in q:
            items = [c for c in items if q["ingest_alias"] in c["ingest_aliases"]]
        if "customer_ids" in q:
            wanted = q["customer_ids"].split(",")
            items = [c for c in items if c["id"] in wanted]
        data, nxt = page(items, q.get("next_page"), int(q.get("limit", 100)))
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _products(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        data, nxt = page(self.products, q.get("next_page"), int(q.get("limit", 100)))
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _keys(self, request: httpx.Request) -> httpx.Response:
        data, nxt = page(self.keys, request.url.params.get("next_page"), 2)
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _commits(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        data, nxt = page(self.commits, body.get("next_page"), body.get("limit", 25))
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _contracts(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        if body["customer_id"] != "cust-0":
            return httpx.Response(400, json={"code": "CustomerNotFound", "message": "customer not found"})
        data, nxt = page(self.contracts, body.get("cursor"), body.get("limit", 20))
        return httpx.Response(200, json={"data": data, "cursor": nxt})

    def _seats(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        data, nxt = page(self.seats, body.get("cursor"), body.get("limit", 10))
        return httpx.Response(200, json={"data": data, "next_page": nxt})

    def _contract(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        found = [c for c in self.contracts if c["id"] == body["contract_id"]]
        if not found:
            return httpx.Response(400, json={"code": "ContractNotFound", "message": "Contract not found"})
        return httpx.Response(200, json={"data": found[0]})
