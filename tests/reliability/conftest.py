"""Fixtures for the reliability tests; the helpers they use live in ``reliability_kit`` (importable here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from reliability_kit import NOW, Harness  # noqa: E402

from reconciler.emulator import Emulator  # noqa: E402
from reconciler.emulator.server import BackgroundServer  # noqa: E402


@pytest.fixture
def emu(tmp_path: Path):
    emulator = Emulator(db_path=tmp_path / "emulator.db", clock=NOW)
    yield emulator
    emulator.close()


@pytest.fixture
def harness(emu: Emulator, tmp_path: Path) -> Harness:
    return Harness(emu, f"emulator:{tmp_path / 'emulator.db'}", tmp_path / "journal")


@pytest.fixture
def served(emu: Emulator):
    """The test's emulator on a loopback port, for runs through the CLI (which then sees its faults)."""
    server = BackgroundServer(emu).start()
    yield server.url
    server.stop()


