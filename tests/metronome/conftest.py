"""Fixtures for the Metronome client tests: a client over ``MockTransport``, a recording sleep, the fake API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from metronome_fakes import ENDPOINT, TOKEN, FakeMetronome, RecordingSleep
from reconciler.metronome import MetronomeClient, RetryPolicy, Secret


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_client(sleep: RecordingSleep) -> Callable[..., MetronomeClient]:
    """``make_client(handler, **options)``: a client over ``MockTransport(handler)`` with the recording sleep."""

    def make(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> MetronomeClient:
        options.setdefault("sleep", sleep)
        options.setdefault("rand", lambda: 0.0)
        options.setdefault("retry", RetryPolicy())
        return MetronomeClient(ENDPOINT, Secret(options.pop("token", TOKEN)),
                               transport=httpx.MockTransport(handler), **options)

    return make


@pytest.fixture
def fake() -> FakeMetronome:
    return FakeMetronome()
