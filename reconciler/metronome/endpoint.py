"""Where reconciler talks to, and with which token.

The target comes from ``--endpoint`` or ``RECONCILER_ENDPOINT`` and is one of three kinds:

=========  ==========================================================  ==================================
kind       accepted values                                             notes
=========  ==========================================================  ==================================
embedded   absent, empty, ``embedded``, ``emulator:`` [``PATH``]       the in-process emulator (default)
https      ``https://host[:port][/prefix]``                            TLS is always verified
loopback   ``http://`` to localhost, 127.0.0.0/8 or ``[::1]``          e.g. ``reconciler emulator serve``
=========  ==========================================================  ==================================

Plain http to any other host is refused: the bearer token would cross the network in clear text.
The token comes from ``METRONOME_BEARER_TOKEN`` and lives in a :class:`Secret`, which never prints itself.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from reconciler.errors import ConfigError

ENDPOINT_ENV = "RECONCILER_ENDPOINT"
TOKEN_ENV = "METRONOME_BEARER_TOKEN"
EMULATOR_DB_ENV = "RECONCILER_EMULATOR_DB"
DEFAULT_EMULATOR_DB = Path(".reconciler/emulator.db")
EMULATOR_BASE_URL = "http://emulator.local"
EMULATOR_TOKEN = "reconciler-embedded-emulator"

EndpointKind = Literal["embedded", "https", "loopback"]


@dataclass(frozen=True)
class Endpoint:
    """A resolved target. ``url`` is the client's base URL; ``display`` is what plans print as the target."""

    kind: EndpointKind
    url: str
    display: str
    emulator_db: Path | None = None

    @property
    def is_embedded(self) -> bool:
        return self.kind == "embedded"


class Secret:
    """A string that never shows itself: ``str``/``repr``/``format`` give ``***``; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):
        raise TypeError("a Secret cannot be pickled")


def resolve_endpoint(value: str | None = None, *, env: Mapping[str, str] | None = None) -> Endpoint:
    """Resolve ``--endpoint`` (or, when ``None``, ``RECONCILER_ENDPOINT``) into an :class:`Endpoint`."""
    env = os.environ if env is None else env
    raw = (env.get(ENDPOINT_ENV) if value is None else value) or ""
    raw = raw.strip()
    if raw.lower() in ("", "embedded") or raw.lower().startswith("emulator:"):
        return _embedded(raw, env)
    return _remote(raw)


def resolve_token(endpoint: Endpoint, *, env: Mapping[str, str] | None = None) -> Secret:
    """The bearer token for ``endpoint``: ``METRONOME_BEARER_TOKEN``, or a fixed local one for the emulator."""
    env = os.environ if env is None else env
    token = (env.get(TOKEN_ENV) or "").strip()
    if token:
        return Secret(token)
    if endpoint.is_embedded:
        return Secret(EMULATOR_TOKEN)
    raise ConfigError(
        f"no API token for {endpoint.display}",
        hint=f"set {TOKEN_ENV} to a Metronome API token, or omit --endpoint to use the embedded emulator",
    )


def _embedded(raw: str, env: Mapping[str, str]) -> Endpoint:
    path_text = raw.split(":", 1)[1].strip() if ":" in raw else ""
    db = Path(path_text or env.get(EMULATOR_DB_ENV) or DEFAULT_EMULATOR_DB)
    return Endpoint("embedded", EMULATOR_BASE_URL, f"embedded emulator ({db})", emulator_db=db)


def _remote(raw: str) -> Endpoint:
    try:
        parts = urlsplit(raw)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _bad_endpoint("it is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise _bad_endpoint("expected https://HOST, http://127.0.0.1:PORT, or 'embedded'")
    if scheme == "http" and not _is_loopback(host):
        raise ConfigError(
            f"refusing plain http to {host}: the API token would be sent unencrypted",
            hint="use https://, or http:// only to a local server (localhost, 127.0.0.1, [::1])",
        )
    url = _base_url(scheme, host, port, parts.path)
    return Endpoint("https" if scheme == "https" else "loopback", url, url)


def _base_url(scheme: str, host: str, port: int | None, path: str) -> str:
    """The URL without userinfo, query or fragment: none of them is meaningful to the API and may hold secrets."""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{path.rstrip('/')}"


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bad_endpoint(why: str) -> ConfigError:
    # The raw value is not echoed: it may carry credentials in its userinfo or query.
    return ConfigError(f"invalid endpoint: {why}",
                       hint=f"pass --endpoint or set {ENDPOINT_ENV} to https://api.metronome.com")
