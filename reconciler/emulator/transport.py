"""The in-process httpx transport: the emulator app behind ``httpx.ASGITransport``, with injected network faults
surfacing as the exceptions a real network client sees (``httpx.RemoteProtocolError`` for a dropped connection,
``httpx.ReadTimeout`` for a timeout)."""

from __future__ import annotations

from typing import Any

import httpx

from reconciler.emulator.app import DropConnection, SimulatedTimeout


class EmulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except DropConnection:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request) from None
        except SimulatedTimeout:
            raise httpx.ReadTimeout("The read operation timed out", request=request) from None

    async def aclose(self) -> None:
        await self._inner.aclose()
