"""The bearer token never leaves through an exception, a repr, a log line, or the console.

A canary token is pushed through every failure path the client has; each resulting exception (with its
traceback and chained causes), every captured log record (all loggers, DEBUG), and stdout/stderr are searched.
"""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from metronome_fakes import ENDPOINT
from reconciler.errors import ReconcilerError
from reconciler.metronome import MetronomeClient, RetryPolicy, Secret, open_client, resolve_endpoint, resolve_token

CANARY = "canary-7f3a9c51-do-not-leak"

pytestmark = pytest.mark.anyio


def leaked_in(exc: BaseException) -> bool:
    text = "".join(traceback.format_exception(exc)) + str(exc) + repr(exc) + repr(vars(exc))
    return CANARY in text


def raising(failure):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {CANARY}"  # it is sent, just never shown
        assert CANARY not in repr(request) + repr(request.headers) + str(request.url)
        if isinstance(failure, Exception):
            raise failure
        return failure
    return handler


FAILURES = [
    ("401", httpx.Response(401, json={"message": "Unauthorized"}), False),
    ("403 echoing the token", httpx.Response(403, json={"message": f"token {CANARY} lacks scope"}), False),
    ("500 on read", httpx.Response(500, text=f"stack trace: Authorization: Bearer {CANARY}"), False),
    ("500 on write", httpx.Response(500, json={"message": "oops"}), True),
    ("429 forever", httpx.Response(429, headers={"Retry-After": "1"}, json={"message": "slow"}), False),
    ("connection error", httpx.ConnectError("connection refused"), False),
    ("timeout on write", httpx.ReadTimeout("timed out"), True),
    ("409", httpx.Response(409, json={"message": "This uniqueness key has already been used."}), True),
]


@pytest.mark.parametrize(("name", "failure", "write"), FAILURES, ids=[f[0] for f in FAILURES])
async def test_canary_token_never_appears(name, failure, write, caplog, capfd):
    caplog.set_level(logging.DEBUG)

    async def no_sleep(delay: float) -> None:
        return None

    client = MetronomeClient(ENDPOINT, Secret(CANARY), transport=httpx.MockTransport(raising(failure)),
                             sleep=no_sleep, retry=RetryPolicy(max_attempts=2), progress=print)
    async with client:
        with pytest.raises(ReconcilerError) as caught:
            await client.request("POST", "/v1/contracts/create", json={"name": "x"}, write=write)
        assert CANARY not in repr(client) + repr(vars(client)) + repr(client.stats)
    assert not leaked_in(caught.value)
    assert caplog.records, "the client should have logged the attempt"
    assert CANARY not in caplog.text
    assert all(CANARY not in r.getMessage() for r in caplog.records)
    out, err = capfd.readouterr()
    assert CANARY not in out + err


@pytest.mark.parametrize("value", [
    f"http://user:{CANARY}@api.metronome.com",
    f"https://{CANARY}@[bad",
    f"ftp://api.metronome.com/?token={CANARY}",
])
def test_config_errors_do_not_echo_credentials(value, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ReconcilerError) as caught:
        resolve_endpoint(value, env={})
    assert not leaked_in(caught.value)
    assert CANARY not in caplog.text + "".join(capfd.readouterr())


def test_display_and_url_drop_credentials():
    endpoint = resolve_endpoint(f"https://me:{CANARY}@api.metronome.com/?key={CANARY}", env={})
    assert CANARY not in endpoint.display + endpoint.url + repr(endpoint)


def test_missing_token_error_has_no_secret(caplog):
    endpoint = resolve_endpoint("https://api.metronome.com", env={})
    with pytest.raises(ReconcilerError) as caught:
        resolve_token(endpoint, env={"OTHER": CANARY})
    assert not leaked_in(caught.value)


def test_open_client_with_token_keeps_it_hidden():
    endpoint = resolve_endpoint("https://api.metronome.com", env={})
    client = open_client(endpoint, token=Secret(CANARY), transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert CANARY not in repr(client) + repr(vars(client)) + str(client.__dict__)
