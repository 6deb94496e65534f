"""Endpoints: plain http leaves the machine never (the token would travel in clear text), and TLS verification is
never turned off, neither in the code nor in the client it builds.

The refusals are checked through ``reconciler plan`` and ``apply`` (exit 1, a message naming only the host, no
echo of userinfo) and through :func:`resolve_endpoint`; no request is ever attempted, which a transport that
fails the test on any call would show, so these tests need no network.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import pytest

from hostile_kit import CANARY, CANARY_IN_URL, Workspace, assert_no_canary, example

from reconciler.errors import ConfigError
from reconciler.metronome import open_client, resolve_endpoint
from reconciler.metronome.endpoint import Secret
from reconciler.metronome.transport import Http11Transport

PACKAGE = Path(__file__).resolve().parents[2] / "reconciler"

REFUSED = {
    "http://example.com": "example.com",
    "http://api.metronome.com": "api.metronome.com",
    "http://10.0.0.1:8080": "10.0.0.1",
    "http://192.168.1.10": "192.168.1.10",
    "http://0.0.0.0:8080": "0.0.0.0",
    "http://[2001:db8::1]:8080": "2001:db8::1",
    "http://[::ffff:127.0.0.1]": "::ffff:127.0.0.1",
    "http://127.0.0.1.nip.io": "127.0.0.1.nip.io",
    "http://localhost.evil.com": "localhost.evil.com",
    "http://localhost@evil.com": "evil.com",
    "http://127.0.0.1@evil.com": "evil.com",
    f"http://user:{CANARY_IN_URL}@evil.com/v1": "evil.com",
    "HTTP://EXAMPLE.COM": "example.com",
    "Http://example.com": "example.com",
    " http://example.com ": "example.com",
    "http://example.com#@127.0.0.1": "example.com",
}
MALFORMED = ["ftp://example.com", "example.com", "//example.com", "http://", "https://", "file:///etc/passwd",
             "javascript:alert(1)", "http://[::1", "ws://127.0.0.1:8080", f"https://user:{CANARY}@[bad"]


@pytest.mark.parametrize("url", list(REFUSED))
def test_plain_http_to_a_non_loopback_host_is_refused(url: str):
    with pytest.raises(ConfigError) as caught:
        resolve_endpoint(url, env={})
    message = str(caught.value)
    assert "refusing plain http" in message and "use https://" in message
    assert REFUSED[url].lower() in message.lower()
    assert_no_canary(message, "the endpoint error")


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_endpoints_are_refused_without_echoing_them(url: str):
    with pytest.raises(ConfigError) as caught:
        resolve_endpoint(url, env={})
    assert "invalid endpoint" in str(caught.value) or "refusing plain http" in str(caught.value)
    assert_no_canary(str(caught.value), "the endpoint error")


@pytest.mark.parametrize("url", ["http://example.com", "http://127.0.0.1@evil.com",
                                 f"http://user:{CANARY_IN_URL}@10.0.0.1", "HTTP://[2001:db8::1]"])
def test_cli_refuses_plain_http_before_any_request(workspace: Workspace, url: str):
    workspace.write("northwind.yaml", example("northwind"))
    for args in (("plan", str(workspace.manifests), "--endpoint", url),
                 ("apply", "--auto-approve", "--path", str(workspace.manifests), "--endpoint", url),
                 ("drift", str(workspace.manifests), "--endpoint", url)):
        result = workspace.cli(*args)
        assert result.exit_code == 1, result.stdout
        assert "refusing plain http" in result.stderr
        assert_no_canary(result.stdout + result.stderr, f"reconciler {args[0]} output")
    result = workspace.cli("plan", str(workspace.manifests), env={"RECONCILER_ENDPOINT": url})
    assert result.exit_code == 1 and "refusing plain http" in result.stderr


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080",
                                 "http://127.1.2.3", "HTTP://LOCALHOST:1", "https://api.metronome.com",
                                 "https://10.0.0.1"])
def test_loopback_http_and_any_https_are_accepted(url: str):
    endpoint = resolve_endpoint(url, env={})
    assert endpoint.kind in ("loopback", "https")


# --------------------------------------------------------------------------------------------------
# TLS verification
# --------------------------------------------------------------------------------------------------

DISABLING = [
    (r"verify\s*=\s*False", "httpx verify=False"),
    (r"CERT_NONE", "ssl.CERT_NONE"),
    (r"check_hostname\s*=\s*False", "check_hostname = False"),
    (r"_create_unverified_context", "ssl._create_unverified_context"),
    (r"PYTHONHTTPSVERIFY", "PYTHONHTTPSVERIFY"),
    (r"verify\s*=\s*(?!True)[a-z_]+\b", "verify= taken from a variable"),
    (r"trust_env\s*=\s*True", "trust_env=True"),
]


@pytest.mark.parametrize("pattern, what", DISABLING, ids=[w for _, w in DISABLING])
def test_no_code_in_the_package_disables_tls_verification(pattern: str, what: str):
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{number}"
                 for path in sorted(PACKAGE.rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(pattern, line)]
    assert not offenders, f"{what} found in {offenders}"


def _ssl_context(client) -> ssl.SSLContext:
    transport = client._http._transport
    assert isinstance(transport, Http11Transport), type(transport)
    return transport.ssl_context


async def _check_verifying_client(url: str) -> None:
    client = open_client(resolve_endpoint(url, env={}), token=Secret(CANARY))
    try:
        context = _ssl_context(client)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
        assert client._http.follow_redirects is False
    finally:
        await client.aclose()


@pytest.mark.parametrize("url", ["https://api.metronome.com", "http://127.0.0.1:8080"])
def test_the_http_client_is_built_with_certificate_and_hostname_verification(url: str):
    import asyncio

    asyncio.run(_check_verifying_client(url))
