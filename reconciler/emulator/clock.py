"""The emulator's controllable clock.

Every "now" the emulator uses (created_at, which quantity segments are current, which recurring grants exist,
what counts as past for the quantity history) comes from one :class:`Clock`. By default it follows real time;
tests can freeze it at an instant, move it, or let it run from a set instant (``set(at, frozen=False)``).
The clock is per emulator instance and is not persisted: reopening a database starts on real time again.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from reconciler.emulator.timeutil import format_timestamp, parse_timestamp


class Clock:
    """Real time shifted by an offset, or a frozen instant."""

    def __init__(self, at: datetime | str | None = None, *, frozen: bool = True) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None
        if at is not None:
            self.set(at, frozen=frozen)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(timezone.utc) + self._offset

    def now_str(self) -> str:
        return format_timestamp(self.now())

    def set(self, at: datetime | str, *, frozen: bool = True) -> None:
        """Jump to ``at``; frozen (the default) stays there, otherwise time runs on from it."""
        instant = parse_timestamp(at)
        with self._lock:
            if frozen:
                self._frozen_at = instant
            else:
                self._frozen_at = None
                self._offset = instant - datetime.now(timezone.utc)

    def advance(self, *, seconds: float = 0, days: float = 0) -> None:
        step = timedelta(seconds=seconds, days=days)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += step
            else:
                self._offset += step

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def describe(self) -> dict[str, object]:
        return {"now": self.now_str(), "frozen": self.frozen, "real_time": not self.frozen and not self._offset}
