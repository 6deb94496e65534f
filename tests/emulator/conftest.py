"""Fixtures for the emulator tests: an in-process emulator with a frozen clock, an httpx client on its
transport, the emulator served by uvicorn on a free loopback port, and the official SDK pointed at it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from reconciler.emulator import Emulator
from reconciler.emulator.server import BackgroundServer

NOW = "2025-10-01T00:00:00.000Z"
CUSTOMER_ONE = "4c09936b-455d-4c72-a120-d71b600a7546"
CUSTOMER_TWO = "1f79c5c6-400a-4be4-9573-30c667454e4c"
STANDARD_2025 = "740a2ca1-64f6-417d-807a-05f154b3b1fe"
SEATS_2025 = "79b2716d-530c-4ff9-86f8-3ee91f442b1b"
PRO_PLAN = "ed518bcb-acc1-4cd8-85dd-880c2eb38994"
TEAM_PLAN = "5b0f8d8e-2f7a-4a53-9b8e-3c1d7e6a2b10"
POOLED_CREDITS = "652e1298-7638-45a8-b691-cdf47e46cbc8"
PER_SEAT_COMMIT = "35a467c7-fc24-46c2-884b-66af8d349674"
VIDEO_GENERATION = "9d5c3f0a-6e1b-4c8d-a2f4-7b3e9c1d5a20"
AI_CREDITS = "d3cb2827-dcb5-44af-9354-947a7197b9a6"
USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
CONFIG_ONE = "e045c62b-65e7-4e84-a924-3f06f8b621d0"

EXAMPLES = json.loads((Path(__file__).parent / "data" / "seed_guide_examples.json").read_text())
SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "metronome-openapi.json"


def example(name: str) -> dict:
    """A fresh copy of one of the seed guide's contract-create bodies (verbatim)."""
    return json.loads(json.dumps(EXAMPLES[name]))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu():
    instance = Emulator(clock=NOW)
    yield instance
    instance.close()


@pytest.fixture
async def client(emu):
    async with emu.client(token="test") as http:
        yield http


@pytest.fixture
def served(emu):
    """The same emulator instance served over HTTP; yields the base URL."""
    with BackgroundServer(emu) as url:
        yield url


@pytest.fixture
def sdk(served):
    metronome = pytest.importorskip("metronome")
    with metronome.Metronome(bearer_token="test", base_url=served, _strict_response_validation=True,
                             max_retries=0) as sdk_client:
        yield sdk_client


def subscription_body(**overrides) -> dict:
    body = {"collection_schedule": "ADVANCE", "initial_quantity": 1,
            "proration": {"invoice_behavior": "BILL_ON_NEXT_COLLECTION_DATE", "is_prorated": True},
            "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": PRO_PLAN}}
    body.update(overrides)
    return body


def seat_subscription_body(seats: list[str], unassigned: int = 0, **overrides) -> dict:
    body = subscription_body(quantity_management_mode="SEAT_BASED",
                             seat_config={"seat_group_key": "seat_id", "initial_seat_ids": seats,
                                          "initial_unassigned_seats": unassigned})
    del body["initial_quantity"]
    body.update(overrides)
    return body


def contract_body(*subscriptions: dict, **overrides) -> dict:
    body = {"customer_id": CUSTOMER_ONE, "rate_card_id": STANDARD_2025, "starting_at": "2025-01-01T00:00:00Z",
            "subscriptions": list(subscriptions)}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


async def create(client: httpx.AsyncClient, body: dict) -> str:
    response = await client.post("/v1/contracts/create", json=_clean(body))
    assert response.status_code == 200, response.text
    return response.json()["data"]["id"]


async def get(client: httpx.AsyncClient, contract_id: str, customer_id: str = CUSTOMER_ONE) -> dict:
    response = await client.post("/v2/contracts/get", json={"customer_id": customer_id, "contract_id": contract_id})
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def edit(client: httpx.AsyncClient, contract_id: str, customer_id: str = CUSTOMER_ONE, **sections):
    return await client.post("/v2/contracts/edit", json=_clean(
        {"customer_id": customer_id, "contract_id": contract_id, **sections}))


def _clean(value):
    """Drop None values (the helpers use None for 'leave out')."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
