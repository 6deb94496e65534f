"""The JSON rendering is the plan file: goldens of the public format, and it loads back."""

from __future__ import annotations

import json

from reconciler.plan.format import dump_plan, load_plan
from reconciler.render import render
from reconciler.render.json import render_json


def test_json_plan_matches_golden(sample, golden):
    name, plan = sample
    golden(f"{name}.plan.json", render_json(plan))


def test_json_rendering_is_the_plan_file_and_loads_back(sample):
    _, plan = sample
    assert render(plan, "json") == dump_plan(plan)
    assert load_plan(render_json(plan)) == plan


def test_compact_rendering_has_the_same_content(sample):
    _, plan = sample
    compact = render_json(plan, pretty=False)
    assert compact.count("\n") == 1
    assert json.loads(compact) == json.loads(render_json(plan))
