"""The async HTTP client for the Metronome API: one request, its retries, and its errors.

Everything that crosses the network goes through :meth:`MetronomeClient.request`. The httpx transport is the
only I/O seam: tests pass ``httpx.MockTransport``, the embedded default passes the emulator's transport.

Retry rules (money is involved, so a write is never repeated unless the API provably did nothing):

================================  =====================  ==========================================
failure                           read (``write=False``)  write (``write=True``)
================================  =====================  ==========================================
429                               retry                  retry (rejected before doing anything)
5xx, 408                          retry                  :class:`WriteOutcomeUnknownError`
timeout, dropped/reset link       retry                  :class:`WriteOutcomeUnknownError`
2xx whose body cannot be read     retry / ApiError       :class:`WriteOutcomeUnknownError`
could not connect (never sent)    retry                  retry
3xx                               raise                  raise
other 4xx                         raise                  raise
================================  =====================  ==========================================

Waits honour ``retry-after-ms`` and ``Retry-After`` (seconds or an HTTP date); otherwise they grow
exponentially with jitter, capped. At most ``concurrency`` requests are in flight at once.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import random
import time
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from reconciler import __version__
from reconciler.errors import (
    ApiConnectionError,
    ApiError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    WriteOutcomeUnknownError,
)
from reconciler.metronome.api import MetronomeOperations
from reconciler.metronome.endpoint import TOKEN_ENV, Endpoint, Secret
from reconciler.metronome.transport import Http11Transport

logger = logging.getLogger("reconciler.metronome")

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
#: 400 answers whose ``code`` means "not found" (v2 contracts, seats/quantity history).
NOT_FOUND_CODES = frozenset({"ContractNotFound", "CustomerNotFound", "SubscriptionNotFound"})
#: transport failures that happen before any byte of the request leaves: safe to retry even for writes.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

#: what a read response's stream is replaced with (its body is already in ``response.content``).
EMPTY_STREAM = httpx.ByteStream(b"")

Sleep = Callable[[float], Awaitable[Any]]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a request gets and how long to wait between them."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    #: a server-requested wait longer than this is shortened to it.
    max_retry_after: float = 60.0

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Exponential backoff for the wait after ``attempt`` (1-based), with up to 25% jitter."""
        delay = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return delay * (1 - 0.25 * rand())

    def wait(self, attempt: int, headers: httpx.Headers, rand: Callable[[], float] = random.random) -> float:
        requested = retry_after_seconds(headers)
        if requested is None:
            return self.backoff(attempt, rand)
        return min(requested, self.max_retry_after)


@dataclass
class RequestStats:
    """Request accounting: logical requests per (method, path), attempts, retries and answers per status."""

    requests: Counter = field(default_factory=Counter)
    attempts: int = 0
    retries: int = 0
    statuses: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def summary(self) -> str:
        return f"{self.total} requests, {self.attempts} attempts, {self.retries} retries"


def retry_after_seconds(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """The wait the server asked for: ``retry-after-ms``, else ``Retry-After`` as seconds or an HTTP date."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return max(millis / 1000, 0.0)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is None:
        seconds = _seconds_until(value, time.time() if now is None else now)
    return None if seconds is None else max(seconds, 0.0)


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _seconds_until(http_date: str, now: float) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(http_date).timestamp() - now
    except (TypeError, ValueError, IndexError):
        return None


class _BearerAuth(httpx.Auth):
    """Adds the bearer token per request, so it never sits in the client's default headers."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request


class MetronomeClient(MetronomeOperations):
    """Async client for the Metronome API. Use as ``async with MetronomeClient(endpoint, token) as client``."""

    def __init__(
        self,
        endpoint: Endpoint,
        token: Secret,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy = RetryPolicy(),
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Sleep = asyncio.sleep,
        progress: Progress | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if concurrency < 1 or retry.max_attempts < 1:
            raise ValueError("concurrency and max_attempts must be at least 1")
        if not isinstance(token, Secret):
            raise TypeError("token must be a Secret")
        self.endpoint = endpoint
        self.retry = retry
        self.stats = RequestStats()
        #: the embedded emulator behind this client, when :func:`open_client` made one.
        self.emulator: Any = None
        self._token = token
        self._semaphore = asyncio.Semaphore(concurrency)
        self._sleep, self._progress, self._rand = sleep, progress, rand
        self._closers: list[Callable[[], Any]] = []
        self._http = httpx.AsyncClient(
            base_url=endpoint.url, transport=transport or network_transport(endpoint.url, concurrency), auth=_BearerAuth(token), timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": f"reconciler/{__version__}"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"<MetronomeClient {self.endpoint.display}>"

    async def __aenter__(self) -> MetronomeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        for close in reversed(self._closers):
            result = close()
            if asyncio.iscoroutine(result):
                await result

    def on_close(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` (sync or async) when the client closes; used for resources the client owns."""
        self._closers.append(callback)

    def report_progress(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

    async def request(self, method: str, path: str, *, json: Any = None,
                      params: Mapping[str, Any] | None = None, write: bool = False,
                      idempotency_key: str | None = None) -> dict | None:
        """Send one API call (with retries) and return its parsed JSON body, or ``None`` for an empty one.

        ``idempotency_key`` is sent as the ``Idempotency-Key`` header (reference §1.5); it does not change
        the retry rules, which assume nothing about the server honouring it.
        """
        method = method.upper()
        _check_path(path)
        self.stats.requests[(method, path)] += 1
        query = _query(params)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        content = None
        if json is not None:
            content = encode_json(json)
            headers["Content-Type"] = "application/json"
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                response = await self._send(method, path, content, query, headers or None, attempt)
            except httpx.RequestError as exc:
                delay = self._after_transport_error(exc, method, path, write, attempt)
            else:
                if not _retriable_status(response.status_code):
                    return self._result(response, method, path, write)
                delay = self._after_retriable_status(response, method, path, write, attempt)
            await self._wait(delay, method, path, attempt)
        raise AssertionError("unreachable: the last attempt always returns or raises")

    async def _send(self, method: str, path: str, content: bytes | None, query: dict | None,
                    headers: dict | None, attempt: int) -> httpx.Response:
        async with self._semaphore:
            self.stats.attempts += 1
            started = time.perf_counter()
            try:
                response = await self._http.request(method, path, content=content, params=query,
                                                    headers=headers)
            except httpx.RequestError as exc:
                logger.debug("%s %s -> %s after %.3fs (attempt %d)", method, path, type(exc).__name__,
                             time.perf_counter() - started, attempt)
                raise
        # httpx links the read response and its stream both ways; unlinked, a response is freed when dropped
        # rather than left to the cyclic GC (~25 objects per request that made GC a third of a large read's CPU).
        response.stream = EMPTY_STREAM
        self.stats.statuses[response.status_code] += 1
        logger.debug("%s %s -> %d in %.3fs (attempt %d)", method, path, response.status_code,
                     time.perf_counter() - started, attempt)
        return response

    async def _wait(self, delay: float, method: str, path: str, attempt: int) -> None:
        self.stats.retries += 1
        self.report_progress(f"{method} {path}: retrying in {delay:.1f}s "
                             f"(attempt {attempt + 1} of {self.retry.max_attempts})")
        await self._sleep(delay)

    def _after_transport_error(self, exc: httpx.RequestError, method: str, path: str, write: bool,
                               attempt: int) -> float:
        """The wait before the next attempt, or raise if the failure is final."""
        cause = type(exc).__name__
        if write and not isinstance(exc, NEVER_SENT):
            raise _outcome_unknown(method, path, cause) from exc
        if attempt >= self.retry.max_attempts:
            raise ApiConnectionError(f"{method} {path}: {cause} on each of {attempt} attempts",
                                     path=path) from exc
        return self.retry.backoff(attempt, self._rand)

    def _after_retriable_status(self, response: httpx.Response, method: str, path: str, write: bool,
                                attempt: int) -> float:
        """The wait before the next attempt after a 429/5xx/408, or raise if the failure is final."""
        status = response.status_code
        if status != 429 and write:
            raise _outcome_unknown(method, path, f"HTTP {status}", status=status)
        if attempt >= self.retry.max_attempts:
            raise self._final_error(response, method, path, attempt)
        return self.retry.wait(attempt, response.headers, self._rand)

    def _final_error(self, response: httpx.Response, method: str, path: str, attempt: int) -> ApiError:
        code, message = _error_body(response, self._token)
        text = f"{method} {path}: HTTP {response.status_code} on each of {attempt} attempts: {message}"
        if response.status_code == 429:
            return RateLimitedError(text, status=429, code=code, path=path,
                                    retry_after=retry_after_seconds(response.headers))
        return ApiError(text, status=response.status_code, code=code, path=path)

    def _result(self, response: httpx.Response, method: str, path: str, write: bool) -> dict | None:
        if not response.is_success:
            raise _error(response, method, path, self._token)
        if not response.content.strip():
            return None
        body = _json(response.content)
        if isinstance(body, dict):
            return body
        if write:
            raise _outcome_unknown(method, path, "unreadable response body", status=response.status_code)
        raise ApiError(f"{method} {path}: the response is not a JSON object",
                       status=response.status_code, path=path)


def network_transport(url: str, concurrency: int) -> Http11Transport | None:
    """Our lean HTTP/1.1 transport for ``url``, or ``None`` (httpx's default, which applies the environment's
    proxy settings) when ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` route this URL through a proxy."""
    parsed = httpx.URL(url)
    proxies = urllib.request.getproxies()
    if (proxies.get(parsed.scheme) or proxies.get("all")) and not urllib.request.proxy_bypass_environment(
            parsed.host, proxies):
        return None
    return Http11Transport(max_connections=concurrency)


def _retriable_status(status: int) -> bool:
    return status in (408, 429) or status >= 500


#: orjson hands the standard library what the two could encode differently: a datetime or a dataclass (which
#: the standard library refuses) and a str/int/dict subclass (which it encodes by its own rules).
_STDLIB_TYPES_ONLY = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def encode_json(value: Any) -> bytes:
    """``value`` as the request body httpx's ``json=`` would send (compact UTF-8, NaN and infinities refused),
    encoded by orjson, which is several times faster on a large contract body. What orjson cannot encode, or
    might encode differently (it writes NaN as ``null``), goes through the standard library as httpx does."""
    try:
        body = orjson.dumps(value, option=_STDLIB_TYPES_ONLY)
    except orjson.JSONEncodeError:
        body = b"null"
    if b"null" in body:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return body


def _json(content: bytes) -> Any:
    """The decoded body, or ``None`` if it is not JSON. orjson is ~3x faster on large contract lists; the
    standard library takes what orjson refuses but JSON allows (integers beyond 64 bits)."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(content)
    except ValueError:
        return None


def _check_path(path: str) -> None:
    # An absolute URL here would send the bearer token to whatever host it names.
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"path must be absolute within the API, e.g. '/v1/customers', got {path!r}")


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as Metronome expects them: lists comma-joined, booleans lower-case, None dropped."""
    if params is None:
        return None
    return {key: _query_value(value) for key, value in params.items() if value is not None}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _outcome_unknown(method: str, path: str, cause: str, *, status: int | None = None) -> WriteOutcomeUnknownError:
    return WriteOutcomeUnknownError(
        f"{method} {path}: outcome unknown ({cause}); read the object back before retrying",
        method=method, path=path, cause=cause, status=status)


def _error(response: httpx.Response, method: str, path: str, token: Secret) -> ApiError:
    """Map a non-retriable error answer to the exception tree."""
    status = response.status_code
    code, message = _error_body(response, token)
    text = f"{method} {path}: HTTP {status}{f' {code}' if code else ''}: {message}"
    if status == 404 or (status == 400 and code in NOT_FOUND_CODES):
        return NotFoundError(text, status=status, code=code, path=path)
    if status == 409:
        return ConflictError(text, status=status, code=code, path=path)
    error = ApiError(text, status=status, code=code, path=path)
    if status in (401, 403):
        error.hint = f"check that {TOKEN_ENV} holds a valid API token for this endpoint"
    return error


def _error_body(response: httpx.Response, token: Secret) -> tuple[str | None, str]:
    """``(code, message)`` from an error body, with the token masked should a server ever echo it."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        message = str(body.get("message") or body.get("error") or response.reason_phrase)
    else:
        code, message = None, (response.text.strip()[:300] or response.reason_phrase)
    secret = token.reveal()
    return code, message.replace(secret, "***") if secret else message
