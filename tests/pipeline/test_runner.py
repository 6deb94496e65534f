"""``reconciler.runner.run``: asyncio.run without Python 3.11 formatting the main task's result on the way out."""

from __future__ import annotations

import asyncio

import pytest

from reconciler.runner import run


class Loud:
    """A result whose repr is counted: the runner must never format it."""

    reprs = 0

    def __repr__(self) -> str:
        Loud.reprs += 1
        return "Loud()"


async def _answer() -> Loud:
    await asyncio.sleep(0)
    return Loud()


def test_run_returns_the_result_without_formatting_it():
    Loud.reprs = 0
    assert isinstance(run(_answer()), Loud)
    assert Loud.reprs == 0


async def _fail() -> None:
    raise LookupError("nope")


def test_run_raises_what_the_coroutine_raises():
    with pytest.raises(LookupError, match="nope"):
        run(_fail())
