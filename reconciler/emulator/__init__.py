"""A local, stateful emulator of the subset of the Metronome API that reconciler uses.

It is the default target of plan/apply and what the tests run against: a Starlette ASGI app persisted in
SQLite, with Metronome's semantics (server ids, ``temporary_id`` links, uniqueness keys, v2 "not found" as 400,
read shapes that differ from write shapes, seat and quantity schedules, atomic edits with an edit history,
``Idempotency-Key`` replays), strict request validation, a controllable clock, a seed catalog, and latency /
fault injection with counters.

Use it in-process (``Emulator().transport()`` for httpx) or served (``reconciler emulator serve``).
"""

from reconciler.emulator.clock import Clock
from reconciler.emulator.faults import FaultRule, Faults, Latency, Stats
from reconciler.emulator.instance import Emulator
from reconciler.emulator.seed import DEFAULT_SEED_PATH

__all__ = ["Clock", "DEFAULT_SEED_PATH", "Emulator", "FaultRule", "Faults", "Latency", "Stats"]
