"""End-to-end fixtures: a private copy of the example manifests and an embedded emulator database per test,
driven through the real CLI (click's CliRunner) exactly as a user would."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]


class Workspace:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.manifests = path / "manifests"
        self.db = path / ".reconciler" / "emulator.db"
        self.runner = CliRunner()

    def run(self, *args: str, ok: tuple[int, ...] = (0,)):
        result = self.runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code in ok, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def plan(self, *extra: str, ok=(0, 2)):
        return self.run("plan", str(self.manifests), "--detailed-exitcode", *extra, ok=ok)

    def plan_json(self, *extra: str) -> dict:
        out = self.path / "plan.json"
        self.run("plan", str(self.manifests), "--out", str(out), *extra, ok=(0,))
        return json.loads(out.read_text())

    def apply(self, *extra: str, ok=(0,)):
        out = self.path / "plan.json"
        self.run("plan", str(self.manifests), "--out", str(out), *extra, ok=(0,))
        return self.run("apply", str(out), ok=ok)

    def converge(self) -> None:
        """Apply the manifests, then prove the next plan is empty."""
        self.apply()
        result = self.plan(ok=(0,))
        assert "No changes" in result.stdout

    # -- manifest editing -----------------------------------------------------------------------------

    def documents(self, name: str) -> list[dict]:
        return list(yaml.safe_load_all((self.manifests / name).read_text()))

    def edit_contract(self, name: str, mutate) -> None:
        docs = self.documents(name)
        contract = next(d for d in docs if d["kind"] == "Contract")
        mutate(contract["spec"])
        (self.manifests / name).write_text(yaml.safe_dump_all(docs, sort_keys=False))

    # -- out-of-band access ---------------------------------------------------------------------------

    def emulator(self) -> Emulator:
        return Emulator(db_path=self.db)

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """An out-of-band call, as someone clicking in the Metronome UI would make it."""
        async def call() -> dict:
            with self.emulator() as emu:
                async with emu.client() as client:
                    response = await client.request(method, path, json=body)
                    assert response.status_code < 300, response.text
                    return response.json() if response.content else {}
        return asyncio.run(call())


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECONCILER_ENDPOINT", "embedded")
    monkeypatch.delenv("RECONCILER_EMULATOR_DB", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return Workspace(tmp_path)


__all__ = ["Workspace", "httpx"]
