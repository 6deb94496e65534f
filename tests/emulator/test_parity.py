"""The same scenario in-process (httpx transport) and over served HTTP gives identical results, modulo ids."""

from __future__ import annotations

import re

import httpx
import pytest

from reconciler.emulator import Emulator
from reconciler.emulator.server import BackgroundServer
from tests.emulator.conftest import CUSTOMER_ONE, CUSTOMER_TWO, NOW, example

pytestmark = pytest.mark.anyio
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def scenario(http: httpx.AsyncClient) -> list:
    """Create the guide's contracts, edit seats and quantities, read everything back; returns every answer."""
    answers = []

    async def call(method: str, path: str, body: dict | None = None) -> dict:
        response = await http.request(method, path, json=body)
        answers.append((response.status_code, response.json()))
        return response.json()

    standard = (await call("POST", "/v1/contracts/create", example("standard_subscription")))["data"]["id"]
    seats = (await call("POST", "/v1/contracts/create", example("individual_seat_credit")))["data"]["id"]
    await call("POST", "/v1/contracts/create", example("standard_subscription"))  # same body again: no key, allowed
    contract = (await call("POST", "/v2/contracts/get", {"customer_id": CUSTOMER_TWO, "contract_id": seats}))["data"]
    await call("POST", "/v2/contracts/edit", {
        "customer_id": CUSTOMER_TWO, "contract_id": seats, "uniqueness_key": "parity-seats",
        "update_subscriptions": [{"subscription_id": contract["subscriptions"][0]["id"], "seat_updates": {
            "add_seat_ids": [{"seat_ids": ["seat9@metronome.com"], "starting_at": "2025-10-10T00:00:00Z"}]}}]})
    await call("POST", "/v2/contracts/edit", {"customer_id": CUSTOMER_TWO, "contract_id": seats,
                                              "uniqueness_key": "parity-seats"})
    std = (await call("POST", "/v2/contracts/get", {"customer_id": CUSTOMER_ONE, "contract_id": standard}))["data"]
    await call("POST", "/v2/contracts/edit", {
        "customer_id": CUSTOMER_ONE, "contract_id": standard,
        "update_subscriptions": [{"subscription_id": std["subscriptions"][0]["id"],
                                  "quantity_updates": [{"quantity": 4, "starting_at": "2025-11-01T00:00:00Z"}]}]})
    await call("POST", "/v2/contracts/list", {"customer_id": CUSTOMER_ONE})
    await call("POST", "/v2/contracts/list", {"customer_id": CUSTOMER_TWO})
    await call("POST", "/v1/contracts/getSubscriptionSeatsHistory", {
        "customer_id": CUSTOMER_TWO, "contract_id": seats, "subscription_id": contract["subscriptions"][0]["id"]})
    await call("POST", "/v2/contracts/getEditHistory", {"customer_id": CUSTOMER_TWO, "contract_id": seats})
    await call("POST", "/v2/contracts/get", {"customer_id": CUSTOMER_ONE, "contract_id": "missing"})
    await call("GET", "/v1/customers?limit=1")
    return answers


def normalise(value, ids: dict[str, str]):
    """Replace every uuid by its order of first appearance (seeded fixed ids stay recognisable the same way)."""
    if isinstance(value, dict):
        return {key: normalise(item, ids) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(item, ids) for item in value]
    if isinstance(value, str):
        return UUID.sub(lambda m: ids.setdefault(m.group(0), f"<id{len(ids)}>"), value)
    return value


async def test_in_process_and_served_answers_are_identical():
    in_process = Emulator(clock=NOW)
    async with in_process.client(token="parity") as http:
        local = await scenario(http)
    served_emulator = Emulator(clock=NOW)
    with BackgroundServer(served_emulator) as url:
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer parity"}) as http:
            remote = await scenario(http)
    assert [status for status, _ in local] == [200, 200, 200, 200, 200, 409, 200, 200, 200, 200, 200, 200, 400, 200]
    assert normalise(local, {}) == normalise(remote, {})
    assert in_process.stats.snapshot()["by_route"] == served_emulator.stats.snapshot()["by_route"]
