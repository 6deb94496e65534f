"""Loading manifests in a child process while the parent reads live state (``plan`` on a large estate).

Parsing and validating YAML is CPU work (about a millisecond per customer file); the read phase is round trips.
A child process loads the files batch by batch and hands the parent each batch's validated manifests as a
partial :class:`Desired` (a *fragment*), so the parent starts reading those customers while later files are
still being parsed, on the machine's other core. When every file is read the child runs the cross-file rules
and sends the final verdict: every problem, exactly as :func:`reconciler.manifest.loader.load` reports them.

The fragments merged in order (:meth:`Desired.merge`) are what ``load`` returns; a caller must not act on them
beyond reading until the verdict is clean (:meth:`BackgroundLoad.fragments` raises
:class:`~reconciler.errors.ManifestError` at its end otherwise).
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
import time
import traceback
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import reconciler
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.manifest.desired import Desired
from reconciler.manifest.loader import iter_batches

#: files per fragment: the parent unpickles a fragment on its event loop (~5 ms for 50 customer files), and the
#: first customers' reads start after the first fragment.
BATCH_FILES = 50
HEADER = 8


class LoaderProcessError(ReconcilerError):
    """The child process loading the manifests died or failed unexpectedly."""


class BackgroundLoad:
    """``async for fragment in BackgroundLoad(paths).fragments()``: each batch's manifests, in file order."""

    def __init__(self, paths: Sequence[str | Path], *, batch_files: int = BATCH_FILES) -> None:
        self.paths = [os.fspath(p) for p in paths]
        self.batch_files = batch_files
        #: what the child reported when it finished: CPU seconds, peak RSS in MB, wall seconds from its start.
        self.child_cpu_s = self.child_peak_rss_mb = self.child_wall_s = 0.0

    async def fragments(self) -> AsyncIterator[Desired]:
        # A fresh interpreter running this module (not multiprocessing: nothing of the parent's __main__ is
        # re-imported, nothing is forked from a process running an event loop).
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "reconciler.manifest.background", str(self.batch_files), "--", *self.paths,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, env=_child_env())
        try:
            while True:
                kind, payload = await _receive(process)
                if kind == "fragment":
                    yield payload
                elif kind == "usage":
                    self.child_cpu_s, self.child_peak_rss_mb, self.child_wall_s = payload
                elif kind == "problems":
                    if payload:
                        raise ManifestError(payload)
                    return
                else:
                    raise LoaderProcessError(f"loading the manifests failed in the loader process:\n{payload}")
        finally:
            if process.returncode is None:
                try:
                    process.kill()
                except ProcessLookupError:
                    pass
            await process.wait()


async def _receive(process) -> tuple[str, object]:
    try:
        header = await process.stdout.readexactly(HEADER)
        data = await process.stdout.readexactly(int.from_bytes(header, "big"))
    except asyncio.IncompleteReadError:
        code = await process.wait()
        raise LoaderProcessError(f"the manifest loader process exited (code {code}) before it finished") from None
    return pickle.loads(data)  # our own child's output, never outside input


def _child_env() -> dict[str, str]:
    """The parent's environment, with this copy of the package first on the child's import path."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(reconciler.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _send(out, message: tuple[str, object]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(HEADER, "big"))
    out.write(data)
    out.flush()


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0.0


def main(argv: list[str]) -> None:
    started = time.perf_counter()
    batch_files, paths = int(argv[0]), argv[2:]
    out = sys.stdout.buffer
    try:
        for kind, payload in iter_batches(paths, batch_files):
            if kind == "problems":  # the last message: the parent stops reading after it
                _send(out, ("usage", (time.process_time(), _peak_rss_mb(), time.perf_counter() - started)))
            _send(out, (kind, payload))
    except Exception:  # noqa: BLE001 - the parent raises it, with this traceback
        _send(out, ("error", traceback.format_exc()))


if __name__ == "__main__":
    main(sys.argv[1:])
