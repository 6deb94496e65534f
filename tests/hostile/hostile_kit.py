"""Helpers of the hostile-input suite: the canary token and its leak check, the served emulator handle, a
workspace that runs the real CLI (click's CliRunner) in a tmp dir, and a dump of an emulator database."""

from __future__ import annotations

import base64
import shutil
import tempfile
import logging
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import httpx
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "manifests"
CANARY = "mtk_live_CANARY+9f2c/7e41~b8d3>4a56?do_not_leak"
"""A bearer token that must never show up anywhere: output, files, exceptions, logs. It holds characters that
base64 (``+``, ``/``) and URL encoding change, so that each encoded form is distinct."""
CANARY_IN_URL = urllib.parse.quote(CANARY, safe="")
"""The canary as URL userinfo (``http://user:<this>@host``)."""
COMMANDS = ("validate", "plan", "apply")


def canary_forms(canary: str = CANARY) -> list[str]:
    """The canary as it could leak: plain, in a Basic/Bearer header encoding, URL-encoded."""
    raw = canary.encode()
    return [canary, base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
            base64.b64encode(f"{canary}:".encode()).decode(), urllib.parse.quote(canary, safe=""),
            canary[8:-8]]  # a slice: catches partial echoes and truncations


def assert_no_canary(text: str, where: str) -> None:
    for form in canary_forms():
        assert form not in text, f"the canary token leaked into {where}"


def example(name: str) -> str:
    return (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# The served emulator (one per session: the suite never writes, which each test asserts)
# --------------------------------------------------------------------------------------------------

@dataclass
class Served:
    url: str
    emulator: Emulator

    def stats(self) -> dict:
        return httpx.get(f"{self.url}/_emulator/stats").json()

    def reset_stats(self) -> None:
        httpx.post(f"{self.url}/_emulator/reset-stats").raise_for_status()

    def faults(self, rules: list[dict]) -> None:
        httpx.post(f"{self.url}/_emulator/faults", json={"rules": rules}).raise_for_status()


def dump_db(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table of an emulator database, for a before/after comparison."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


# --------------------------------------------------------------------------------------------------
# A workspace: manifests under a tmp dir, the CLI run in it
# --------------------------------------------------------------------------------------------------

class Workspace:
    def __init__(self, path: Path, served: Served) -> None:
        self.path = path
        self.manifests = path / "manifests"
        self.manifests.mkdir()
        self.served = served
        self.runner = CliRunner()
        self.results: list[Result] = []

    def write(self, name: str, content: str | bytes) -> Path:
        target = self.manifests / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", newline="")
        return target

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run the CLI; a Python traceback (any exception other than a clean exit) fails the test."""
        result = self.runner.invoke(cli, list(args), env=env, catch_exceptions=True)
        self.results.append(result)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"reconciler {' '.join(args[:2])} raised {result.exception!r}\n"
                                 f"stderr:\n{result.stderr}") from result.exception
        return result

    def command(self, name: str, endpoint: str, *extra: str) -> tuple[str, ...]:
        target = str(self.manifests)
        if name == "validate":
            return ("validate", target, *extra)
        if name == "plan":
            return ("plan", target, "--endpoint", endpoint, "--out", str(self.path / "plan.json"), *extra)
        return ("apply", "--auto-approve", "--path", target, "--endpoint", endpoint, *extra)

    def embedded_endpoint(self) -> tuple[str, Path]:
        """A fresh, seeded embedded-emulator database for this workspace (a copy of a seeded template)."""
        db = self.path / "embedded" / "emulator.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seeded_template(), db)
        return f"emulator:{db}", db


_TEMPLATE: list[Path] = []


def seeded_template() -> Path:
    """One freshly seeded emulator database per session, checkpointed into a single file."""
    if not _TEMPLATE:
        path = Path(tempfile.mkdtemp(prefix="hostile-seed-")) / "emulator.db"
        Emulator(path).close()
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


class Records(logging.Handler):
    """Keeps every record of the loggers it is attached to, whatever their propagation setting."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        lines = []
        for record in self.records:
            lines.append(f"{record.name} {record.getMessage()}")
            if record.exc_info and record.exc_info[1] is not None:
                lines.append(repr(record.exc_info[1]))
        return "\n".join(lines)
