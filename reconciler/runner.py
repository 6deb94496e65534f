"""Running the async pipeline from synchronous code (the CLI, the bench).

:func:`run` is :func:`asyncio.run` except that the main task never holds the result. Python 3.11's runner formats
the main task (its result included) when it restores the SIGINT handler: ``signal.getsignal`` tries to turn the
handler, a ``functools.partial`` bound to the task, into an enum member and renders the failure's message. For a
plan that result is the whole live state, and rendering it cost ~1 s per 1,000 contracts and a string as large as
the estate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion in a new event loop and return its result."""
    box: list[T] = []

    async def main() -> None:
        box.append(await coroutine)

    asyncio.run(main())
    return box[0]
