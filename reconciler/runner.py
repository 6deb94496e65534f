"""Running the pipeline: from synchronous code (the CLI, the bench), and without the cyclic GC.

:func:`run` is :func:`asyncio.run` except that the main task never holds the result. Python 3.11's runner formats
the main task (its result included) when it restores the SIGINT handler: ``signal.getsignal`` tries to turn the
handler, a ``functools.partial`` bound to the task, into an enum member and renders the failure's message. For a
plan that result is the whole live state, and rendering it cost ~1 s per 1,000 contracts and a string as large as
the estate.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
#: a threshold the oldest generation's collection count never reaches in one run.
FULL_COLLECTIONS_OFF = 1 << 30


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion in a new event loop and return its result."""
    box: list[T] = []

    async def main() -> None:
        box.append(await coroutine)

    asyncio.run(main())
    return box[0]


@contextmanager
def paused_gc() -> Iterator[None]:
    """No full (oldest-generation) collections for a block, the read phase and the planner; the young generations
    still collect, so short-lived cycles are freed as usual.

    Reading a large estate builds one long-lived tree of JSON objects, and every full collection walks all of it:
    at 10,000 contracts about 19 of them took 15 s of the read's ~40 s of CPU."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], FULL_COLLECTIONS_OFF)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
