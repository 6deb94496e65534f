"""Fixtures for the live read tests: the stateful fake API, and the real client on ``httpx.MockTransport``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from live.live_fakes import ENDPOINT, FakeMetronome
from reconciler.metronome import MetronomeClient, RetryPolicy, Secret


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> FakeMetronome:
    return FakeMetronome()


@pytest.fixture
def progress() -> list[str]:
    return []


@pytest.fixture
def make_client(progress: list[str]) -> Callable[..., MetronomeClient]:
    """``make_client(handler, **options)``: the real client over ``MockTransport(handler)``."""

    def make(handler, **options: Any) -> MetronomeClient:
        options.setdefault("retry", RetryPolicy(max_attempts=1))
        return MetronomeClient(ENDPOINT, Secret("test-token"), transport=httpx.MockTransport(handler),
                               progress=progress.append, **options)

    return make
