"""One apply at a time per target on this machine: an advisory file lock held from verification to the last write.

Metronome has no compare-and-set for contract edits, so two applies that both verify their plans before either
writes would both pass and both write (seat deltas would add up to a state neither plan showed). Holding this lock
across verify-then-write makes the second apply verify after the first has written, so it refuses as stale.
Applies from different machines are not serialized by it; their plans are still verified first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from reconciler.errors import ApplyError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]

LOCK_DIR = Path(tempfile.gettempdir()) / "reconciler-locks"
WAIT_SECONDS = 600.0
POLL_SECONDS = 0.05


def lock_path(target: str) -> Path:
    return LOCK_DIR / f"{hashlib.sha256(target.encode()).hexdigest()[:32]}.lock"


@contextlib.asynccontextmanager
async def target_lock(target: str, *, wait: float = WAIT_SECONDS) -> AsyncIterator[None]:
    """Hold the target's lock, waiting up to ``wait`` seconds for another apply to finish."""
    if fcntl is None:
        yield
        return
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(target), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await _acquire(fd, target, wait)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


async def _acquire(fd: int, target: str, wait: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if loop.time() >= deadline:
                raise ApplyError(f"another apply against {target} has held the lock for over {wait:.0f}s; "
                                 "nothing was applied", hint="wait for it to finish, then plan again") from None
            await asyncio.sleep(POLL_SECONDS)
