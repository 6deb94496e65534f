"""The bearer token never leaks: a canary in ``METRONOME_BEARER_TOKEN`` is run through every command against a
*served* emulator (``--endpoint http://127.0.0.1:PORT``), on good paths and on failure paths, and must be absent
from stdout, stderr, exception text, every file written under the test's tmp dir (plan files, journals, imported
manifests, the emulator's own database) and every log record of ``reconciler.*``, ``uvicorn.*`` and ``httpx`` at
DEBUG, including the emulator server's request log. The autouse fixture in ``conftest.py`` checks the files and
the logs after every test of this directory; these tests also check each command's output themselves.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hostile_kit import CANARY, CANARY_IN_URL, Served, Workspace, assert_no_canary, canary_forms, example

from reconciler.emulator import Emulator
from reconciler.emulator.server import BackgroundServer

NOW = "2025-10-01T00:00:00Z"


@pytest.fixture
def own_served(tmp_path: Path):
    """A served emulator with its own database under tmp_path (so the autouse scan reads it too)."""
    emulator = Emulator(tmp_path / "served-db" / "emulator.db", clock=NOW)
    server = BackgroundServer(emulator).start()
    yield Served(server.url, emulator)
    server.stop()
    emulator.close()


def all_output(ws: Workspace) -> str:
    parts = []
    for result in ws.results:
        parts += [result.stdout, result.stderr, repr(result.exception)]
        if result.exc_info:
            parts.append("".join(traceback.format_exception(*result.exc_info)))
    return "\n".join(parts)


def test_the_canary_forms_cover_its_encodings():
    forms = canary_forms()
    assert all(len(f) >= 16 for f in forms)
    assert len(set(forms)) == len(forms), "the canary has characters that every encoding changes"


def test_no_command_leaks_the_token_on_the_good_path(workspace: Workspace, own_served: Served, canary_token):
    url, ws = own_served.url, workspace
    for name in ("northwind", "globex", "acme"):
        ws.write(f"{name}.yaml", example(name))
    plan = ws.path / "plan.json"

    assert ws.cli("validate", str(ws.manifests)).exit_code == 0
    assert ws.cli("plan", str(ws.manifests), "--endpoint", url, "--out", str(plan), "--now", NOW,
                  "--format", "json").exit_code == 0
    assert ws.cli("plan", str(ws.manifests), "--endpoint", url, "--format", "markdown").exit_code == 0
    assert ws.cli("show", str(plan)).exit_code == 0
    assert ws.cli("apply", str(plan), "--endpoint", url).exit_code == 0
    assert ws.cli("drift", str(ws.manifests), "--endpoint", url).exit_code == 0
    assert ws.cli("import", "--endpoint", url, "--out", str(ws.path / "imported"), "--all").exit_code == 0

    journals = list((ws.path / ".reconciler" / "journal").glob("*.jsonl"))
    assert journals, "apply wrote a journal"
    assert list((ws.path / "imported").glob("*.yaml")), "import wrote manifests"
    assert own_served.stats()["writes"] > 0, "the scenario really wrote through the served emulator"
    assert any(r.name == "reconciler.emulator" for r in canary_token.records), "the server's request log was seen"
    assert_no_canary(all_output(ws), "command output")


def test_no_command_leaks_the_token_on_failure_paths(workspace: Workspace, own_served: Served):
    url, ws = own_served.url, workspace
    ws.write("northwind.yaml", example("northwind"))
    plan = ws.path / "plan.json"
    assert ws.cli("plan", str(ws.manifests), "--endpoint", url, "--out", str(plan), "--now", NOW).exit_code == 0

    # 500s on every read: plan, drift and import fail
    own_served.faults([{"path": "/v*", "kind": "500"}])
    for args in (("plan", str(ws.manifests), "--endpoint", url),
                 ("drift", str(ws.manifests), "--endpoint", url),
                 ("import", "--endpoint", url, "--out", str(ws.path / "imp"), "--all")):
        assert ws.cli(*args).exit_code != 0
    # a write whose outcome is unknown (500 on the create), then a lost response
    own_served.faults([{"path": "/v1/customers", "method": "POST", "kind": "500"}])
    assert ws.cli("apply", str(plan), "--endpoint", url).exit_code != 0
    own_served.faults([{"path": "/v1/customers", "method": "POST", "kind": "lost_response", "times": 1}])
    ws.cli("apply", str(plan), "--endpoint", url)
    own_served.faults([])
    # a stale plan: the live state moved on since it was made
    ws.write("northwind.yaml", example("northwind").replace("quantity: 2", "quantity: 3"))
    stale = ws.path / "stale.json"
    assert ws.cli("plan", str(ws.manifests), "--endpoint", url, "--out", str(stale), "--now", NOW).exit_code == 0
    ws.write("northwind.yaml", example("northwind").replace("quantity: 2", "quantity: 5"))
    assert ws.cli("apply", "--auto-approve", "--path", str(ws.manifests), "--endpoint", url).exit_code == 0
    assert ws.cli("apply", str(stale), "--endpoint", url).exit_code == 1
    # a tampered plan, a bad manifest, a missing token value, an endpoint carrying the canary
    stale.write_text(stale.read_text().replace('"quantity": 3', '"quantity": 4'))
    assert ws.cli("apply", str(stale), "--endpoint", url).exit_code == 1
    ws.write("bad.yaml", f"apiVersion: reconciler/v1\nkind: Customer\nmetadata: {{name: x}}\nspec: {{nam: y}}\n")
    assert ws.cli("plan", str(ws.manifests), "--endpoint", url).exit_code == 1
    assert ws.cli("plan", str(ws.manifests), "--endpoint", f"http://u:{CANARY_IN_URL}@example.com").exit_code == 1
    assert ws.cli("plan", str(ws.manifests), "--endpoint", f"https://u:{CANARY}@[::1").exit_code == 1

    assert_no_canary(all_output(ws), "command output")


def _echoing_app(status: int) -> Starlette:
    """A hostile API that answers every request with ``status`` and echoes the Authorization header back."""
    async def echo(request: Request) -> JSONResponse:
        header = request.headers.get("authorization", "")
        return JSONResponse({"message": f"rejected credentials {header}", "error": header}, status_code=status)

    return Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])])


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_server_that_echoes_the_token_in_its_error_does_not_make_it_leak(workspace: Workspace, status: int):
    workspace.write("northwind.yaml", example("northwind"))
    server = BackgroundServer(SimpleNamespace(app=_echoing_app(status))).start()
    try:
        for args in (("plan", str(workspace.manifests), "--endpoint", server.url),
                     ("drift", str(workspace.manifests), "--endpoint", server.url),
                     ("apply", "--auto-approve", "--path", str(workspace.manifests), "--endpoint", server.url)):
            result = workspace.cli(*args)
            assert result.exit_code == 1
            assert str(status) in result.stderr or "rejected credentials" in result.stderr, result.stderr
    finally:
        server.stop()
    assert_no_canary(all_output(workspace), "command output")


def test_plan_files_record_the_target_without_credentials(workspace: Workspace, own_served: Served):
    workspace.write("northwind.yaml", example("northwind"))
    plan = workspace.path / "plan.json"
    port_url = own_served.url.replace("http://", f"http://user:{CANARY_IN_URL}@")
    assert workspace.cli("plan", str(workspace.manifests), "--endpoint", port_url, "--out", str(plan)).exit_code == 0
    assert json.loads(plan.read_text())["target"] == own_served.url
