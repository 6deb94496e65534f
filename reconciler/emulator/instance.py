"""The :class:`Emulator`: one emulated Metronome account (database, catalog, clock, test controls, ASGI app)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from reconciler.emulator.app import build_app
from reconciler.emulator.catalog import Catalog
from reconciler.emulator.clock import Clock
from reconciler.emulator.faults import Faults, Latency, Stats
from reconciler.emulator.seed import DEFAULT_SEED_PATH, apply_seed, load_seed
from reconciler.emulator.store import Store

SEEDED_KEY = "seeded"


class Emulator:
    """A stateful, SQLite-backed Metronome emulator.

    ``db_path=None`` keeps the state in memory; a path persists it (reopening resumes, and the seed is applied
    only when the database is fresh). ``seed`` is a YAML path or a dict (default: the bundled catalog; None for
    an empty account). ``clock`` is a :class:`Clock`, or an instant to freeze a new clock at (default: real time).
    """

    def __init__(self, db_path: str | Path | None = None, seed: Path | str | dict[str, Any] | None = DEFAULT_SEED_PATH,
                 clock: Clock | datetime | str | None = None) -> None:
        self.clock = clock if isinstance(clock, Clock) else Clock(clock)
        self.store = Store(db_path)
        if seed is not None and self.store.meta(SEEDED_KEY) is None:
            apply_seed(self.store, load_seed(seed), self.clock.now_str())
            self.store.set_meta(SEEDED_KEY, self.clock.now_str())
        self.catalog = Catalog(self.store)
        self.faults = Faults()
        self.latency = Latency()
        self.stats = Stats()
        self.app = build_app(self)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that serves requests in-process (``base_url`` can be anything)."""
        from reconciler.emulator.transport import EmulatorTransport

        return EmulatorTransport(self.app)

    def client(self, token: str = "emulator", **kwargs: Any) -> httpx.AsyncClient:
        """Convenience: an ``httpx.AsyncClient`` on :meth:`transport` with a bearer token."""
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return httpx.AsyncClient(transport=self.transport(), base_url="http://emulator.local", headers=headers,
                                 **kwargs)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
