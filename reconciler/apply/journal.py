"""The apply journal: one JSON line per event, appended as apply goes.

Outcome lines must survive a crash before the chain they belong to moves on: :meth:`Journal.commit` waits until
every line written so far is flushed and on disk. Chains committing at the same time share one ``fsync`` (a group
commit, run off the event loop), so 1,000 operations finishing together cost a few fsyncs, not 1,000 on the loop.

It records each operation's start and outcome (``done``, ``already-done``, ``failed``, plus ``resend``), the ids
of objects created, and nothing secret: no token, no request headers, only plan ids, addresses and API messages.
A later apply of the same plan reads it to skip what is already done.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import orjson

DEFAULT_DIR = Path(".reconciler") / "journal"
_LINE = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def default_path(plan_id: str) -> Path:
    return DEFAULT_DIR / f"{plan_id.replace(':', '-')[:80]}.jsonl"


class Journal:
    def __init__(self, path: Path | str, plan_id: str) -> None:
        self.path = Path(path)
        self.plan_id = plan_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._end_torn_line()
        self._handle = self.path.open("ab")
        self._written = self._durable = 0  # lines written by this run / known to be on disk
        self._syncing: asyncio.Future | None = None

    def _end_torn_line(self) -> None:
        """A run killed mid-write leaves a last line without its newline: end it, so this run's first line
        stands on its own (the torn fragment itself is skipped when read)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")

    def record(self, event: str, op_id: str | None = None, **fields: Any) -> None:
        line = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                "plan_id": self.plan_id, "event": event, "op": op_id, **fields}
        self._handle.write(orjson.dumps(line, default=str, option=_LINE) + b"\n")  # flushed by the next commit
        self._written += 1

    async def commit(self) -> None:
        """Return once every line recorded so far is on disk (outcomes; a lost "start" line only costs a
        re-check). Callers arriving while an fsync runs wait for the next one, which covers all of them."""
        target = self._written
        while self._durable < target:
            if self._syncing is None:
                self._syncing = asyncio.ensure_future(self._fsync(self._written))
            await asyncio.shield(self._syncing)

    async def _fsync(self, upto: int) -> None:
        try:
            self._handle.flush()  # on the loop's thread: lines are only ever written there
            await asyncio.to_thread(os.fsync, self._handle.fileno())
            self._durable = max(self._durable, upto)
        finally:
            self._syncing = None

    def close(self) -> None:
        self._handle.close()  # flushes what no commit covered (start lines after the last outcome)

    def done(self) -> dict[str, dict]:
        """Operations of this plan that an earlier run finished: op id -> the outcome line."""
        finished: dict[str, dict] = {}
        if not self.path.exists():
            return finished
        for raw in self.path.read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue  # a torn last line from a killed run: the operation is re-verified instead
            if line.get("plan_id") == self.plan_id and line.get("event") in ("done", "already-done"):
                finished[line["op"]] = line
        return finished
