"""The saved plan file: schema, round trip, and everything load_plan must refuse."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.errors import PlanFileError
from reconciler.plan import format as plan_format
from reconciler.plan.format import (
    canonical_json,
    check_target,
    dump_plan,
    load_plan,
    load_plan_with_id,
    plan_id,
    save_plan,
)
from reconciler.plan.model import FORMAT_VERSION

TARGET = "https://api.metronome.com"

TOP_LEVEL = ["format_version", "plan_id", "created_at", "now", "target", "operations", "drift", "warnings",
             "unmanaged", "managed", "checksum"]
OP_KEYS = ["id", "address", "kind", "action", "summary", "reason", "destructive", "allowed", "risk", "fingerprint", "live_id",
           "customer_id", "uniqueness_key", "request", "changes", "creates"]


def _doc(plan) -> dict:
    return json.loads(dump_plan(plan))


def _redump(doc: dict, *, fix_checksum: bool) -> str:
    if fix_checksum:
        doc["checksum"] = plan_format.checksum(doc)
    return json.dumps(doc)


def _refusal(text: str) -> PlanFileError:
    with pytest.raises(PlanFileError) as info:
        load_plan(text)
    assert info.value.hint == "run reconciler plan again"
    return info.value


# -- schema -----------------------------------------------------------------------------------------------------

def test_top_level_and_operation_keys_in_schema_order(plan):
    doc = _doc(plan)
    assert list(doc) == TOP_LEVEL
    assert doc["format_version"] == FORMAT_VERSION
    assert all(list(op) == OP_KEYS for op in doc["operations"])


def test_operations_keep_execution_order_and_exact_requests(plan):
    doc = _doc(plan)
    assert [op["id"] for op in doc["operations"]] == [op.id for op in plan.operations]
    assert doc["operations"][1]["request"] == plan.operations[1].request.model_dump(mode="json")


def test_risk_is_written_by_name(plan):
    assert [op["risk"] for op in _doc(plan)["operations"]] == ["SAFE", "BILLING", "DESTRUCTIVE"]


def test_checksum_is_sha256_of_canonical_json_without_it(plan):
    doc = _doc(plan)
    recorded = doc.pop("checksum")
    import hashlib
    expected = hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    assert recorded == f"sha256:{expected}"


def test_plan_id_is_deterministic_and_ignores_created_at(build_plan):
    a = build_plan(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    b = build_plan(created_at=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
    assert plan_id(a) == plan_id(b) == _doc(a)["plan_id"]
    assert len(plan_id(a)) == 64
    assert plan_id(build_plan(quantity=6)) != plan_id(a)
    assert plan_id(build_plan(target="https://other.example")) != plan_id(a)


def test_dump_is_deterministic(plan, build_plan):
    assert dump_plan(plan) == dump_plan(build_plan())


# -- round trip -------------------------------------------------------------------------------------------------

def test_round_trip(plan):
    loaded = load_plan(dump_plan(plan))
    assert loaded == plan
    assert dump_plan(loaded) == dump_plan(plan)


def test_compact_and_reindented_files_load_the_same(plan):
    assert load_plan(dump_plan(plan, indent=None)) == plan
    assert load_plan(json.dumps(_doc(plan), indent=7, ensure_ascii=True)) == plan


def test_load_from_path_and_str_path(plan, tmp_path):
    path = save_plan(plan, tmp_path / "plan.json")
    assert load_plan(path) == plan
    assert load_plan(str(path)) == plan


def test_loading_with_the_id_gives_the_id_it_checked(plan, tmp_path):
    path = save_plan(plan, tmp_path / "plan.json")
    loaded, checked_id = load_plan_with_id(path)
    assert loaded == plan and checked_id == plan_id(plan) == json.loads(path.read_text())["plan_id"]


# -- refusals ---------------------------------------------------------------------------------------------------

def test_one_byte_edit_of_a_request_body_is_refused(plan):
    text = dump_plan(plan)
    tampered = text.replace('"quantity": 5', '"quantity": 6', 1)
    assert tampered != text
    assert "checksum" in _refusal(tampered).message


def test_missing_checksum_is_refused(plan):
    doc = _doc(plan)
    del doc["checksum"]
    assert "no valid checksum" in _refusal(json.dumps(doc)).message


@pytest.mark.parametrize("version", [2, 0, "1", None, True])
def test_unknown_format_version_is_refused_naming_supported_versions(plan, version):
    doc = _doc(plan)
    doc["format_version"] = version
    err = _refusal(_redump(doc, fix_checksum=True))
    assert f"reads format_version {FORMAT_VERSION}" in err.message


def test_missing_format_version_is_refused(plan):
    doc = _doc(plan)
    del doc["format_version"]
    assert "no format_version" in _refusal(_redump(doc, fix_checksum=True)).message


@pytest.mark.parametrize("cut", [0, 1, 100, -2])
def test_truncated_file_is_refused(plan, cut):
    text = dump_plan(plan).rstrip("\n")
    assert "not a JSON plan file" in _refusal(text[:cut]).message


def test_json_that_is_not_an_object_is_refused():
    assert "expected a JSON object" in _refusal("[1, 2]").message


def test_content_that_fails_validation_is_refused_even_with_a_good_checksum(plan):
    doc = _doc(plan)
    doc["operations"][0]["action"] = "delete"
    err = _refusal(_redump(doc, fix_checksum=True))
    assert "not a valid plan" in err.message and "operations.0.action" in err.message


def test_unknown_risk_name_is_refused(plan):
    doc = _doc(plan)
    doc["operations"][2]["risk"] = "HARMLESS"
    assert "unknown risk 'HARMLESS'" in _refusal(_redump(doc, fix_checksum=True)).message


def test_unknown_key_is_refused(plan):
    doc = _doc(plan)
    doc["operations"][0]["retries"] = 3
    assert "not a valid plan" in _refusal(_redump(doc, fix_checksum=True)).message


def test_plan_id_that_does_not_match_the_content_is_refused(plan):
    doc = _doc(plan)
    doc["plan_id"] = "0" * 64
    assert "plan_id" in _refusal(_redump(doc, fix_checksum=True)).message


def test_unreadable_file_is_refused(tmp_path):
    with pytest.raises(PlanFileError, match="cannot read plan file"):
        load_plan(tmp_path / "missing.json")


# -- target -----------------------------------------------------------------------------------------------------

def test_check_target_accepts_the_same_endpoint(plan):
    check_target(plan, TARGET)


def test_check_target_refuses_another_endpoint(plan):
    with pytest.raises(PlanFileError) as info:
        check_target(plan, "embedded emulator (.reconciler/emulator.db)")
    assert f"made for {TARGET}" in info.value.message
    assert "embedded emulator" in info.value.message
    assert plan_id(plan)[:12] in info.value.message


# -- secrets ----------------------------------------------------------------------------------------------------

def test_no_bearer_token_reaches_the_file_or_renderings(monkeypatch, build_plan):
    from reconciler.metronome.endpoint import resolve_endpoint, resolve_token
    from reconciler.render import render

    canary = "canary-token-7f3a9c1e5b"
    monkeypatch.setenv("METRONOME_BEARER_TOKEN", canary)
    endpoint = resolve_endpoint(f"https://user:{canary}@api.metronome.com/?token={canary}#{canary}")
    assert resolve_token(endpoint).reveal() == canary  # the token is really in play
    plan = build_plan(target=endpoint.display)
    outputs = [dump_plan(plan), dump_plan(plan, indent=None)]
    outputs += [render(plan, fmt) for fmt in ("text", "markdown", "json")]
    for output in outputs:
        assert canary not in output


# -- atomic write -----------------------------------------------------------------------------------------------

def test_save_replaces_atomically_and_leaves_no_partial_file_on_failure(plan, tmp_path, monkeypatch):
    path = tmp_path / "plan.json"
    path.write_text("previous plan", encoding="utf-8")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plan_format.os, "replace", fail)
    with pytest.raises(PlanFileError, match="cannot write plan file .*No space left"):
        save_plan(plan, path)
    assert path.read_text(encoding="utf-8") == "previous plan"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_save_writes_the_dumped_text(plan, tmp_path):
    path = save_plan(plan, tmp_path / "plan.json")
    assert path.read_text(encoding="utf-8") == dump_plan(plan)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


# -- purity -----------------------------------------------------------------------------------------------------

def test_plan_format_and_renderers_import_no_http_library():
    code = (
        "import sys\n"
        "import reconciler.plan.model, reconciler.plan.format\n"
        "import reconciler.render, reconciler.render.common, reconciler.render.text\n"
        "import reconciler.render.markdown, reconciler.render.json\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'httpx', 'httpcore', 'h11', 'requests', 'urllib3', 'aiohttp', 'anyio'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2], env={**os.environ, "PYTHONPATH": ""})
    assert out.stdout.strip() == ""


def test_canonical_json_is_compact_and_sorted():
    assert canonical_json({"b": 1, "a": [1, {"d": "é", "c": None}]}) == '{"a":[1,{"c":null,"d":"é"}],"b":1}'
