"""The network transport (:mod:`reconciler.metronome.transport`) against real servers on loopback: uvicorn serving
a small Starlette app (plain and TLS) and the served emulator with its dropped-connection fault.

What a user relies on: connections are kept alive and reused, a connection the server closed or that sat idle too
long is never reused, every failure is the httpx exception the client's retry rules expect, TLS verifies
certificates, response encodings are decoded, and the environment's proxies still apply.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import ssl
import threading
import time
from types import SimpleNamespace

import httpx
import pytest
import trustme
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.emulator import Emulator
from reconciler.emulator.server import BackgroundServer
from reconciler.errors import ApiConnectionError
from reconciler.metronome import MetronomeClient, RetryPolicy, Secret
from reconciler.metronome.client import network_transport
from reconciler.metronome.endpoint import resolve_endpoint
from reconciler.metronome.transport import Http11Transport

BIG = {"items": [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(20_000)]}


async def _echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"method": request.method, "path": request.url.path, "query": request.url.query,
                         "body": json.loads(body) if body else None,
                         "authorization": request.headers.get("authorization")})


async def _slow(request: Request) -> JSONResponse:
    await asyncio.sleep(float(request.query_params.get("s", "0.5")))
    return JSONResponse({"slow": True})


async def _close(request: Request) -> JSONResponse:
    return JSONResponse({"closing": True}, headers={"Connection": "close"})


async def _big(request: Request) -> JSONResponse:
    return JSONResponse(BIG)


async def _gzipped(request: Request) -> Response:
    return Response(gzip.compress(json.dumps(BIG).encode()), media_type="application/json",
                    headers={"Content-Encoding": "gzip"})


APP = Starlette(routes=[Route("/echo", _echo, methods=["GET", "POST"]), Route("/slow", _slow),
                        Route("/close", _close), Route("/big", _big), Route("/gzip", _gzipped)])


class _Served:
    """uvicorn serving ``APP`` on a free loopback port in a thread, optionally over TLS."""

    def __init__(self, tls: tuple[str, str] | None = None) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        options = {"ssl_certfile": tls[0], "ssl_keyfile": tls[1]} if tls else {}
        self._server = uvicorn.Server(uvicorn.Config(APP, log_level="warning", lifespan="off",
                                                     timeout_keep_alive=30, **options))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> _Served:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def server():
    with _Served() as served:
        yield f"http://127.0.0.1:{served.port}"


def _client(base_url: str, transport: Http11Transport, **options) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, transport=transport, **options)


def test_requests_reuse_one_keep_alive_connection(server):
    async def scenario():
        transport = Http11Transport(max_connections=4)
        async with _client(server, transport) as client:
            answers = [(await client.post("/echo", params={"n": i}, json={"i": i})).json() for i in range(30)]
        return transport, answers

    transport, answers = asyncio.run(scenario())
    assert [a["body"] for a in answers] == [{"i": i} for i in range(30)]
    assert [a["query"] for a in answers] == [f"n={i}" for i in range(30)]
    assert transport.connections_opened == 1


def test_concurrent_requests_open_at_most_max_connections(server):
    async def scenario():
        transport = Http11Transport(max_connections=3)
        async with _client(server, transport) as client:
            answers = await asyncio.gather(*(client.get("/slow", params={"s": "0.05"}) for _ in range(12)))
        return transport, answers

    transport, answers = asyncio.run(scenario())
    assert all(a.status_code == 200 and a.json() == {"slow": True} for a in answers)
    assert transport.connections_opened == 3


def test_a_connection_the_server_closes_is_not_reused(server):
    async def scenario():
        transport = Http11Transport(max_connections=1)
        async with _client(server, transport) as client:
            first = await client.get("/close")
            second = await client.post("/echo", json={"after": "close"})
        return transport, first, second

    transport, first, second = asyncio.run(scenario())
    assert first.json() == {"closing": True}
    assert second.json()["body"] == {"after": "close"}
    assert transport.connections_opened == 2


def test_an_idle_connection_past_the_keep_alive_expiry_is_replaced(server):
    async def scenario():
        transport = Http11Transport(max_connections=1, keepalive_expiry=0.05)
        async with _client(server, transport) as client:
            await client.get("/echo")
            await client.get("/echo")  # at once: reused
            await asyncio.sleep(0.1)
            await client.get("/echo")  # after the expiry: a new connection
        return transport

    assert asyncio.run(scenario()).connections_opened == 2


def test_large_and_gzip_encoded_bodies_arrive_whole_and_decoded(server):
    async def scenario():
        async with _client(server, Http11Transport(max_connections=2)) as client:
            return await client.get("/big"), await client.get("/gzip")

    big, gzipped = asyncio.run(scenario())
    assert big.json() == BIG
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.json() == BIG
    assert big.http_version == "HTTP/1.1" and big.reason_phrase == "OK"


def test_a_slow_answer_is_a_read_timeout(server):
    async def scenario():
        async with _client(server, Http11Transport(max_connections=1), timeout=httpx.Timeout(5, read=0.1)) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/slow", params={"s": "1"})
            return (await client.get("/echo")).status_code  # the timed-out connection was not reused

    assert asyncio.run(scenario()) == 200


def test_waiting_for_a_busy_pool_is_a_pool_timeout(server):
    async def scenario():
        async with _client(server, Http11Transport(max_connections=1), timeout=httpx.Timeout(5, pool=0.05)) as client:
            slow = asyncio.ensure_future(client.get("/slow", params={"s": "0.5"}))
            await asyncio.sleep(0.05)
            with pytest.raises(httpx.PoolTimeout):
                await client.get("/echo")
            return (await slow).status_code

    assert asyncio.run(scenario()) == 200


def test_nothing_listening_is_a_connect_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario():
        async with _client(f"http://127.0.0.1:{port}", Http11Transport(max_connections=1)) as client:
            await client.get("/echo")

    with pytest.raises(httpx.ConnectError):
        asyncio.run(scenario())


def test_a_dropped_connection_is_a_remote_protocol_error_and_the_client_retries_reads():
    emulator = Emulator()
    rule = emulator.faults.add("/v1/customers", "drop", method="GET", times=1)
    with BackgroundServer(emulator) as url:
        async def raw():
            async with _client(url, Http11Transport(max_connections=1),
                               headers={"Authorization": "Bearer t"}) as client:
                with pytest.raises(httpx.RemoteProtocolError):
                    await client.get("/v1/customers")
                return (await client.get("/v1/customers")).status_code

        assert asyncio.run(raw()) == 200
        emulator.faults.add("/v1/customers", "drop", method="GET", times=1)

        async def through_the_client():
            async with MetronomeClient(resolve_endpoint(url, env={}), Secret("t"), retry=RetryPolicy(base_delay=0.01)) as client:
                return await client.request("GET", "/v1/customers"), client.stats

        body, stats = asyncio.run(through_the_client())
    assert rule.fired == 1
    assert "data" in body and stats.retries == 1


def test_the_client_gives_up_on_a_server_that_is_gone():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario():
        async with MetronomeClient(resolve_endpoint(f"http://127.0.0.1:{port}", env={}), Secret("t"),
                                   retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
            await client.request("GET", "/v1/customers")

    with pytest.raises(ApiConnectionError):
        asyncio.run(scenario())


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    folder = tmp_path_factory.mktemp("tls")
    cert, key, ca = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    certificate.private_key_and_cert_chain_pem.write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    with _Served(tls=(str(cert), str(key))) as served:
        yield SimpleNamespace(url=f"https://localhost:{served.port}", ca=str(ca))


def test_tls_with_a_trusted_certificate(tls_server):
    context = ssl.create_default_context(cafile=tls_server.ca)

    async def scenario():
        transport = Http11Transport(max_connections=1, ssl_context=context)
        async with _client(tls_server.url, transport) as client:
            answers = [(await client.post("/echo", json={"i": i})).json()["body"] for i in range(3)]
        return transport, answers

    transport, answers = asyncio.run(scenario())
    assert answers == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert transport.connections_opened == 1


def test_tls_refuses_a_certificate_it_does_not_trust(tls_server):
    async def scenario():
        async with _client(tls_server.url, Http11Transport(max_connections=1)) as client:  # certifi's roots only
            await client.get("/echo")

    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(scenario())


def test_the_default_tls_context_verifies_hostnames_and_certificates():
    context = Http11Transport(max_connections=1).ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True


def test_plain_http_never_loads_a_tls_context(server, monkeypatch):
    def no_tls(*args, **kwargs):
        raise AssertionError("a TLS context was made for a plain-http origin")

    monkeypatch.setattr(httpx, "create_ssl_context", no_tls)

    async def scenario():
        async with _client(server, Http11Transport(max_connections=2)) as client:
            return (await client.post("/echo", json={"plain": True})).json()

    assert asyncio.run(scenario())["body"] == {"plain": True}


def test_an_environment_proxy_hands_the_url_to_httpx_default_transport(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(network_transport("https://api.metronome.com", 8), Http11Transport)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert network_transport("https://api.metronome.com", 8) is None
    monkeypatch.setenv("NO_PROXY", "api.metronome.com")
    assert isinstance(network_transport("https://api.metronome.com", 8), Http11Transport)


def test_the_bearer_token_is_sent_per_request(server):
    async def scenario():
        async with MetronomeClient(resolve_endpoint(server, env={}), Secret("sekret")) as client:
            return await client.request("POST", "/echo", json={"x": 1})

    assert asyncio.run(scenario())["authorization"] == "Bearer sekret"
