"""Admin endpoints under ``/_emulator`` (no token, never counted): stats, clock, faults, latency.

* ``GET /_emulator/stats`` — counters; ``POST /_emulator/reset-stats`` zeroes them;
* ``GET|POST /_emulator/clock`` — body ``{"set": "<RFC 3339>", "frozen": true}``, ``{"advance_seconds": N}``,
  ``{"advance_days": N}`` or ``{"reset": true}`` (back to real time); answers the clock state;
* ``GET|POST /_emulator/faults`` — body ``{"rules": [{"path", "kind", "rate", "method", "times",
  "retry_after", "delay_s"}], "seed": N}`` replaces all rules (``{"rules": []}`` clears);
* ``GET|POST /_emulator/latency`` — body ``{"fixed_ms": N}`` or ``{"distribution": "uniform", "min_ms",
  "max_ms", "seed"}`` or ``{"distribution": "normal", "mean_ms", "stddev_ms", "seed"}``, each with an optional
  ``"mode"``: ``"added"`` (the default: wait, then serve) or ``"response_time"`` (serve, then answer once the
  latency has passed since the request arrived); see :class:`~reconciler.emulator.faults.Latency`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def _emulator(request: Request) -> Any:
    return request.app.state.emulator


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        payload = json.loads(raw) if raw.strip() else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise _AdminError("body must be a JSON object")
    return payload


class _AdminError(Exception):
    pass


def _guarded(handler: Any) -> Any:
    async def guarded(request: Request) -> JSONResponse:
        try:
            return await handler(request)
        except (_AdminError, ValueError, TypeError) as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)

    return guarded


async def stats(request: Request) -> JSONResponse:
    return JSONResponse(_emulator(request).stats.snapshot())


async def reset_stats(request: Request) -> JSONResponse:
    _emulator(request).stats.reset()
    return JSONResponse(_emulator(request).stats.snapshot())


async def clock(request: Request) -> JSONResponse:
    emu_clock = _emulator(request).clock
    if request.method == "POST":
        body = await _json(request)
        if body.get("reset"):
            emu_clock.reset()
        if "set" in body:
            emu_clock.set(body["set"], frozen=bool(body.get("frozen", True)))
        if "advance_seconds" in body or "advance_days" in body:
            emu_clock.advance(seconds=float(body.get("advance_seconds", 0)), days=float(body.get("advance_days", 0)))
    return JSONResponse(emu_clock.describe())


async def faults(request: Request) -> JSONResponse:
    emu = _emulator(request)
    if request.method == "POST":
        body = await _json(request)
        emu.faults.configure(list(body.get("rules", [])), seed=body.get("seed"))
    return JSONResponse(emu.faults.describe())


async def latency(request: Request) -> JSONResponse:
    emu = _emulator(request)
    if request.method == "POST":
        emu.latency.configure(**await _json(request))
    return JSONResponse(emu.latency.describe())


ADMIN_ROUTES = [
    Route("/_emulator/stats", _guarded(stats), methods=["GET"]),
    Route("/_emulator/reset-stats", _guarded(reset_stats), methods=["POST"]),
    Route("/_emulator/clock", _guarded(clock), methods=["GET", "POST"]),
    Route("/_emulator/faults", _guarded(faults), methods=["GET", "POST"]),
    Route("/_emulator/latency", _guarded(latency), methods=["GET", "POST"]),
]
