"""Retries, backoff, Retry-After, the write-vs-read rules, and bounded concurrency."""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx
import pytest

from reconciler.errors import (
    ApiConnectionError,
    ApiError,
    ConflictError,
    RateLimitedError,
    WriteOutcomeUnknownError,
)
from metronome_fakes import ENDPOINT, TOKEN
from reconciler.metronome import MetronomeClient, RetryPolicy, Secret, retry_after_seconds

pytestmark = pytest.mark.anyio


class Script:
    """A handler that plays a list of answers (responses or exceptions to raise), then 200s."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        step = self.steps.pop(0) if self.steps else httpx.Response(200, json={"data": {"ok": True}})
        if isinstance(step, Exception):
            raise step
        return step


def busy(status=429, **headers) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={"message": "slow down" if status == 429 else "oops"})


async def test_429_honours_retry_after_seconds(make_client, sleep):
    script = Script(busy(429, **{"Retry-After": "7"}))
    async with make_client(script) as client:
        assert await client.request("GET", "/v1/customers") == {"data": {"ok": True}}
    assert script.calls == 2
    assert sleep.delays == [7.0]
    assert (client.stats.attempts, client.stats.retries) == (2, 1)
    assert client.stats.statuses == {429: 1, 200: 1}


async def test_retry_after_ms_wins_over_retry_after(make_client, sleep):
    script = Script(busy(503, **{"retry-after-ms": "250", "Retry-After": "9"}))
    async with make_client(script) as client:
        await client.request("POST", "/v2/contracts/get", json={})
    assert sleep.delays == [0.25]


def test_retry_after_http_date():
    now = time.time()
    headers = httpx.Headers({"Retry-After": email.utils.formatdate(now + 30, usegmt=True)})
    assert 28 <= retry_after_seconds(headers, now=now) <= 31
    assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Headers({"Retry-After": "-5"})) == 0.0
    assert retry_after_seconds(httpx.Headers({})) is None


async def test_retry_after_is_capped(make_client, sleep):
    async with make_client(Script(busy(429, **{"Retry-After": "3600"}))) as client:
        await client.request("GET", "/v1/customers")
    assert sleep.delays == [60.0]


async def test_exponential_backoff_without_header_is_capped(make_client, sleep):
    policy = RetryPolicy(max_attempts=6, base_delay=0.5, max_delay=3.0)
    async with make_client(Script(*[busy(500)] * 5), retry=policy) as client:
        await client.request("GET", "/v1/customers")
    assert sleep.delays == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_backoff_jitter_stays_within_a_quarter():
    policy = RetryPolicy(base_delay=1.0)
    assert policy.backoff(1, rand=lambda: 0.0) == 1.0
    assert policy.backoff(1, rand=lambda: 0.999) == pytest.approx(0.75, abs=0.001)
    assert policy.backoff(3, rand=lambda: 0.5) == pytest.approx(4 * 0.875)


async def test_429_gives_up_after_max_attempts(make_client, sleep):
    script = Script(*[busy(429, **{"Retry-After": "1"})] * 10)
    async with make_client(script) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.request("GET", "/v1/customers")
    assert script.calls == 4  # default max_attempts
    assert sleep.delays == [1.0, 1.0, 1.0]
    assert caught.value.status == 429 and caught.value.retry_after == 1.0


async def test_5xx_on_read_gives_up_with_api_error(make_client):
    script = Script(*[busy(502)] * 10)
    async with make_client(script, retry=RetryPolicy(max_attempts=2)) as client:
        with pytest.raises(ApiError) as caught:
            await client.request("POST", "/v2/contracts/list", json={})
    assert script.calls == 2
    assert caught.value.status == 502
    assert not isinstance(caught.value, WriteOutcomeUnknownError)


async def test_timeout_on_read_is_retried(make_client, sleep):
    script = Script(httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("peer closed"))
    async with make_client(script) as client:
        assert await client.request("POST", "/v2/contracts/get", json={}) == {"data": {"ok": True}}
    assert script.calls == 3
    assert len(sleep.delays) == 2


async def test_connection_failures_on_read_give_up_with_connection_error(make_client):
    script = Script(*[httpx.ConnectError("refused")] * 10)
    async with make_client(script) as client:
        with pytest.raises(ApiConnectionError, match="ConnectError"):
            await client.request("GET", "/v1/customers")
    assert script.calls == 4


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("timed out"), httpx.WriteTimeout("timed out"),
                                     httpx.ReadError("connection reset"),
                                     httpx.RemoteProtocolError("server disconnected")])
async def test_timeout_or_dropped_link_on_write_is_outcome_unknown_after_one_attempt(make_client, sleep, failure):
    script = Script(failure)
    async with make_client(script) as client:
        with pytest.raises(WriteOutcomeUnknownError) as caught:
            await client.request("POST", "/v1/contracts/create", json={"uniqueness_key": "k"}, write=True)
    assert script.calls == 1
    assert sleep.delays == []
    exc = caught.value
    assert (exc.method, exc.path, exc.cause) == ("POST", "/v1/contracts/create", type(failure).__name__)
    assert "read the object back" in str(exc)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_5xx_on_write_is_outcome_unknown_after_one_attempt(make_client, status):
    script = Script(busy(status, **{"Retry-After": "1"}))
    async with make_client(script) as client:
        with pytest.raises(WriteOutcomeUnknownError) as caught:
            await client.request("POST", "/v2/contracts/edit", json={}, write=True)
    assert script.calls == 1
    assert caught.value.status == status and caught.value.cause == f"HTTP {status}"


async def test_429_on_write_is_retried(make_client, sleep):
    script = Script(busy(429, **{"Retry-After": "2"}))
    async with make_client(script) as client:
        assert await client.request("POST", "/v2/contracts/edit", json={}, write=True) == {"data": {"ok": True}}
    assert script.calls == 2 and sleep.delays == [2.0]


async def test_write_that_never_left_is_retried(make_client):
    script = Script(httpx.ConnectError("connection refused"), httpx.ConnectTimeout("connect timed out"))
    async with make_client(script) as client:
        await client.request("POST", "/v1/contracts/create", json={}, write=True)
    assert script.calls == 3


async def test_unreadable_success_on_write_is_outcome_unknown(make_client):
    async with make_client(lambda r: httpx.Response(200, text="truncated {")) as client:
        with pytest.raises(WriteOutcomeUnknownError):
            await client.request("POST", "/v1/contracts/create", json={}, write=True)


async def test_409_is_never_retried(make_client):
    script = Script(httpx.Response(409, json={"message": "This uniqueness key has already been used."}))
    async with make_client(script) as client:
        with pytest.raises(ConflictError):
            await client.request("POST", "/v1/contracts/create", json={}, write=True)
    assert script.calls == 1


async def test_progress_reports_retries(make_client):
    messages: list[str] = []
    async with make_client(Script(busy(429, **{"Retry-After": "3"})), progress=messages.append) as client:
        await client.request("GET", "/v1/customers")
    assert messages == ["GET /v1/customers: retrying in 3.0s (attempt 2 of 4)"]


@pytest.mark.parametrize("bound", [1, 3])
async def test_concurrency_is_bounded(make_client, bound):
    in_flight = peak = 0

    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.005)
            in_flight -= 1
            return httpx.Response(200, json={})

    async with MetronomeClient(ENDPOINT, Secret(TOKEN), transport=Slow(), concurrency=bound) as client:
        await asyncio.gather(*(client.request("GET", "/v1/customers") for _ in range(12)))
    assert peak == bound
    assert client.stats.requests[("GET", "/v1/customers")] == 12


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError):
        MetronomeClient(ENDPOINT, Secret("t"), concurrency=0)
    with pytest.raises(TypeError):
        MetronomeClient(ENDPOINT, "plain-string-token")


async def test_undecodable_body_is_retried_on_read_and_unknown_on_write(make_client):
    script = Script(httpx.DecodingError("bad gzip"))
    async with make_client(script) as client:
        assert await client.request("GET", "/v1/customers") == {"data": {"ok": True}}
    assert script.calls == 2
    async with make_client(Script(httpx.DecodingError("bad gzip"))) as client:
        with pytest.raises(WriteOutcomeUnknownError, match="DecodingError"):
            await client.request("POST", "/v2/contracts/edit", json={}, write=True)


async def test_idempotency_key_is_sent_on_every_attempt(make_client):
    keys: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers.get("idempotency-key"))
        if len(keys) == 1:
            return busy(429, **{"Retry-After": "0"})
        return httpx.Response(200, json={"data": {}})

    async with make_client(handler) as client:
        await client.request("POST", "/v2/contracts/edit", json={}, write=True, idempotency_key="op-1")
        await client.request("POST", "/v2/contracts/edit", json={}, write=True)
    assert keys == ["op-1", "op-1", None]
