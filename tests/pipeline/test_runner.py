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


def test_paused_gc_stops_full_collections_and_restores_the_thresholds():
    import gc

    from reconciler.runner import paused_gc

    before = gc.get_threshold()
    full: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(note)
    try:
        with paused_gc():
            assert gc.get_threshold()[2] > 10**6 and gc.isenabled()
            survivors = [[] for _ in range(1_000_000)]  # without the pause: several full collections
        assert not full and len(survivors) == 1_000_000
    finally:
        gc.callbacks.remove(note)
    assert gc.get_threshold() == before
