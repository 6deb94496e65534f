"""Fault injection, latency injection and request counters: the emulator's test controls.

Faults are rules ``{path, kind, rate, ...}`` matched against the request path (a glob such as
``/v2/contracts/*`` or, when prefixed ``re:``, a regular expression) and optionally a method. Each matching
request draws from one seeded ``random.Random``, so a run with the same seed and request sequence injects the
same faults. ``times`` caps how often a rule fires (``rate=1, times=1`` fails exactly the next request).

Kinds:

* ``429`` — answers 429 with ``Retry-After`` (``retry_after`` seconds, default 1) and a Metronome error body;
* ``500`` / ``503`` — answers that status with an error body; the request is not executed;
* ``drop`` — the connection is dropped without a response; the request is not executed;
* ``timeout`` — no response within the client's timeout: in-process the transport raises ``httpx.ReadTimeout``
  at once; served, the server waits ``delay_s`` (default 65, beyond the SDK's 60 s) and then drops;
* ``lost_response`` — the request is executed and committed, then the connection is dropped.

Only a ``lost_response`` executes, so only its answer is stored under the request's ``Idempotency-Key``: a re-send
with the key gets the answer that was lost, and after any other fault it executes (see
:mod:`reconciler.emulator.idempotency`).

Latency is ``{"fixed_ms": N}`` or ``{"distribution": "uniform", "min_ms", "max_ms"}`` or
``{"distribution": "normal", "mean_ms", "stddev_ms"}``, with an optional ``seed``.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = ("429", "500", "503", "drop", "timeout", "lost_response")


@dataclass
class FaultRule:
    path: str
    kind: str
    rate: float = 1.0
    method: str | None = None
    times: int | None = None
    retry_after: float = 1
    delay_s: float = 65.0
    fired: int = 0

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if not 0 <= self.rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        self._pattern = re.compile(self.path[3:]) if self.path.startswith("re:") else None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if self._pattern is not None:
            return self._pattern.fullmatch(path) is not None
        return fnmatch.fnmatchcase(path, self.path)

    def describe(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass
class Faults:
    """The active fault rules and their seeded random source."""

    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)

    def configure(self, rules: list[dict[str, Any]], seed: int | None = None) -> None:
        """Replace all rules (and reseed the random source)."""
        parsed = [FaultRule(**rule) for rule in rules]
        with self._lock:
            self.rules = parsed
            if seed is not None:
                self.seed = seed
            self._random = random.Random(self.seed)

    def add(self, path: str, kind: str, **options: Any) -> FaultRule:
        rule = FaultRule(path=path, kind=kind, **options)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.configure([])

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule that fires for this request, if any."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path) and self._random.random() < rule.rate:
                    rule.fired += 1
                    return rule
        return None

    def describe(self) -> dict[str, Any]:
        return {"seed": self.seed, "rules": [rule.describe() for rule in self.rules]}


LATENCY_MODES = ("added", "response_time")


@dataclass
class Latency:
    """Per-request latency in milliseconds, sampled per request, in one of two modes:

    * ``added`` (the default): wait the latency, then serve. A request takes the latency plus the emulator's own
      processing, plus any wait for the emulator's single event loop while it serves other requests;
    * ``response_time``: serve at once, and hold the answer until the latency has passed since the request
      arrived. A request takes the latency, or its processing time if that is longer: the emulator's own cost
      (which a horizontally scaled API does not queue behind other clients' requests) stays inside it.
    """

    fixed_ms: float = 0
    mode: str = "added"
    distribution: str | None = None
    min_ms: float = 0
    max_ms: float = 0
    mean_ms: float = 0
    stddev_ms: float = 0
    seed: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        if self.distribution not in (None, "fixed", "uniform", "normal"):
            raise ValueError("distribution must be fixed, uniform or normal")
        if self.mode not in LATENCY_MODES:
            raise ValueError(f"mode must be {' or '.join(LATENCY_MODES)}")

    def configure(self, **options: Any) -> None:
        fresh = Latency(**options)
        self.__dict__.update(fresh.__dict__)

    def sample_ms(self) -> float:
        if self.distribution == "uniform":
            return self._random.uniform(self.min_ms, self.max_ms)
        if self.distribution == "normal":
            return max(0.0, self._random.gauss(self.mean_ms, self.stddev_ms))
        return self.fixed_ms

    def describe(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if not key.startswith("_")}


@dataclass
class Stats:
    """Request counters per ``METHOD /path/template``, by status, with totals of reads and writes."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.by_route: dict[str, int] = {}
            self.by_status: dict[str, int] = {}
            self.faults: dict[str, int] = {}
            self.total = self.reads = self.writes = 0
            self.latency_ms_total = 0.0

    def count(self, route: str, *, write: bool) -> None:
        with self._lock:
            self.by_route[route] = self.by_route.get(route, 0) + 1
            self.total += 1
            if write:
                self.writes += 1
            else:
                self.reads += 1

    def status(self, status: int) -> None:
        with self._lock:
            self.by_status[str(status)] = self.by_status.get(str(status), 0) + 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] = self.faults.get(kind, 0) + 1

    def latency(self, ms: float) -> None:
        with self._lock:
            self.latency_ms_total += ms

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self.total, "reads": self.reads, "writes": self.writes,
                    "by_route": dict(sorted(self.by_route.items())), "by_status": dict(self.by_status),
                    "faults": dict(self.faults), "latency_ms_total": round(self.latency_ms_total, 3)}
