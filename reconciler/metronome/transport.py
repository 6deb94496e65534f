"""The network transport under httpx: HTTP/1.1 keep-alive connections (h11 over asyncio streams) in a small pool.

Why not httpx's default transport (httpcore over anyio): a plan's read phase is thousands of small requests, at
most ``concurrency`` in flight, and on a 2-core CI runner httpcore's per-request bookkeeping (its pool re-scans
every connection and asks anyio whether each idle socket is readable, several times per request) costs ~2.5 ms of
CPU per request against ~0.4 ms for the same exchange here (``bench/README.md``). At 400 requests/s (20 ms
latency, 8 in flight) that CPU, not the API, was the limit of a plan.

What it keeps from httpcore: h11 does the HTTP; TLS uses httpx's own verifying context (certifi, ``SSL_CERT_FILE``);
idle connections are dropped after ``keepalive_expiry`` or once the server has closed them; failures are httpx's
exceptions (``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``, ``WriteTimeout``, ``PoolTimeout``, ``ReadError``,
``WriteError``, ``RemoteProtocolError``), so :mod:`reconciler.metronome.client`'s retry rules apply unchanged.
Proxies from the environment still work: httpx mounts its own proxy transports ahead of this one.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable
from typing import TypeVar

import h11
import httpx

T = TypeVar("T")

READ_SIZE = 64 * 1024
#: httpx's default: an idle connection older than this is closed rather than reused.
KEEPALIVE_EXPIRY = 5.0

Origin = tuple[str, str, int]


class Http11Transport(httpx.AsyncBaseTransport):
    """At most ``max_connections`` HTTP/1.1 connections; a request waits (``pool`` timeout) for a free one."""

    def __init__(self, *, max_connections: int, keepalive_expiry: float = KEEPALIVE_EXPIRY,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["http/1.1"])
        self.connections_opened = 0
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[Origin, list[_Connection]] = {}
        self._closed = False

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The context for ``https`` origins: httpx's verifying default unless given. Made on first use: loading
        the CA bundle costs tens of milliseconds that a plain-``http`` endpoint never needs."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
            self._ssl_context.set_alpn_protocols(["http/1.1"])
        return self._ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        timeouts = request.extensions.get("timeout", {})
        await _within(self._slots.acquire(), timeouts.get("pool"), httpx.PoolTimeout, request)
        try:
            connection = self._reuse(_origin(request.url)) or await self._open(request, timeouts.get("connect"))
            try:
                response = await connection.exchange(request, timeouts)
            except BaseException:
                connection.close()
                raise
            self._release(connection)
            return response
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()

    def _reuse(self, origin: Origin) -> _Connection | None:
        """The most recently used idle connection to ``origin`` that is still usable; stale ones are closed."""
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.usable(now - self.keepalive_expiry):
                return connection
            connection.close()
        return None

    async def _open(self, request: httpx.Request, timeout: float | None) -> _Connection:
        scheme, host, port = _origin(request.url)
        tls = self.ssl_context if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=READ_SIZE)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out", request=request) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"could not connect to {host}:{port}: {exc}", request=request) from exc
        self.connections_opened += 1
        return _Connection((scheme, host, port), reader, writer)

    def _release(self, connection: _Connection) -> None:
        if self._closed or not connection.next_cycle():
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self._idle.setdefault(connection.origin, []).append(connection)


class _Connection:
    """One keep-alive connection: a request/response exchange at a time, driven by h11's state machine."""

    def __init__(self, origin: Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.origin = origin
        self.idle_since = time.monotonic()
        self._reader, self._writer = reader, writer
        self._h11 = h11.Connection(h11.CLIENT)

    def usable(self, fresh_after: float) -> bool:
        """Idle for less than the keep-alive expiry, and not closed by the server meanwhile."""
        return (self.idle_since > fresh_after and not self._reader.at_eof() and not self._writer.is_closing())

    def next_cycle(self) -> bool:
        """Ready the connection for its next request; False when the exchange left it unusable (must close)."""
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        self._writer.close()

    async def exchange(self, request: httpx.Request, timeouts: dict) -> httpx.Response:
        await self._send(request, timeouts.get("write"))
        return await self._receive(request, timeouts.get("read"))

    async def _send(self, request: httpx.Request, timeout: float | None) -> None:
        body = await request.aread()
        headers = list(request.headers.raw)
        if body and "content-length" not in request.headers:
            headers.append((b"Content-Length", str(len(body)).encode()))
        try:
            data = self._h11.send(h11.Request(method=request.method, target=request.url.raw_path, headers=headers))
            if body:
                data += self._h11.send(h11.Data(data=body))
            data += self._h11.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        try:
            self._writer.write(data)
            await _within(self._writer.drain(), timeout, httpx.WriteTimeout, request)
        except OSError as exc:
            raise httpx.WriteError(f"sending the request failed: {exc}", request=request) from exc

    async def _receive(self, request: httpx.Request, timeout: float | None) -> httpx.Response:
        head: h11.Response | None = None
        chunks: list[bytes] = []
        while True:
            event = await self._next_event(request, timeout)
            if isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("the server closed the connection mid-response", request=request)
        assert head is not None  # h11 yields the head before any Data or EndOfMessage
        return httpx.Response(head.status_code, headers=head.headers, stream=httpx.ByteStream(b"".join(chunks)),
                              extensions={"http_version": b"HTTP/" + head.http_version,
                                          "reason_phrase": head.reason})

    async def _next_event(self, request: httpx.Request, timeout: float | None):
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                data = await _within(self._reader.read(READ_SIZE), timeout, httpx.ReadTimeout, request)
            except OSError as exc:
                raise httpx.ReadError(f"reading the response failed: {exc}", request=request) from exc
            if not data and self._h11.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
            self._h11.receive_data(data)


def _origin(url: httpx.URL) -> Origin:
    return url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)


async def _within(awaitable: Awaitable[T], timeout: float | None, error: type[httpx.TimeoutException],
                  request: httpx.Request) -> T:
    try:
        async with asyncio.timeout(timeout):
            return await awaitable
    except TimeoutError as exc:
        raise error(f"{error.__name__} after {timeout}s", request=request) from exc
