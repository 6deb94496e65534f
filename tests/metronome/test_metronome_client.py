"""MetronomeClient.request: what goes on the wire, what comes back, and how error answers map to exceptions."""

from __future__ import annotations

import datetime as dt
import json
import math

import httpx
import pytest

from reconciler.errors import ApiError, ConflictError, NotFoundError, ReconcilerError
from reconciler.metronome.client import encode_json

from metronome_fakes import TOKEN, body_of

pytestmark = pytest.mark.anyio


async def test_request_sends_bearer_json_and_comma_joined_query(make_client):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"id": "x"}})

    async with make_client(handler) as client:
        answer = await client.request("post", "/v1/things", json={"a": None, "b": 1},
                                      params={"ids": ["a", "b"], "archived": False, "skip": None})
    assert answer == {"data": {"id": "x"}}
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == "https://api.metronome.test/v1/things?ids=a%2Cb&archived=false"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert body_of(request) == {"a": None, "b": 1}  # explicit nulls are meaningful to /v2/contracts/edit


BODIES = [{"a": None, "b": 1}, {"name": "Zürich_GmbH_✓", "quantity": 2**70, "rate": 0.1, "big": 1e300},
          {"nested": [{"x": [1, 2.5, True, False, None]}, {}], "key": "${customer.acme.id}"}, [], "text", 3]


@pytest.mark.parametrize("value", BODIES, ids=range(len(BODIES)))
def test_request_bodies_decode_to_what_was_given_compact_and_utf8(value):
    encoded = encode_json(value)
    assert json.loads(encoded) == value
    assert b", " not in encoded and b": " not in encoded and b"\\u" not in encoded


def test_non_ascii_text_goes_out_as_utf8_not_escapes():
    assert encode_json({"name": "Zürich ✓"}) == '{"name":"Zürich ✓"}'.encode()


@pytest.mark.parametrize("value, error", [({"rate": math.nan}, ValueError), ({"cap": math.inf}, ValueError),
                                          ({"at": dt.datetime(2026, 1, 1)}, TypeError), ({1, 2}, TypeError)])
def test_request_bodies_refuse_what_json_cannot_say_as_httpx_did(value, error):
    with pytest.raises(error):
        encode_json(value)


async def test_empty_body_is_none(make_client):
    async with make_client(lambda r: httpx.Response(200)) as client:
        assert await client.request("POST", "/v1/customers/c/setIngestAliases", json={}, write=True) is None


async def test_base_url_path_prefix_is_kept(sleep):
    from reconciler.metronome import Endpoint, MetronomeClient, Secret

    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={})

    endpoint = Endpoint("https", "https://gw.example/metronome", "https://gw.example/metronome")
    async with MetronomeClient(endpoint, Secret("t"), transport=httpx.MockTransport(handler)) as client:
        await client.request("GET", "/v1/customers")
    assert urls == ["https://gw.example/metronome/v1/customers"]


@pytest.mark.parametrize("path", ["v1/customers", "https://evil.example/v1/customers", "//evil.example/x"])
async def test_paths_must_stay_inside_the_api(make_client, path):
    calls: list[httpx.Request] = []
    async with make_client(lambda r: calls.append(r) or httpx.Response(200, json={})) as client:
        with pytest.raises(ValueError):
            await client.request("GET", path)
    assert calls == []


@pytest.mark.parametrize(
    ("status", "body", "error", "code", "message"),
    [
        (404, {"message": "Customer not found"}, NotFoundError, None, "Customer not found"),
        (400, {"code": "ContractNotFound", "message": "no such contract"}, NotFoundError, "ContractNotFound",
         "no such contract"),
        (400, {"code": "CustomerNotFound", "message": "no such customer"}, NotFoundError, "CustomerNotFound",
         "no such customer"),
        (400, {"code": "SubscriptionNotFound", "message": "no sub"}, NotFoundError, "SubscriptionNotFound", "no sub"),
        (409, {"message": "This uniqueness key has already been used."}, ConflictError, None,
         "This uniqueness key has already been used."),
        (400, {"code": "InvalidArgument", "message": "limit must be <= 10"}, ApiError, "InvalidArgument",
         "limit must be <= 10"),
        (422, {"message": "starting_at must be on an hour boundary"}, ApiError, None,
         "starting_at must be on an hour boundary"),
        (400, "plain text failure", ApiError, None, "plain text failure"),
    ],
)
async def test_error_mapping(make_client, status, body, error, code, message):
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    async with make_client(handler) as client:
        with pytest.raises(error) as caught:
            await client.request("POST", "/v2/contracts/get", json={"contract_id": "k"})
    exc = caught.value
    assert type(exc) is error
    assert isinstance(exc, ReconcilerError)
    assert (exc.status, exc.code, exc.path) == (status, code, "/v2/contracts/get")
    assert message in str(exc)
    assert client.stats.attempts == 1  # client errors are never retried


async def test_400_with_other_code_is_not_not_found(make_client):
    async with make_client(lambda r: httpx.Response(400, json={"code": "InvalidArgument", "message": "m"})) as c:
        with pytest.raises(ApiError) as caught:
            await c.request("POST", "/v2/contracts/get", json={})
    assert not isinstance(caught.value, NotFoundError)


async def test_unauthorized_has_a_token_hint(make_client):
    async with make_client(lambda r: httpx.Response(401, json={"message": "Unauthorized"})) as client:
        with pytest.raises(ApiError) as caught:
            await client.request("GET", "/v1/customers")
    assert caught.value.status == 401
    assert "METRONOME_BEARER_TOKEN" in str(caught.value)


async def test_non_json_success_on_read_is_an_api_error(make_client):
    async with make_client(lambda r: httpx.Response(200, text="<html>gateway</html>")) as client:
        with pytest.raises(ApiError, match="not a JSON object"):
            await client.request("GET", "/v1/customers")


async def test_stats_count_requests_by_method_and_path(make_client):
    async with make_client(lambda r: httpx.Response(200, json={})) as client:
        await client.request("GET", "/v1/customers")
        await client.request("GET", "/v1/customers")
        await client.request("POST", "/v2/contracts/get", json={})
    assert client.stats.requests == {("GET", "/v1/customers"): 2, ("POST", "/v2/contracts/get"): 1}
    assert (client.stats.total, client.stats.attempts, client.stats.retries) == (3, 3, 0)
    assert client.stats.statuses == {200: 3}


async def test_debug_log_has_method_path_status(make_client, caplog):
    caplog.set_level("DEBUG", logger="reconciler.metronome")
    async with make_client(lambda r: httpx.Response(200, json={})) as client:
        await client.request("GET", "/v1/customers")
    record = [r for r in caplog.records if r.name == "reconciler.metronome"][0]
    assert record.levelname == "DEBUG"
    assert "GET /v1/customers -> 200" in record.getMessage()


async def test_a_redirect_is_an_error_not_a_silent_success(make_client):
    answer = httpx.Response(301, headers={"Location": "https://elsewhere.example/v1/customers"})
    async with make_client(lambda r: answer) as client:
        with pytest.raises(ApiError) as caught:
            await client.request("POST", "/v1/customers", json={}, write=True)
    assert caught.value.status == 301
