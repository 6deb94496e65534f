"""Fixtures for the hostile-input suite: the real CLI against a *served* emulator whose write counters are read
over ``GET /_emulator/stats``, and against the embedded emulator whose SQLite tables are dumped before and after.

Every test here runs with a canary bearer token in ``METRONOME_BEARER_TOKEN`` (autouse), and after every test
the canary (and its base64 / URL-encoded forms) must not appear in any file the test left under its tmp dir,
nor in any log record of ``reconciler.*``, ``uvicorn.*``, ``httpx`` or the root logger at DEBUG.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hostile_kit import CANARY, Records, Served, Workspace, assert_no_canary  # noqa: E402

from reconciler.emulator import Emulator  # noqa: E402
from reconciler.emulator.server import BackgroundServer  # noqa: E402


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Served:
    emulator = Emulator(tmp_path_factory.mktemp("served") / "emulator.db")
    server = BackgroundServer(emulator).start()
    yield Served(server.url, emulator)
    server.stop()
    emulator.close()


@pytest.fixture
def workspace(tmp_path: Path, served: Served, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("RECONCILER_ENDPOINT", raising=False)
    monkeypatch.delenv("RECONCILER_EMULATOR_DB", raising=False)
    served.faults([])
    served.reset_stats()
    return Workspace(tmp_path, served)


LOGGERS = ("reconciler", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "")


@pytest.fixture(autouse=True)
def canary_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Records:
    """Set the canary token and record every log line at DEBUG; afterwards, neither any file under tmp_path
    nor any record holds the canary."""
    monkeypatch.setenv("METRONOME_BEARER_TOKEN", CANARY)
    handler = Records()
    saved = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(saved[name])
    assert_no_canary(handler.text(), "the log records")
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert_no_canary(path.read_bytes().decode("utf-8", "replace"), str(path))
