"""Open a :class:`MetronomeClient` for a resolved endpoint, wiring the embedded emulator when that is the target.

The emulator is imported only here and only for the embedded endpoint, so talking to the real API never loads
it. Its SQLite file lives at the endpoint's ``emulator_db`` (default ``.reconciler/emulator.db``, or
``RECONCILER_EMULATOR_DB``); the directory is created as needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import httpx

from reconciler.metronome.client import DEFAULT_CONCURRENCY, MetronomeClient, Progress, RetryPolicy
from reconciler.metronome.endpoint import DEFAULT_EMULATOR_DB, Endpoint, Secret, resolve_token


def open_client(endpoint: Endpoint, *, token: Secret | None = None,
                transport: httpx.AsyncBaseTransport | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                retry: RetryPolicy = RetryPolicy(), progress: Progress | None = None,
                **client_options: Any) -> MetronomeClient:
    """A client for ``endpoint``; ``transport`` overrides the network (tests) or the emulator."""
    token = token if token is not None else resolve_token(endpoint)
    emulator = None
    if transport is None and endpoint.is_embedded:
        emulator = _embedded_emulator(endpoint)
        transport = emulator.transport()
    client = MetronomeClient(endpoint, token, transport=transport, concurrency=concurrency, retry=retry,
                             progress=progress, **client_options)
    if emulator is not None:
        client.emulator = emulator
        _close_with(client, emulator)
    return client


def _embedded_emulator(endpoint: Endpoint) -> Any:
    emulator_module = importlib.import_module("reconciler.emulator")
    db_path = endpoint.emulator_db or DEFAULT_EMULATOR_DB
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return emulator_module.Emulator(db_path=db_path)


def _close_with(client: MetronomeClient, emulator: Any) -> None:
    close: Callable[[], Any] | None = getattr(emulator, "aclose", None) or getattr(emulator, "close", None)
    if callable(close):
        client.on_close(close)
