"""Endpoint policy (https, loopback http, embedded default; plain http elsewhere refused) and token resolution."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.metronome import Endpoint, Secret, resolve_endpoint, resolve_token

EMBEDDED = ("embedded", "http://emulator.local", "embedded emulator (.reconciler/emulator.db)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, EMBEDDED),
        ("", EMBEDDED),
        ("embedded", EMBEDDED),
        ("EMBEDDED", EMBEDDED),
        ("emulator:", EMBEDDED),
        ("emulator:/tmp/e.db", ("embedded", "http://emulator.local", "embedded emulator (/tmp/e.db)")),
        ("https://api.metronome.com", ("https", "https://api.metronome.com", "https://api.metronome.com")),
        ("https://api.metronome.com/", ("https", "https://api.metronome.com", "https://api.metronome.com")),
        ("HTTPS://gw.example:8443/metronome/", ("https", "https://gw.example:8443/metronome",
                                                  "https://gw.example:8443/metronome")),
        ("https://user:hunter2@api.metronome.com/?token=abc#frag",
         ("https", "https://api.metronome.com", "https://api.metronome.com")),
        ("http://127.0.0.1:8080", ("loopback", "http://127.0.0.1:8080", "http://127.0.0.1:8080")),
        ("http://127.9.8.7:1", ("loopback", "http://127.9.8.7:1", "http://127.9.8.7:1")),
        ("http://localhost:4010", ("loopback", "http://localhost:4010", "http://localhost:4010")),
        ("http://[::1]:4010", ("loopback", "http://[::1]:4010", "http://[::1]:4010")),
    ],
)
def test_accepted_endpoints(value, expected):
    endpoint = resolve_endpoint(value, env={})
    assert (endpoint.kind, endpoint.url, endpoint.display) == expected


@pytest.mark.parametrize("value", ["http://api.metronome.com", "http://10.0.0.5:8080", "http://localhost.evil.com",
                                   "http://128.0.0.1", "http://[::2]:80", "http://0.0.0.0:8080"])
def test_plain_http_to_a_non_loopback_host_is_refused(value):
    with pytest.raises(ConfigError) as caught:
        resolve_endpoint(value, env={})
    message = str(caught.value)
    assert "unencrypted" in message
    assert "use https://" in message


@pytest.mark.parametrize("value", ["ftp://api.metronome.com", "api.metronome.com", "https://", "https://[bad"])
def test_malformed_endpoints_are_refused(value):
    with pytest.raises(ConfigError, match="invalid endpoint"):
        resolve_endpoint(value, env={})


def test_endpoint_comes_from_env_when_no_flag():
    env = {"RECONCILER_ENDPOINT": "https://api.metronome.com"}
    assert resolve_endpoint(None, env=env).kind == "https"
    assert resolve_endpoint("embedded", env=env).kind == "embedded"  # the flag wins


def test_emulator_db_from_env():
    endpoint = resolve_endpoint(None, env={"RECONCILER_EMULATOR_DB": "/tmp/x/emu.db"})
    assert endpoint.emulator_db == Path("/tmp/x/emu.db")
    assert endpoint.display == "embedded emulator (/tmp/x/emu.db)"


def test_endpoint_is_frozen():
    endpoint = resolve_endpoint("https://api.metronome.com", env={})
    with pytest.raises(AttributeError):
        endpoint.url = "https://evil.example"  # type: ignore[misc]


def test_token_from_env_for_remote():
    endpoint = resolve_endpoint("https://api.metronome.com", env={})
    token = resolve_token(endpoint, env={"METRONOME_BEARER_TOKEN": " tok \n"})
    assert token.reveal() == "tok"


def test_missing_token_for_remote_is_a_config_error_with_hint():
    endpoint = resolve_endpoint("https://api.metronome.com", env={})
    with pytest.raises(ConfigError) as caught:
        resolve_token(endpoint, env={})
    assert "METRONOME_BEARER_TOKEN" in caught.value.hint
    assert caught.value.exit_code == 1


def test_embedded_uses_a_fixed_local_token_unless_set():
    endpoint = resolve_endpoint(None, env={})
    assert resolve_token(endpoint, env={}).reveal() == "reconciler-embedded-emulator"
    assert resolve_token(endpoint, env={"METRONOME_BEARER_TOKEN": "mine"}).reveal() == "mine"


def test_secret_never_shows_itself():
    secret = Secret("s3cr3t-value")
    assert str(secret) == "***"
    assert repr(secret) == "Secret('***')"
    assert f"{secret}" == "***" and f"{secret:>20}" == "***"
    assert "s3cr3t" not in repr({"token": secret})
    assert secret == Secret("s3cr3t-value") and secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_endpoint_type_is_a_small_dataclass():
    assert Endpoint("https", "https://a", "https://a").is_embedded is False
