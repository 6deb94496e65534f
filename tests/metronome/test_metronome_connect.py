"""open_client: the transport seam, token resolution, and the embedded emulator as the default target."""

from __future__ import annotations

import sys

import httpx
import pytest

from reconciler.errors import ConfigError
from reconciler.metronome import MetronomeClient, Secret, open_client, resolve_endpoint

pytestmark = pytest.mark.anyio


async def test_given_transport_and_token_are_used():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"id": "c1"}})

    endpoint = resolve_endpoint("https://api.metronome.com", env={})
    async with open_client(endpoint, token=Secret("tok"), transport=httpx.MockTransport(handler),
                           concurrency=2) as client:
        assert isinstance(client, MetronomeClient)
        assert await client.get_customer("c1") == {"id": "c1"}
    assert str(seen[0].url) == "https://api.metronome.com/v1/customers/c1"
    assert seen[0].headers["authorization"] == "Bearer tok"


async def test_token_comes_from_env_for_remote(monkeypatch):
    monkeypatch.setenv("METRONOME_BEARER_TOKEN", "from-env")
    seen: list[httpx.Request] = []
    endpoint = resolve_endpoint("https://api.metronome.com", env={})
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200, json={}))
    async with open_client(endpoint, transport=transport) as client:
        await client.request("GET", "/v1/customers")
    assert seen[0].headers["authorization"] == "Bearer from-env"


def test_remote_without_token_is_a_config_error(monkeypatch):
    monkeypatch.delenv("METRONOME_BEARER_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="no API token"):
        open_client(resolve_endpoint("https://api.metronome.com", env={}))


async def test_embedded_with_explicit_transport_does_not_import_the_emulator(monkeypatch):
    monkeypatch.delitem(sys.modules, "reconciler.emulator", raising=False)
    endpoint = resolve_endpoint("embedded", env={})
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"data": []}))
    async with open_client(endpoint, transport=transport) as client:
        await client.request("GET", "/v1/customers")
        assert client.emulator is None
    assert "reconciler.emulator" not in sys.modules


async def test_embedded_default_opens_the_emulator(tmp_path):
    emulator = pytest.importorskip("reconciler.emulator")
    if not hasattr(emulator, "Emulator"):
        pytest.skip("reconciler.emulator.Emulator has not landed yet")
    db = tmp_path / "nested" / "emulator.db"
    endpoint = resolve_endpoint(f"emulator:{db}", env={})
    async with open_client(endpoint) as client:
        assert client.emulator is not None
        assert await client.list_credit_types() is not None
        customers = await client.list_customers()
        assert isinstance(customers, list)
    assert db.parent.is_dir()
    assert client.stats.requests[("GET", "/v1/customers")] == 1


async def test_embedded_emulator_answers_v2_not_found_as_400(tmp_path):
    emulator = pytest.importorskip("reconciler.emulator")
    if not hasattr(emulator, "Emulator"):
        pytest.skip("reconciler.emulator.Emulator has not landed yet")
    from reconciler.errors import NotFoundError

    endpoint = resolve_endpoint(f"emulator:{tmp_path / 'e.db'}", env={})
    async with open_client(endpoint) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_contract("00000000-0000-0000-0000-000000000000",
                                      "00000000-0000-0000-0000-000000000001")
    assert caught.value.status == 400
