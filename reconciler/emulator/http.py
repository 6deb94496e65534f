"""Small helpers shared by the route handlers: body and query parsing, the contract environment, answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from reconciler.emulator.contracts import Env
from reconciler.emulator.errors import ApiError, bad_request
from reconciler.emulator.requests.base import Strict, parse_body


def emulator(request: Request) -> Any:
    return request.app.state.emulator


def env(request: Request) -> Env:
    emu = emulator(request)
    return Env(emu.store, emu.catalog, emu.clock.now_str())


async def body(request: Request, model: type[Strict]) -> Any:
    raw = await request.body()
    if not raw.strip():
        decoded: Any = {}
    else:
        try:
            decoded = json.loads(raw)
        except ValueError:
            raise ApiError(400, "Invalid request body: not valid JSON") from None
    return parse_body(model, decoded)


def query_limit(request: Request, *, default: int, maximum: int) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"limit: must be an integer between 1 and {maximum}") from None
    if not 1 <= value <= maximum:
        raise bad_request(f"limit: must be an integer between 1 and {maximum}")
    return value


def query_bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise bad_request(f"{name}: must be true or false")
    return raw.lower() == "true"


def ok(payload: Any) -> JSONResponse:
    return JSONResponse(payload)


def data(payload: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"data": payload, **extra})
