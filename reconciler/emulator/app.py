"""The ASGI application: the route table, the control layer (auth, counters, latency, faults, idempotency keys)
and admin routes.

Request flow for an API path (anything outside ``/_emulator``): count it under its route template, add the
configured latency, maybe inject a fault, require ``Authorization: Bearer <non-empty>``, then, for a POST with an
``Idempotency-Key``, replay the answer stored for the key (or refuse different params with 409), else dispatch
and store the answer (see :mod:`reconciler.emulator.idempotency`). Paths and methods outside the route table
answer 501. Admin routes under ``/_emulator`` need no token and are never counted. The bearer token is never
logged or echoed; the request log holds method, path, status and duration.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route, Router

from reconciler.emulator import idempotency
from reconciler.emulator import routes_catalog as catalog
from reconciler.emulator import routes_contracts as contracts
from reconciler.emulator import routes_customers as customers
from reconciler.emulator.errors import IDEMPOTENCY_KEY_REUSED, ApiError
from reconciler.emulator.timeutil import format_timestamp

log = logging.getLogger("reconciler.emulator")

ADMIN_PREFIX = "/_emulator"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

#: (method, path template, handler, is_write)
API_ROUTES: list[tuple[str, str, Any, bool]] = [
    ("POST", "/v1/customers", customers.create_customer, True),
    ("GET", "/v1/customers", customers.list_customers, False),
    ("GET", "/v1/customers/{customer_id}", customers.get_customer, False),
    ("POST", "/v1/customers/{customer_id}/setName", customers.set_name, True),
    ("POST", "/v1/customers/{customer_id}/setIngestAliases", customers.set_ingest_aliases, True),
    ("POST", "/v1/customers/archive", customers.archive_customer, True),
    ("POST", "/v1/setCustomerBillingProviderConfigurations", customers.set_billing_provider_configurations, True),
    ("POST", "/v1/getCustomerBillingProviderConfigurations", customers.get_billing_provider_configurations, False),
    ("POST", "/v1/customFields/listKeys", customers.list_keys, False),
    ("POST", "/v1/customFields/addKey", customers.add_key, True),
    ("POST", "/v1/customFields/removeKey", customers.remove_key, True),
    ("POST", "/v1/customFields/setValues", customers.set_values, True),
    ("POST", "/v1/customFields/deleteValues", customers.delete_values, True),
    ("GET", "/v1/credit-types/list", catalog.list_credit_types, False),
    ("POST", "/v1/contract-pricing/products/list", catalog.list_products, False),
    ("POST", "/v1/contract-pricing/products/get", catalog.get_product, False),
    ("POST", "/v1/contract-pricing/rate-cards/list", catalog.list_rate_cards, False),
    ("POST", "/v1/contract-pricing/rate-cards/get", catalog.get_rate_card, False),
    ("POST", "/v1/contract-pricing/rate-cards/getRates", catalog.get_rates, False),
    ("POST", "/v1/contracts/create", contracts.create, True),
    ("POST", "/v1/contracts/archive", contracts.archive, True),
    ("POST", "/v1/contracts/updateEndDate", contracts.update_end_date, True),
    ("POST", "/v1/contracts/getSubscriptionSeatsHistory", contracts.seats_history, False),
    ("POST", "/v1/contracts/getSubscriptionQuantityHistory", contracts.quantity_history, False),
    ("POST", "/v2/contracts/get", contracts.get_v2, False),
    ("POST", "/v2/contracts/list", contracts.list_v2, False),
    ("POST", "/v2/contracts/edit", contracts.edit, True),
    ("POST", "/v2/contracts/getEditHistory", contracts.edit_history, False),
]


class DropConnection(Exception):
    """Raised in-process to drop the connection; the transport turns it into ``httpx.RemoteProtocolError``."""


class SimulatedTimeout(Exception):
    """Raised in-process for a timeout fault; the transport turns it into ``httpx.ReadTimeout``."""


async def not_implemented(request: Request) -> JSONResponse:
    return JSONResponse({"message": f"{request.method} {request.url.path} is not implemented by the reconciler "
                                    "emulator"}, status_code=501)


async def api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


def build_app(emulator: Any) -> Any:
    """The Starlette app wrapped in the control layer."""
    from reconciler.emulator.admin import ADMIN_ROUTES

    routes = [Route(path, handler, methods=[method]) for method, path, handler, _ in API_ROUTES]
    routes += ADMIN_ROUTES
    routes.append(Route("/{path:path}", not_implemented, methods=ALL_METHODS))
    app = Starlette(exception_handlers={ApiError: api_error})
    app.router = IndexedRouter(routes)
    app.state.emulator = emulator
    return ControlLayer(app, emulator)


class IndexedRouter(Router):
    """Starlette's router, with a request for a path without parameters (all API paths but three) dispatched by
    a dict lookup: to the route Starlette's scan in order would pick, without trying ~20 path patterns first."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        super().__init__(routes=routes)
        self.static: dict[tuple[str, str], Route] = {}
        for route in routes:
            if isinstance(route, Route) and not route.param_convertors:
                for method in route.methods or ():
                    if self._first_full_match(method, route.path) is route:
                        self.static.setdefault((method, route.path), route)

    def _first_full_match(self, method: str, path: str) -> BaseRoute | None:
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        return next((route for route in self.routes if route.matches(scope)[0] is Match.FULL), None)

    async def app(self, scope: dict, receive: Any, send: Any) -> None:
        route = None
        if scope["type"] == "http" and not scope.get("root_path"):
            route = self.static.get((scope["method"], scope["path"]))
        if route is None:
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)
        scope["route"] = route
        scope.update(route.matches(scope)[1])
        await route.handle(scope, receive, send)


class ControlLayer:
    """Pure ASGI middleware: auth, counters, latency, faults, idempotency keys and the request log for API
    paths."""

    def __init__(self, app: Starlette, emulator: Any) -> None:
        self.app = app
        self.emulator = emulator
        self.state = app.state
        self._templates = [(Route(path, handler, methods=[method]), method, path, write)
                           for method, path, handler, write in API_ROUTES]
        self._static = {(method, path): self._scan(method, path)
                        for _, method, path, _ in self._templates if "{" not in path}

    def route_of(self, method: str, path: str) -> tuple[str, bool]:
        return self._static.get((method, path)) or self._scan(method, path)

    def _scan(self, method: str, path: str) -> tuple[str, bool]:
        for route, route_method, template, write in self._templates:
            if route_method == method and route.path_regex.match(path):
                return f"{method} {template}", write
        return f"{method} {path}", False

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        emu = self.emulator
        route, write = self.route_of(scope["method"], scope["path"])
        emu.stats.count(route, write=write)
        status: list[int] = []
        try:
            send = _recording(send, status, answer_at=await self._delay(started))
            rule = emu.faults.pick(scope["method"], scope["path"])
            if rule is not None:
                emu.stats.fault(rule.kind)
                await self._inject(rule, scope, receive, send)
            else:
                await self._serve(scope, receive, send)
        finally:
            if status:
                emu.stats.status(status[0])
            log.info("%s %s %s %.1fms", scope["method"], scope["path"], status[0] if status else "dropped",
                     (time.perf_counter() - started) * 1000)

    async def _delay(self, started: float) -> float | None:
        """Wait the configured latency (mode ``added``), or return when the answer is due (``response_time``)."""
        latency = self.emulator.latency
        delay_ms = latency.sample_ms()
        if delay_ms <= 0:
            return None
        self.emulator.stats.latency(delay_ms)
        if latency.mode == "response_time":
            return started + delay_ms / 1000
        await anyio.sleep(delay_ms / 1000)
        return None

    async def _serve(self, scope: dict, receive: Any, send: Any) -> None:
        if not _authorized(scope):
            await _send_json(send, 401, {"message": "Unauthorized: send Authorization: Bearer <token>"})
            return
        key = idempotency.key_of(scope)
        if key is None:
            await self.app(scope, receive, send)
        else:
            await self._serve_once(key, scope, receive, send)

    async def _serve_once(self, key: str, scope: dict, receive: Any, send: Any) -> None:
        """Replay the answer stored for ``key``, refuse it for different params, or execute and store the answer.

        Nothing yields to the event loop between the lookup and the store (the body is read first, and handlers
        do not wait once they have it), so two requests with one key to one emulator cannot both execute."""
        request = await idempotency.read_body(receive)
        if request is None:
            return  # the client left before its body arrived: nothing executes, nothing is stored
        body, receive = request
        fingerprint = idempotency.fingerprint(scope, body)
        now = self.emulator.clock.now()
        since = format_timestamp(now - idempotency.RETENTION)
        stored = self.emulator.store.idempotent_answer(key, since)
        if stored is None:
            def keep(answer: idempotency.Answer) -> None:
                self.emulator.store.keep_idempotent_answer(key, fingerprint, answer, at=format_timestamp(now),
                                                           prune_before=since)

            await self.app(scope, receive, idempotency.capturing(send, keep))
            return
        stored_fingerprint, *answer = stored
        if stored_fingerprint == fingerprint:
            await _send_body(send, *answer, headers=[idempotency.REPLAYED_HEADER])
        else:
            await _send_json(send, 409, {"message": IDEMPOTENCY_KEY_REUSED})

    async def _inject(self, rule: Any, scope: dict, receive: Any, send: Any) -> None:
        if rule.kind == "429":
            await _send_json(send, 429, {"message": "Too many requests (injected by the reconciler emulator)"},
                             headers=[(b"retry-after", str(rule.retry_after).encode())])
        elif rule.kind in ("500", "503"):
            await _send_json(send, int(rule.kind), {"message": f"Injected {rule.kind} by the reconciler emulator"})
        elif rule.kind == "drop":
            _drop(send)
        elif rule.kind == "timeout":
            if _server_transport(send) is None:
                raise SimulatedTimeout(scope["path"])
            await anyio.sleep(rule.delay_s)
            _drop(send)
        elif rule.kind == "lost_response":
            await self._serve(scope, receive, _swallow)
            _drop(send)


def _authorized(scope: dict) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return scheme.lower() == "bearer" and bool(token.strip())
    return False


async def _send_json(send: Any, status: int, payload: Any, headers: list | None = None) -> None:
    await _send_body(send, status, "application/json", json.dumps(payload).encode(), headers)


async def _send_body(send: Any, status: int, content_type: str, body: bytes, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode("latin-1")),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _recording(send: Any, status: list[int], answer_at: float | None = None) -> Any:
    """``send`` that records the status, and holds the answer until ``answer_at`` (``time.perf_counter``)."""
    async def recording_send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            if answer_at is not None and (wait := answer_at - time.perf_counter()) > 0:
                await anyio.sleep(wait)
        await send(message)

    recording_send.inner = send  # type: ignore[attr-defined]
    return recording_send


async def _swallow(message: dict) -> None:
    """A ``send`` that loses the response (the write has been committed by then)."""


def _server_transport(send: Any) -> Any:
    """The asyncio transport behind uvicorn's ``send`` (its bound RequestResponseCycle), if served by uvicorn."""
    inner = getattr(send, "inner", send)
    cycle = getattr(inner, "__self__", None)
    return getattr(cycle, "transport", None)


def _drop(send: Any) -> None:
    """Close the connection without a response: a real TCP abort when served, an exception in-process."""
    transport = _server_transport(send)
    if transport is None:
        raise DropConnection()
    cycle = getattr(getattr(send, "inner", send), "__self__")
    cycle.disconnected = True  # keeps uvicorn from writing its own 500 on the aborted socket
    transport.abort()
