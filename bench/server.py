"""The emulator as a separate server process on loopback, and its admin endpoints (latency, counters)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

RECONCILER = Path(sys.executable).parent / "reconciler"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatorServer:
    """``reconciler emulator serve`` on ``db`` in a subprocess (``with EmulatorServer(db, log) as server``).

    ``latency_mode`` is how :meth:`set_latency` applies L (see :class:`reconciler.emulator.faults.Latency`):
    ``response_time`` (each answer comes L after its request arrived; the emulator's own processing happens within
    L, as a real API's does) or ``added`` (L, then the emulator's processing and its queueing on top)."""

    def __init__(self, db: Path, log: Path, latency_mode: str = "response_time") -> None:
        self.latency_mode = latency_mode
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self._process = subprocess.Popen(
            [str(RECONCILER), "emulator", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--db", str(db)],
            stdout=self._log, stderr=self._log)
        self._admin = httpx.Client(base_url=self.url, timeout=30)

    def __enter__(self) -> EmulatorServer:
        deadline = time.monotonic() + 30
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the emulator server exited; see {self._log.name}")
            try:
                self._admin.get("/_emulator/stats")
                return self
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        self._admin.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()

    def set_latency(self, ms: float) -> None:
        self._admin.post("/_emulator/latency", json={"fixed_ms": ms, "mode": self.latency_mode}).raise_for_status()

    def reset_stats(self) -> None:
        self._admin.post("/_emulator/reset-stats").raise_for_status()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far, from ``/proc`` (Linux)."""
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stats(self) -> dict:
        return self._admin.get("/_emulator/stats").raise_for_status().json()
