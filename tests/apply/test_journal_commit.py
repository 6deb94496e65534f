"""The journal's group commit: outcome lines reach the disk before a chain moves on, and chains committing
together share fsyncs instead of paying one each on the event loop."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from reconciler.apply.journal import Journal


@pytest.fixture
def fsyncs(monkeypatch):
    """Every ``os.fsync`` call (the real one still runs), as the number of lines written when it started."""
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(os.fstat(fd).st_size)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return calls


def test_concurrent_commits_share_fsyncs_and_cover_every_line(tmp_path, fsyncs):
    journal = Journal(tmp_path / "j.jsonl", "plan-1")

    async def chain(i: int) -> None:
        journal.record("start", f"op{i}")
        await asyncio.sleep(0)
        journal.record("done", f"op{i}", address=f"contract.c{i}/main")
        await journal.commit()

    async def scenario():
        await asyncio.gather(*(chain(i) for i in range(200)))

    asyncio.run(scenario())
    size = (tmp_path / "j.jsonl").stat().st_size
    assert 1 <= len(fsyncs) <= 3, fsyncs
    assert fsyncs[-1] == size  # the last fsync started after the last line was written
    assert set(journal.done()) == {f"op{i}" for i in range(200)}
    journal.close()


def test_a_commit_after_new_lines_syncs_again_and_a_commit_with_nothing_new_does_not(tmp_path, fsyncs):
    journal = Journal(tmp_path / "j.jsonl", "plan-1")

    async def scenario():
        journal.record("done", "a")
        await journal.commit()
        await journal.commit()  # nothing new: no fsync
        journal.record("done", "b")
        await journal.commit()

    asyncio.run(scenario())
    assert len(fsyncs) == 2
    lines = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert [line["op"] for line in lines] == ["a", "b"]
    assert fsyncs[1] == (tmp_path / "j.jsonl").stat().st_size
    journal.close()


def test_a_failing_fsync_fails_every_waiting_commit(tmp_path, monkeypatch):
    journal = Journal(tmp_path / "j.jsonl", "plan-1")

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)

    async def scenario():
        journal.record("done", "a")
        return await asyncio.gather(journal.commit(), journal.commit(), return_exceptions=True)

    results = asyncio.run(scenario())
    assert [type(r) for r in results] == [OSError, OSError]
    journal.close()
