"""Serving the emulator over HTTP with uvicorn, in the foreground (the CLI) or in a background thread (tests).

Dropped-connection faults are real when served: the control layer aborts the client's TCP connection through
uvicorn's asyncio transport without writing a response (see :func:`reconciler.emulator.app._drop`).
"""

from __future__ import annotations

import gc
import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from reconciler.emulator.instance import Emulator

LOOPBACK = "127.0.0.1"


def _config(emulator: Emulator, host: str, port: int) -> uvicorn.Config:
    # uvicorn's own access log would be redundant with the control layer's request log (which never logs headers)
    return uvicorn.Config(emulator.app, host=host, port=port, log_level="warning", access_log=False,
                          lifespan="off", timeout_graceful_shutdown=1)


def bind(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose ``proto`` says TCP, and
    # a socket made with proto 0 would hold each response body back until the client's delayed ACK (~40 ms).
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def serve(emulator: Emulator, host: str = LOOPBACK, port: int = 8080) -> None:
    """Serve until interrupted, logging one line per request."""
    _log_requests()
    sock = bind(host, port)
    bound = sock.getsockname()
    logging.getLogger("reconciler.emulator").info("reconciler emulator listening on http://%s:%s", *bound[:2])
    _tune_gc()
    uvicorn.Server(_config(emulator, host, bound[1])).run(sockets=[sock])


class RequestLogFormatter(logging.Formatter):
    """``%(asctime)s %(message)s``, with the date and time formatted once per second rather than once a line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s")
        self._second: int | None = None
        self._formatted = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        if second != self._second:
            self._second, self._formatted = second, time.strftime(self.default_time_format,
                                                                  self.converter(record.created))
        return self.default_msec_format % (self._formatted, record.msecs)


def _log_requests() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RequestLogFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("reconciler.emulator").setLevel(logging.INFO)
    # A record per request: skip gathering what the format never shows (the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup (file, line) per record


def _tune_gc() -> None:
    """The server process's garbage collection, set for a request mix that allocates many short-lived containers
    (a per-seat contract read builds hundreds of grant dicts) and makes few reference cycles: leave the objects
    alive at start (modules, the app, the catalog) out of every collection, and collect the young generation
    less often."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


class BackgroundServer:
    """The emulator served on a free loopback port in a daemon thread (``with BackgroundServer(emu) as url``)."""

    def __init__(self, emulator: Emulator, host: str = LOOPBACK, port: int = 0) -> None:
        self.emulator = emulator
        self._socket = bind(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(_config(emulator, self.host, self.port))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def __enter__(self) -> str:
        return self.start().url

    def __exit__(self, *exc: Any) -> None:
        self.stop()
