"""The example GitHub Actions workflows and the pre-commit hook: valid YAML, the expected structure, and the
token only ever coming from CI secrets, never printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
TOKEN = "METRONOME_BEARER_TOKEN"
FROM_SECRETS = "${{ secrets.METRONOME_BEARER_TOKEN }}"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict):
    # YAML 1.1 reads a bare `on:` key as the boolean True.
    return workflow.get("on", workflow.get(True))


def steps_of(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            yield name, step


def env_blocks(workflow: dict):
    yield workflow.get("env") or {}
    for job in workflow["jobs"].values():
        yield job.get("env") or {}
        for step in job["steps"]:
            yield step.get("env") or {}


def test_the_three_example_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"plan.yml", "apply.yml", "drift.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_structure(path):
    workflow = load(path)
    assert isinstance(workflow, dict) and workflow.get("name")
    assert triggers(workflow), "no `on:` triggers"
    assert isinstance(workflow.get("jobs"), dict) and workflow["jobs"]
    for name, job in workflow["jobs"].items():
        assert job.get("runs-on"), f"job {name} has no runs-on"
        assert isinstance(job.get("steps"), list) and job["steps"], f"job {name} has no steps"
    for name, step in steps_of(workflow):
        assert ("uses" in step) != ("run" in step), f"{name}: each step has exactly one of uses or run: {step}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_token_comes_only_from_secrets_in_env(path):
    workflow = load(path)
    text = path.read_text(encoding="utf-8")
    for env in env_blocks(workflow):
        if TOKEN in env:
            assert env[TOKEN] == FROM_SECRETS
    # Any mention of the secret is that one env assignment: no secrets interpolated into commands or scripts.
    assert text.count("secrets.") == text.count(FROM_SECRETS)
    for _, step in steps_of(workflow):
        assert "secrets." not in str(step.get("run", "")) + str((step.get("with") or {}).get("script", ""))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_prints_the_token(path):
    for _, step in steps_of(load(path)):
        script = str(step.get("run", "")) + str((step.get("with") or {}).get("script", ""))
        assert TOKEN not in script, f"a step's script mentions {TOKEN}: {step.get('name')}"
        assert not re.search(r"\b(set -x|printenv|env\s*$|env\s*\|)", script, re.M), step.get("name")


def test_plan_workflow_posts_one_sticky_comment_and_keeps_the_plan():
    workflow = load(ROOT / ".github" / "workflows" / "plan.yml")
    assert "pull_request" in triggers(workflow)
    steps = [s for _, s in steps_of(workflow)]
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "reconciler plan" in runs and "--out plan.json" in runs
    assert "--format markdown" in runs and "--detailed-exitcode" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    [script] = [s["with"]["script"] for s in steps if str(s.get("uses", "")).startswith("actions/github-script")]
    assert "<!-- reconciler-plan -->" in script and "updateComment" in script and "createComment" in script
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "plan.json"


def test_apply_workflow_replans_on_main_and_never_overlaps():
    workflow = load(ROOT / ".github" / "workflows" / "apply.yml")
    assert "main" in triggers(workflow)["push"]["branches"]
    assert workflow["concurrency"]["cancel-in-progress"] is False and workflow["concurrency"]["group"]
    runs = [str(s.get("run", "")) for _, s in steps_of(workflow)]
    plan_at = next(i for i, r in enumerate(runs) if "reconciler plan" in r and "--out plan.json" in r)
    apply_at = next(i for i, r in enumerate(runs) if "reconciler apply plan.json" in r)
    assert plan_at < apply_at


def test_drift_workflow_runs_nightly_and_files_a_drift_issue():
    workflow = load(ROOT / ".github" / "workflows" / "drift.yml")
    assert triggers(workflow)["schedule"][0]["cron"]
    steps = [s for _, s in steps_of(workflow)]
    assert any("--detailed-exitcode" in str(s.get("run", "")) for s in steps)
    [script] = [s["with"]["script"] for s in steps if str(s.get("uses", "")).startswith("actions/github-script")]
    assert "'drift'" in script and "issues.create" in script and "issues.update" in script


def test_pre_commit_hook():
    hooks = load(ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(hooks, list)
    [hook] = [h for h in hooks if h["id"] == "reconciler-validate"]
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["entry"] == "reconciler validate"
    assert hook["language"] == "python"
    assert re.search(hook["files"], "manifests/acme.yaml") and re.search(hook["files"], "x.yml")
    assert not re.search(hook["files"], "README.md")
    assert isinstance(hook["pass_filenames"], bool)
    if not hook["pass_filenames"]:
        assert hook.get("args"), "without file names the hook must say which tree to validate"
