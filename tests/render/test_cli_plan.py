"""``reconciler plan``, ``show`` and ``drift`` through click's CliRunner, with the pipeline replaced by a fake
(``reconciler.pipeline.make_plan`` is imported inside the commands, so a module in ``sys.modules`` stands in)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import types

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.errors import PlanError
from reconciler.plan.format import dump_plan, load_plan, save_plan
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text


class FakePipeline:
    def __init__(self, plan=None, error=None):
        self.plan, self.error, self.calls, self.shards = plan, error, [], []

    async def make_plan(self, paths, *, endpoint, now, targets, allow_destructive, progress, shard=None,
                        concurrency=None):
        self.calls.append(dict(paths=paths, endpoint=endpoint, now=now, targets=targets,
                               allow_destructive=allow_destructive))
        self.shards.append(shard)
        progress("Reading 2 contracts from Metronome…")
        if self.error:
            raise self.error
        return self.plan


@pytest.fixture
def pipeline(monkeypatch):
    def install(plan=None, error=None) -> FakePipeline:
        fake = FakePipeline(plan, error)
        module = types.ModuleType("reconciler.pipeline")
        module.make_plan = fake.make_plan
        monkeypatch.setitem(sys.modules, "reconciler.pipeline", module)
        return fake

    monkeypatch.delenv("RECONCILER_ENDPOINT", raising=False)
    return install


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


# -- plan -------------------------------------------------------------------------------------------------------

def test_plan_renders_text_on_stdout_and_progress_on_stderr(pipeline, samples):
    plan = samples["seat_edit"]()
    fake = pipeline(plan)
    result = run("plan")
    assert result.exit_code == 0, result.output
    assert result.stdout == render_text(plan)
    assert "Reading 2 contracts" in result.stderr and "Reading" not in result.stdout
    assert fake.calls == [dict(paths=["manifests/"], endpoint=None, now=None, targets=None,
                               allow_destructive=None)]


def test_plan_passes_its_options_to_the_pipeline(pipeline, samples):
    fake = pipeline(samples["no_changes"]())
    result = run("plan", "a.yaml", "dir/", "--now", "2026-12-01T10:00:00+01:00", "--target", "contract.acme/pro",
                 "--target", "customer.acme", "--allow-destructive", "all",
                 env={"RECONCILER_ENDPOINT": "https://api.metronome.com"})
    assert result.exit_code == 0, result.output
    assert fake.calls == [dict(paths=["a.yaml", "dir/"], endpoint="https://api.metronome.com",
                               now=dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc),
                               targets=["contract.acme/pro", "customer.acme"], allow_destructive=["all"])]


def test_endpoint_flag_wins_over_the_environment(pipeline, samples):
    fake = pipeline(samples["no_changes"]())
    run("plan", "--endpoint", "embedded", env={"RECONCILER_ENDPOINT": "https://api.metronome.com"})
    assert fake.calls[0]["endpoint"] == "embedded"


@pytest.mark.parametrize(("sample", "flag", "code"), [
    ("no_changes", True, 0), ("seat_edit", True, 2), ("destructive_end", True, 2),
    ("seat_edit", False, 0), ("drift", False, 0),
])
def test_detailed_exitcode(pipeline, samples, sample, flag, code):
    pipeline(samples[sample]())
    result = run("plan", *(["--detailed-exitcode"] if flag else []))
    assert result.exit_code == code, result.output


def test_detailed_exitcode_is_2_for_drift_without_operations(pipeline, samples):
    pipeline(samples["drift"]().model_copy(update={"operations": []}))
    assert run("plan", "--detailed-exitcode").exit_code == 2


def test_errors_exit_1_even_with_detailed_exitcode(pipeline):
    pipeline(error=PlanError("subscription product cannot change", address="contract.acme/pro"))
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 1
    assert "subscription product cannot change" in result.stderr


@pytest.mark.parametrize("args", [["--now", "2026-12-01T00:00:00"], ["--now", "yesterday"], ["--bogus"],
                                  ["--format", "yaml"]])
def test_bad_command_lines_exit_1_not_2(pipeline, samples, args):
    pipeline(samples["seat_edit"]())
    result = run("plan", "--detailed-exitcode", *args)
    assert result.exit_code == 1, result.output


def test_out_saves_a_loadable_plan_file(pipeline, samples, tmp_path):
    plan = samples["destructive_end"]()
    pipeline(plan)
    out = tmp_path / "plan.json"
    result = run("plan", "--out", str(out), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert load_plan(out) == plan
    assert result.stdout == render_markdown(plan)
    assert f"to {out}" in result.stderr


def test_out_into_a_missing_directory_fails_without_writing(pipeline, samples, tmp_path):
    pipeline(samples["seat_edit"]())
    result = run("plan", "--out", str(tmp_path / "nope" / "plan.json"))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert not (tmp_path / "nope").exists()


def test_json_format_prints_the_plan_file(pipeline, samples):
    plan = samples["create_each_kind"]()
    pipeline(plan)
    result = run("plan", "--format", "json")
    assert result.stdout == dump_plan(plan)
    assert load_plan(result.stdout) == plan


def test_no_colour_when_not_a_tty(pipeline, samples):
    pipeline(samples["destructive_end"]())
    assert "\x1b[" not in run("plan").stdout


# -- show -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_renders_a_saved_plan(samples, tmp_path, fmt):
    plan = samples["drift"]()
    path = save_plan(plan, tmp_path / "plan.json")
    result = run("show", str(path), "--format", fmt)
    assert result.exit_code == 0, result.output
    expected = {"text": render_text, "markdown": render_markdown, "json": dump_plan}[fmt](plan)
    assert result.stdout == expected


def test_show_refuses_a_tampered_plan(samples, tmp_path):
    path = save_plan(samples["seat_edit"](), tmp_path / "plan.json")
    path.write_text(path.read_text().replace("erin@acme.com", "eve@acme.com"))
    result = run("show", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "fails its checksum" in result.stderr and "run reconciler plan again" in result.stderr


def test_show_refuses_another_format_version(samples, tmp_path):
    doc = json.loads(dump_plan(samples["seat_edit"]()))
    doc["format_version"] = 99
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    result = run("show", str(path))
    assert result.exit_code == 1
    assert "format_version 99" in result.stderr and "reads format_version 1" in result.stderr


def test_show_of_a_missing_file_exits_1(tmp_path):
    result = run("show", str(tmp_path / "missing.json"))
    assert result.exit_code == 1
    assert "cannot read plan file" in result.stderr


# -- drift ------------------------------------------------------------------------------------------------------

def test_drift_reports_drift_plans_nothing_and_exits_2(pipeline, samples):
    pipeline(samples["drift"]())
    result = run("drift")
    assert result.exit_code == 2, result.output
    assert "Drift: changed outside the manifests" in result.stdout
    assert "No changes planned. 2 differences made outside the manifests (drift)." in result.stdout
    assert "set quantity" not in result.stdout  # no operations are shown


def test_drift_exits_0_without_drift(pipeline, samples):
    pipeline(samples["seat_edit"]())
    result = run("drift")
    assert result.exit_code == 0, result.output
    assert "No changes. Your contracts match the manifests." in result.stdout


def test_plan_passes_its_shard_to_the_pipeline(pipeline, samples):
    fake = pipeline(samples["no_changes"]())
    result = run("plan", "manifests/", "--shard", "2/4")
    assert result.exit_code == 0, result.output
    assert fake.shards == ["2/4"]
