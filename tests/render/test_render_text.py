"""The text rendering: goldens for each sample plan, and when colour is used."""

from __future__ import annotations

import io

from reconciler.plan.model import Change, Operation, Request
from reconciler.render.common import NO_CHANGES
from reconciler.render.text import render_text, use_color


def test_text_matches_golden(sample, golden):
    name, plan = sample
    golden(f"{name}.txt", render_text(plan))


def test_target_line_comes_first_then_summary(samples):
    lines = render_text(samples["destructive_end"]()).splitlines()
    assert lines[0] == "Target: https://api.metronome.com"
    assert lines[2] == "Plan: 0 to create, 1 to change, 1 to end."


def test_no_changes_says_so(samples):
    assert NO_CHANGES in render_text(samples["no_changes"]())


def test_destructive_operation_is_flagged(samples):
    text = render_text(samples["destructive_end"]())
    line = next(line for line in text.splitlines() if "end contract acme/legacy" in line)
    assert line.lstrip().startswith("- ") and line.endswith("[DESTRUCTIVE]")


def test_seat_sets_show_added_and_removed_items_not_whole_lists(samples):
    text = render_text(samples["seat_edit"]())
    assert "+ carol@acme.com" in text and "- bob@acme.com" in text
    assert "alice@acme.com" not in text  # unchanged seats are counted, not listed
    assert "(1 unchanged)" in text


def test_rendering_is_deterministic(samples):
    assert render_text(samples["drift"]()) == render_text(samples["drift"]())


def test_plain_output_has_no_escape_codes_and_colour_output_has_them(samples):
    plan = samples["destructive_end"]()
    assert "\x1b[" not in render_text(plan, color=False)
    coloured = render_text(plan, color=True)
    assert "\x1b[31m- contract.acme/legacy" in coloured.replace("\x1b[1m", "")
    assert "\x1b[33m~ set quantity" in coloured


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_tty_without_no_color():
    assert use_color(_Tty(), env={}) is True
    assert use_color(io.StringIO(), env={}) is False
    assert use_color(_Tty(), env={"NO_COLOR": "1"}) is False
    assert use_color(_Tty(), env={}, no_color=True) is False


def test_empty_no_color_does_not_disable_colour():
    # no-color.org: only a NO_COLOR that is present *and non-empty* turns colour off
    assert use_color(_Tty(), env={"NO_COLOR": ""}) is True


def test_list_items_that_are_objects_render_as_json(plan_with):
    op = Operation(id="contract.a/b#1", address="contract.a/b", kind="contract", action="update",
                   summary="swap credits", reason="r", request=Request(method="POST", path="/v2/contracts/edit"),
                   changes=[Change(path="credits", action="update", before=[{"k": 1}], after=[{"k": 2}])])
    text = render_text(plan_with(operations=[op]))
    assert '+ {"k": 2}' in text and '- {"k": 1}' in text


def test_destructive_operation_without_allow_is_called_out(plan_with):
    op = Operation(id="contract.a/b#1", address="contract.a/b", kind="contract", action="end",
                   summary="end contract a/b", reason="r", destructive=True, allowed=False,
                   request=Request(method="POST", path="/v2/contracts/edit"))
    text = render_text(plan_with(operations=[op]))
    assert "- end contract a/b  [DESTRUCTIVE, NOT ALLOWED]" in text
    assert "1 destructive operation not allowed, so apply will refuse this plan" in text
