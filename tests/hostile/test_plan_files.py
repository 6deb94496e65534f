"""Saved plan files through ``reconciler apply``: a corrupted, tampered or foreign plan is refused before any write.

A good plan is made against the served emulator (or an embedded database A); each test then damages it, or
applies it to another endpoint (embedded database B), and checks the refusal message, exit code 1, and that
the target's write counter (or every table of database B) is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hostile_kit import Workspace, dump_db, example

NOW = "2025-10-01T00:00:00Z"


def make_plan(ws: Workspace, endpoint: str) -> Path:
    ws.write("northwind.yaml", example("northwind"))
    out = ws.path / "plan.json"
    result = ws.cli("plan", str(ws.manifests), "--endpoint", endpoint, "--out", str(out), "--now", NOW)
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text())["operations"], "the plan must have writes to refuse"
    return out


def flip_body_value(text: str) -> str:
    doc = json.loads(text)
    doc["operations"][0]["request"]["body"]["name"] = "Northwind Traders (edited)"
    return json.dumps(doc, indent=2)


def add_operation(text: str) -> str:
    doc = json.loads(text)
    doc["operations"].append(dict(doc["operations"][0], id="op-999"))
    return json.dumps(doc, indent=2)


def retarget(text: str) -> str:
    doc = json.loads(text)
    doc["target"] = "https://api.metronome.com"
    return json.dumps(doc, indent=2)


def change_path(text: str) -> str:
    doc = json.loads(text)
    doc["operations"][0]["request"]["path"] = "/v1/customers/archive"
    return json.dumps(doc, indent=2)


TAMPERING = {
    "one_byte_flipped": (lambda t: t.replace('"POST"', '"PUST"', 1), "fails its checksum"),
    "request_body_edited": (flip_body_value, "fails its checksum"),
    "operation_appended": (add_operation, "fails its checksum"),
    "request_path_edited": (change_path, "fails its checksum"),
    "target_edited": (retarget, "fails its checksum"),
    "checksum_removed": (lambda t: json.dumps({k: v for k, v in json.loads(t).items() if k != "checksum"}),
                         "has no valid checksum"),
    "truncated": (lambda t: t[: len(t) // 2], "not a JSON plan file"),
    "empty": (lambda t: "", "not a JSON plan file"),
    "binary_garbage": (lambda t: "\x00\xff" * 100, "not a JSON plan file"),
    "json_array": (lambda t: "[]", "expected a JSON object"),
    "future_format_version": (lambda t: json.dumps(dict(json.loads(t), format_version=99)), "format_version 99"),
    "format_version_true": (lambda t: json.dumps(dict(json.loads(t), format_version=True)), "format_version true"),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampered_plan_is_refused_by_apply_without_any_write(workspace: Workspace, name: str):
    served = workspace.served
    plan = make_plan(workspace, served.url)
    damage, message = TAMPERING[name]
    plan.write_text(damage(plan.read_text(encoding="utf-8")), encoding="utf-8", errors="surrogateescape")
    served.reset_stats()

    result = workspace.cli("apply", str(plan), "--endpoint", served.url)

    assert result.exit_code == 1
    assert message in result.stderr, result.stderr
    assert str(plan) in result.stderr or "plan text" in result.stderr
    stats = served.stats()
    assert stats["writes"] == 0 and stats["total"] == 0, stats["by_route"]  # refused before any request


def test_missing_plan_file_is_a_clear_error(workspace: Workspace):
    result = workspace.cli("apply", str(workspace.path / "nope.json"), "--endpoint", workspace.served.url)
    assert result.exit_code != 0
    assert "nope.json" in result.stderr
    assert workspace.served.stats()["writes"] == 0


def test_plan_for_embedded_db_a_is_refused_on_embedded_db_b(workspace: Workspace):
    endpoint_a, db_a = workspace.embedded_endpoint()
    plan = make_plan(workspace, endpoint_a)
    endpoint_b = f"emulator:{workspace.path / 'other' / 'emulator.db'}"
    db_b = workspace.path / "other" / "emulator.db"
    db_b.parent.mkdir()
    db_b.write_bytes(db_a.read_bytes())
    before_a, before_b = dump_db(db_a), dump_db(db_b)

    result = workspace.cli("apply", str(plan), env={"RECONCILER_ENDPOINT": endpoint_b})

    assert result.exit_code == 1
    assert "was made for embedded emulator" in result.stderr and str(db_a) in result.stderr
    assert f"not for embedded emulator ({db_b})" in result.stderr
    assert "hint:" in result.stderr
    assert dump_db(db_a) == before_a and dump_db(db_b) == before_b


def test_plan_for_the_served_emulator_is_refused_on_an_embedded_db(workspace: Workspace):
    plan = make_plan(workspace, workspace.served.url)
    endpoint, db = workspace.embedded_endpoint()
    before = dump_db(db)

    result = workspace.cli("apply", str(plan), "--endpoint", endpoint)

    assert result.exit_code == 1
    assert f"was made for {workspace.served.url}" in result.stderr
    assert dump_db(db) == before
    assert workspace.served.stats()["writes"] == 0


def test_plan_for_an_embedded_db_is_refused_on_the_served_emulator(workspace: Workspace):
    endpoint, _ = workspace.embedded_endpoint()
    plan = make_plan(workspace, endpoint)
    workspace.served.reset_stats()

    result = workspace.cli("apply", str(plan), "--endpoint", workspace.served.url)

    assert result.exit_code == 1
    assert f"not for {workspace.served.url}" in result.stderr
    assert workspace.served.stats()["writes"] == 0


def test_show_refuses_what_apply_refuses(workspace: Workspace):
    plan = make_plan(workspace, workspace.served.url)
    plan.write_text(flip_body_value(plan.read_text()))
    result = workspace.cli("show", str(plan))
    assert result.exit_code == 1 and "fails its checksum" in result.stderr
