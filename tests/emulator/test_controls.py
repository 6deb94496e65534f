"""Test controls: fault injection (each kind, in-process and served), latency, counters, clock, admin routes."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from reconciler.emulator import Emulator
from tests.emulator.conftest import CUSTOMER_ONE, contract_body, subscription_body

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": "Bearer test"}


async def test_429_carries_retry_after_and_the_sdk_retries_it(emu):
    metronome = pytest.importorskip("metronome")
    emu.faults.add("/v1/customers/*", "429", times=1, retry_after=0.05)
    async with httpx.AsyncClient(transport=emu.transport()) as http:
        sdk = metronome.AsyncMetronome(bearer_token="t", base_url="http://emulator.local", http_client=http,
                                       _strict_response_validation=True, max_retries=2)
        customer = await sdk.v1.customers.retrieve(customer_id=CUSTOMER_ONE)
    assert customer.data.id == CUSTOMER_ONE
    stats = emu.stats.snapshot()
    assert stats["by_route"] == {"GET /v1/customers/{customer_id}": 2}
    assert stats["by_status"] == {"429": 1, "200": 1} and stats["faults"] == {"429": 1}


@pytest.mark.parametrize("kind", ["429", "500", "503"])
async def test_error_faults_answer_with_the_status_and_do_not_execute(client, emu, kind):
    emu.faults.add("/v1/contracts/create", kind)
    response = await client.post("/v1/contracts/create", json=contract_body(uniqueness_key="k"))
    assert response.status_code == int(kind) and "message" in response.json()
    if kind == "429":
        assert response.headers["retry-after"] == "1"
    emu.faults.clear()
    assert (await client.post("/v1/contracts/create", json=contract_body(uniqueness_key="k"))).status_code == 200


async def test_drop_in_process_raises_remote_protocol_error_and_does_not_execute(client, emu):
    emu.faults.add("/v1/contracts/create", "drop", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/v1/contracts/create", json=contract_body(uniqueness_key="k"))
    assert (await client.post("/v1/contracts/create", json=contract_body(uniqueness_key="k"))).status_code == 200


async def test_timeout_in_process_raises_read_timeout(client, emu):
    emu.faults.add("re:/v2/contracts/(get|list)", "timeout", method="POST")
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/v2/contracts/list", json={"customer_id": CUSTOMER_ONE})
    assert (await client.post("/v1/contracts/create", json=contract_body())).status_code == 200


async def test_lost_response_commits_the_write_then_drops(client, emu):
    emu.faults.add("/v1/contracts/create", "lost_response", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/v1/contracts/create", json=contract_body(subscription_body(), uniqueness_key="once"))
    listed = await client.post("/v2/contracts/list", json={"customer_id": CUSTOMER_ONE})
    assert [c["uniqueness_key"] for c in listed.json()["data"]] == ["once"]
    retry = await client.post("/v1/contracts/create", json=contract_body(subscription_body(), uniqueness_key="once"))
    assert retry.status_code == 409


def test_served_drop_is_a_real_dropped_connection(emu, served):
    emu.faults.add("/v1/customers/*", "drop", times=1)
    with httpx.Client(base_url=served, headers=AUTH) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.get(f"/v1/customers/{CUSTOMER_ONE}")
        assert http.get(f"/v1/customers/{CUSTOMER_ONE}").status_code == 200


def test_served_timeout_and_lost_response(emu, served):
    emu.faults.add("/v2/contracts/list", "timeout", times=1, delay_s=0.6)
    emu.faults.add("/v1/contracts/create", "lost_response", times=1)
    with httpx.Client(base_url=served, headers=AUTH, timeout=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post("/v2/contracts/list", json={"customer_id": CUSTOMER_ONE})
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.post("/v1/contracts/create", json=contract_body(uniqueness_key="lost"))
        listed = http.post("/v2/contracts/list", json={"customer_id": CUSTOMER_ONE}, timeout=5)
        assert [c["uniqueness_key"] for c in listed.json()["data"]] == ["lost"]


async def test_fault_rates_are_deterministic_for_a_seed():
    async def outcomes(seed: int) -> list[int]:
        instance = Emulator(clock="2025-10-01T00:00:00Z")
        instance.faults.configure([{"path": "/v1/customers/*", "kind": "503", "rate": 0.5}], seed=seed)
        async with instance.client() as http:
            result = [(await http.get(f"/v1/customers/{CUSTOMER_ONE}")).status_code for _ in range(20)]
        instance.close()
        return result

    first = await outcomes(7)
    assert first == await outcomes(7)
    assert set(first) == {200, 503}
    assert first != await outcomes(8)


async def test_faults_only_match_their_path_and_method(client, emu):
    emu.faults.add("/v2/contracts/*", "500", method="POST")
    assert (await client.get(f"/v1/customers/{CUSTOMER_ONE}")).status_code == 200
    assert (await client.post("/v2/contracts/list", json={"customer_id": CUSTOMER_ONE})).status_code == 500


async def test_fixed_and_seeded_latency(client, emu):
    emu.latency.configure(fixed_ms=60)
    started = time.perf_counter()
    await client.get(f"/v1/customers/{CUSTOMER_ONE}")
    assert time.perf_counter() - started >= 0.06
    emu.latency.configure(distribution="uniform", min_ms=1, max_ms=5, seed=3)
    samples = [emu.latency.sample_ms() for _ in range(5)]
    emu.latency.configure(distribution="uniform", min_ms=1, max_ms=5, seed=3)
    assert samples == [emu.latency.sample_ms() for _ in range(5)] and all(1 <= s <= 5 for s in samples)
    emu.latency.configure(distribution="normal", mean_ms=2, stddev_ms=1, seed=1)
    assert emu.latency.sample_ms() >= 0


@pytest.mark.parametrize("mode, served_before_the_answer", [("added", False), ("response_time", True)])
async def test_latency_modes_wait_then_serve_or_serve_then_hold_the_answer(client, emu, mode,
                                                                            served_before_the_answer):
    emu.latency.configure(fixed_ms=400, mode=mode)
    started = time.perf_counter()
    answer = asyncio.ensure_future(client.post("/v1/customers", json={"name": "Held"}))
    await asyncio.sleep(0.15)
    assert not answer.done()
    served = bool(emu.store.query("SELECT id FROM customers WHERE json_extract(doc, '$.name') = 'Held'"))
    assert served is served_before_the_answer
    assert (await answer).status_code == 200
    assert time.perf_counter() - started >= 0.4
    assert emu.store.query("SELECT id FROM customers WHERE json_extract(doc, '$.name') = 'Held'")


async def test_a_fault_answer_is_held_for_the_response_time_too(client, emu):
    emu.latency.configure(fixed_ms=200, mode="response_time")
    emu.faults.add("/v1/customers/*", "503")
    started = time.perf_counter()
    assert (await client.get(f"/v1/customers/{CUSTOMER_ONE}")).status_code == 503
    assert time.perf_counter() - started >= 0.2


def test_an_unknown_latency_mode_is_refused():
    with pytest.raises(ValueError, match="added or response_time"):
        Emulator(seed=None).latency.configure(fixed_ms=1, mode="after")


async def test_counters_by_route_template_reads_and_writes(client, emu):
    await client.get(f"/v1/customers/{CUSTOMER_ONE}")
    await client.get("/v1/customers/1f79c5c6-400a-4be4-9573-30c667454e4c")
    await client.post("/v1/contracts/create", json=contract_body())
    await client.post("/v2/contracts/list", json={"customer_id": CUSTOMER_ONE})
    await client.post("/v1/nope", json={})
    await client.get("/_emulator/stats")
    stats = (await client.get("/_emulator/stats")).json()
    assert stats["by_route"] == {"GET /v1/customers/{customer_id}": 2, "POST /v1/contracts/create": 1,
                                 "POST /v2/contracts/list": 1, "POST /v1/nope": 1}
    assert (stats["total"], stats["reads"], stats["writes"]) == (5, 4, 1)
    assert stats["by_status"] == {"200": 4, "501": 1}
    await client.post("/_emulator/reset-stats")
    assert emu.stats.snapshot()["total"] == 0


async def test_admin_routes_need_no_token_and_control_clock_faults_latency(emu):
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator.local") as http:
        clock = await http.post("/_emulator/clock", json={"set": "2026-01-01T00:00:00Z"})
        assert clock.json()["now"] == "2026-01-01T00:00:00.000Z" and clock.json()["frozen"]
        assert (await http.post("/_emulator/clock", json={"advance_days": 1})).json()["now"].startswith("2026-01-02")
        faults = await http.post("/_emulator/faults", json={"rules": [{"path": "/v1/*", "kind": "503"}], "seed": 3})
        assert faults.json()["rules"][0]["kind"] == "503"
        assert (await http.get(f"/v1/customers/{CUSTOMER_ONE}", headers=AUTH)).status_code == 503
        assert (await http.post("/_emulator/faults", json={"rules": [{"path": "/x", "kind": "boom"}]})).status_code \
            == 400
        await http.post("/_emulator/faults", json={"rules": []})
        assert (await http.post("/_emulator/latency", json={"fixed_ms": 1})).json()["mode"] == "added"
        assert (await http.post("/_emulator/latency", json={"fixed_ms": 1, "mode": "held"})).status_code == 400
        latency = await http.post("/_emulator/latency", json={"fixed_ms": 1, "mode": "response_time"})
        assert latency.json() == {**latency.json(), "fixed_ms": 1, "mode": "response_time"}
        created = await http.post("/v1/customers", json={"name": "Later"}, headers=AUTH)
        customer = await http.get(f"/v1/customers/{created.json()['data']['id']}", headers=AUTH)
        assert customer.json()["data"]["created_at"] == "2026-01-02T00:00:00.000Z"
        await http.post("/_emulator/clock", json={"reset": True})
        assert not emu.clock.frozen


def test_clock_runs_from_a_set_instant_when_not_frozen():
    from reconciler.emulator import Clock

    clock = Clock("2025-01-01T00:00:00Z", frozen=False)
    first = clock.now()
    time.sleep(0.01)
    assert clock.now() > first and first.year == 2025
    clock.advance(days=31)
    assert clock.now().month == 2
