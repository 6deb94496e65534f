"""``Idempotency-Key`` (reference §1.5): the first answer is replayed for the same params (even an error), 409 for
different params, 24 h retention by the emulator clock; faults injected before execution are not stored, a
``lost_response`` is; without the header (or on a GET) nothing changes."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from reconciler.emulator import Emulator
from reconciler.emulator.errors import IDEMPOTENCY_KEY_REUSED
from tests.emulator.conftest import CUSTOMER_ONE, NOW, contract_body, subscription_body

pytestmark = pytest.mark.anyio
CREATE = "/v1/contracts/create"
REPLAYED = "idempotent-replayed"
NETWORK_FAULTS = {"drop": httpx.RemoteProtocolError, "timeout": httpx.ReadTimeout}


def keyed(key: str) -> dict:
    return {"Idempotency-Key": key}


def contracts(emu) -> int:
    return emu.store.count("contracts")


async def test_the_same_key_and_body_replay_the_first_answer_and_create_once(client, emu):
    before = contracts(emu)
    body = contract_body(subscription_body())
    first = await client.post(CREATE, json=body, headers=keyed("k1"))
    again = await client.post(CREATE, json=body, headers=keyed("k1"))
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.json()["data"]["id"] == first.json()["data"]["id"]
    assert REPLAYED not in first.headers and again.headers[REPLAYED] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert contracts(emu) == before + 1
    stats = emu.stats.snapshot()
    assert stats["by_route"] == {"POST /v1/contracts/create": 2} and stats["by_status"] == {"200": 2}


async def test_key_order_and_spacing_are_the_same_params(client, emu):
    body = contract_body(subscription_body())
    first = await client.post(CREATE, json=body, headers=keyed("k1"))
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = await client.post(CREATE, content=reordered, headers={**keyed("k1"), "Content-Type": "application/json"})
    assert again.headers[REPLAYED] == "true" and again.content == first.content


async def test_the_same_key_with_different_params_is_409_and_executes_nothing(client, emu):
    body = contract_body()
    first = await client.post(CREATE, json=body, headers=keyed("k1"))
    before = contracts(emu)
    other_body = await client.post(CREATE, json=contract_body(starting_at="2025-02-01T00:00:00Z"), headers=keyed("k1"))
    other_path = await client.post("/v1/customers", json={"name": "Someone"}, headers=keyed("k1"))
    for refused in (other_body, other_path):
        assert refused.status_code == 409 and refused.json() == {"message": IDEMPOTENCY_KEY_REUSED}
        assert REPLAYED not in refused.headers
    assert contracts(emu) == before
    assert not emu.store.query("SELECT 1 FROM customers WHERE json_extract(doc, '$.name') = 'Someone'")
    replay = await client.post(CREATE, json=body, headers=keyed("k1"))
    assert replay.headers[REPLAYED] == "true" and replay.content == first.content


async def test_an_error_answer_is_stored_and_replayed(client, emu):
    invalid = await client.post(CREATE, json=contract_body(customer_id=None), headers=keyed("bad"))
    assert invalid.status_code == 400
    again = await client.post(CREATE, json=contract_body(customer_id=None), headers=keyed("bad"))
    assert (again.status_code, again.content, again.headers[REPLAYED]) == (400, invalid.content, "true")

    await client.post(CREATE, json=contract_body(uniqueness_key="u"))
    conflict = await client.post(CREATE, json=contract_body(uniqueness_key="u"), headers=keyed("dup"))
    assert conflict.status_code == 409 and REPLAYED not in conflict.headers
    again = await client.post(CREATE, json=contract_body(uniqueness_key="u"), headers=keyed("dup"))
    assert (again.status_code, again.content, again.headers[REPLAYED]) == (409, conflict.content, "true")


@pytest.mark.parametrize("kind", ["429", "500", "503", "drop", "timeout"])
async def test_a_fault_injected_before_execution_is_not_stored(client, emu, kind):
    before = contracts(emu)
    emu.faults.add(CREATE, kind, times=1)
    if kind in NETWORK_FAULTS:
        with pytest.raises(NETWORK_FAULTS[kind]):
            await client.post(CREATE, json=contract_body(), headers=keyed("k1"))
    else:
        assert (await client.post(CREATE, json=contract_body(), headers=keyed("k1"))).status_code == int(kind)
    assert contracts(emu) == before and emu.store.count("idempotency_keys") == 0
    resent = await client.post(CREATE, json=contract_body(), headers=keyed("k1"))
    assert resent.status_code == 200 and REPLAYED not in resent.headers
    assert contracts(emu) == before + 1


async def test_an_unauthorized_request_is_not_stored(emu):
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator.local") as anonymous:
        assert (await anonymous.post(CREATE, json=contract_body(), headers=keyed("k1"))).status_code == 401
    async with emu.client(token="test") as http:
        resent = await http.post(CREATE, json=contract_body(), headers=keyed("k1"))
    assert resent.status_code == 200 and REPLAYED not in resent.headers


async def test_after_a_lost_response_the_resend_gets_the_first_answer_and_creates_nothing(client, emu):
    before = contracts(emu)
    body = contract_body(subscription_body())  # no uniqueness_key: only the Idempotency-Key stops a duplicate
    emu.faults.add(CREATE, "lost_response", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(CREATE, json=body, headers=keyed("k1"))
    [(created,)] = emu.store.query("SELECT id FROM contracts ORDER BY seq DESC LIMIT 1")
    assert contracts(emu) == before + 1
    resent = await client.post(CREATE, json=body, headers=keyed("k1"))
    assert resent.status_code == 200 and resent.headers[REPLAYED] == "true"
    assert resent.json() == {"data": {"id": created}}
    assert contracts(emu) == before + 1
    assert emu.stats.snapshot()["by_route"] == {"POST /v1/contracts/create": 2}


async def test_an_answer_is_kept_24_hours_by_the_emulator_clock_then_forgotten(client, emu):
    before = contracts(emu)
    first = await client.post(CREATE, json=contract_body(), headers=keyed("k1"))
    emu.clock.advance(days=1)
    kept = await client.post(CREATE, json=contract_body(), headers=keyed("k1"))
    assert kept.headers[REPLAYED] == "true" and kept.content == first.content
    emu.clock.advance(seconds=1)
    await client.post(CREATE, json=contract_body(), headers=keyed("k2"))
    assert [key for (key,) in emu.store.query("SELECT key FROM idempotency_keys")] == ["k2"]  # k1 pruned
    forgotten = await client.post(CREATE, json=contract_body(starting_at="2025-03-01T00:00:00Z"),
                                  headers=keyed("k1"))
    assert forgotten.status_code == 200 and REPLAYED not in forgotten.headers
    assert forgotten.json()["data"]["id"] != first.json()["data"]["id"]
    assert contracts(emu) == before + 3


async def test_without_the_header_identical_creates_make_two_contracts(client, emu):
    before = contracts(emu)
    body = contract_body()
    assert "uniqueness_key" not in body
    first, second = [await client.post(CREATE, json=body) for _ in range(2)]
    assert first.status_code == second.status_code == 200
    assert first.json()["data"]["id"] != second.json()["data"]["id"]
    assert REPLAYED not in second.headers and contracts(emu) == before + 2
    assert emu.store.count("idempotency_keys") == 0


async def test_a_get_ignores_the_header(client, emu):
    for _ in range(2):
        answer = await client.get(f"/v1/customers/{CUSTOMER_ONE}", headers=keyed("k1"))
        assert answer.status_code == 200 and REPLAYED not in answer.headers
    assert emu.store.count("idempotency_keys") == 0


@pytest.mark.parametrize("mode", ["added", "response_time"])
async def test_a_replay_waits_the_latency_and_is_counted(client, emu, mode):
    await client.post(CREATE, json=contract_body(), headers=keyed("k1"))
    emu.latency.configure(fixed_ms=200, mode=mode)
    emu.stats.reset()
    started = time.perf_counter()
    replay = await client.post(CREATE, json=contract_body(), headers=keyed("k1"))
    assert replay.headers[REPLAYED] == "true" and time.perf_counter() - started >= 0.2
    stats = emu.stats.snapshot()
    assert (stats["total"], stats["writes"], stats["by_status"]) == (1, 1, {"200": 1})


async def test_stored_answers_survive_reopening_the_database(tmp_path):
    with Emulator(db_path=tmp_path / "emulator.db", clock=NOW) as first:
        async with first.client() as http:
            created = await http.post(CREATE, json=contract_body(), headers=keyed("k1"))
    with Emulator(db_path=tmp_path / "emulator.db", clock=NOW) as reopened:
        async with reopened.client() as http:
            replay = await http.post(CREATE, json=contract_body(), headers=keyed("k1"))
    assert replay.headers[REPLAYED] == "true" and replay.content == created.content


def test_served_lost_response_then_the_resend_gets_the_first_answer(emu, served):
    emu.faults.add(CREATE, "lost_response", times=1)
    before = contracts(emu)
    with httpx.Client(base_url=served, headers={"Authorization": "Bearer test", **keyed("k1")}) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.post(CREATE, json=contract_body())
        resent = http.post(CREATE, json=contract_body())
    [(created,)] = emu.store.query("SELECT id FROM contracts ORDER BY seq DESC LIMIT 1")
    assert resent.headers[REPLAYED] == "true" and resent.json() == {"data": {"id": created}}
    assert contracts(emu) == before + 1
