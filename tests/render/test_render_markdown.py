"""The PR comment: goldens, what sits on top, and the 65,000-character ceiling for any plan."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from reconciler.plan.model import Change, Drift, Operation, Plan, Request, Risk, Warning_
from reconciler.render.markdown import LIMIT, render_markdown

UTC = dt.timezone.utc


def test_markdown_matches_golden(sample, golden):
    name, plan = sample
    golden(f"{name}.md", render_markdown(plan))


def _contract_edit(i: int, *, seats: int = 3, customer: str = "customer-{i:04d}") -> Operation:
    address = f"contract.{customer.format(i=i)}/pro"
    added = [f"user{j}@example.com" for j in range(seats)]
    return Operation(
        id=f"{address}#1", address=address, kind="contract", action="update", risk=Risk.BILLING, reason="seats",
        summary=f"add seats {', '.join(added)} from 2026-12-01",
        request=Request(method="POST", path="/v2/contracts/edit", body={"contract_id": f"c-{i}"}),
        changes=[Change(path="subscriptions[pro].seats", action="update", before=["owner@example.com"],
                        after=["owner@example.com", *added]),
                 Change(path="subscriptions[pro].quantity", action="update", before=1, after=1 + seats)],
    )


def _plan(ops=(), **fields) -> Plan:
    at = dt.datetime(2026, 12, 1, tzinfo=UTC)
    return Plan(created_at=at, now=at, target="https://api.metronome.com", operations=list(ops), **fields)


def _summary_part(markdown: str) -> str:
    return markdown.split("### Risks")[0]


def test_2000_changed_contracts_fit_and_every_one_is_named_in_the_summary():
    plan = _plan(_contract_edit(i) for i in range(2000))
    markdown = render_markdown(plan)
    assert len(markdown) < 65_000
    summary = _summary_part(markdown)
    names = set(re.findall(r"customer-\d{4}/pro", summary))
    assert names == {f"customer-{i:04d}/pro" for i in range(2000)}
    assert "Plan: 0 to create, 2000 to change, 0 to end." in summary
    assert "see the JSON plan artifact" in markdown  # the rest is collapsed, and says so


def test_small_plans_get_full_details_blocks(samples):
    markdown = render_markdown(samples["seat_edit"]())
    assert "<details><summary>~ contract.acme/pro — 3 changes</summary>" in markdown
    assert "```diff\n~ add seats" in markdown
    assert "+      carol@acme.com" in markdown and "-      bob@acme.com" in markdown


def test_risks_come_first_destructive_before_billing(samples):
    markdown = render_markdown(samples["destructive_end"]())
    risks = markdown.split("### Risks")[1].split("###")[0]
    assert risks.index("**DESTRUCTIVE** `contract.acme/legacy`") < risks.index("**BILLING** `contract.acme/pro`")
    assert markdown.index("### Risks") < markdown.index("### Changes")


def test_drift_has_its_own_section(samples):
    markdown = render_markdown(samples["drift"]())
    drift = markdown.split("### Drift: changed outside the manifests")[1].split("###")[0]
    assert "`subscriptions[api].quantity`: `10` → `12`" in drift


def test_a_huge_seat_list_keeps_blocks_but_caps_the_list():
    markdown = render_markdown(_plan([_contract_edit(0, seats=20_000)]))
    assert len(markdown) < LIMIT
    assert "<details>" in markdown
    assert "… and 19,980 more" in markdown


def test_hundreds_of_contracts_collapse_to_a_table_that_says_what_is_left_out():
    markdown = render_markdown(_plan(_contract_edit(i, seats=40) for i in range(400)))
    assert len(markdown) < LIMIT
    assert "<details>" not in markdown
    assert "| | Address | Operations |" in markdown
    assert re.search(r"… and [\d,]+ more; see the JSON plan artifact", markdown)


HUGE = "x" * 200_000
EDIT = _contract_edit(0)
ADVERSARIAL = {
    "20k contracts": lambda: _plan(_contract_edit(i) for i in range(20_000)),
    "long names": lambda: _plan(_contract_edit(i, customer="a-very-long-customer-name-{i:05d}-" + "y" * 60)
                                for i in range(3000)),
    "huge summary": lambda: _plan([EDIT.model_copy(update={"summary": HUGE})]),
    "huge address": lambda: _plan([EDIT.model_copy(update={"address": "contract." + HUGE})]),
    "huge target": lambda: _plan([EDIT]).model_copy(update={"target": HUGE}),
    "huge values": lambda: _plan([EDIT.model_copy(update={"changes": [
        Change(path="name", action="update", before=HUGE, after=HUGE + "!")]})]),
    "everything else": lambda: _plan(
            [EDIT],
            drift=[Drift(address=f"contract.c/{i}", path="quantity", before=1, after=2, message="m" * 50)
                   for i in range(5000)],
            warnings=[Warning_(address=f"contract.c/{i}", message="w" * 80) for i in range(5000)],
            unmanaged=[f"contract.unmanaged/{i}" for i in range(10_000)],
        ),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_any_plan_stays_under_the_limit(name):
    plan = ADVERSARIAL[name]()
    markdown = render_markdown(plan)
    assert len(markdown) < LIMIT
    assert f"**{'Plan: 0 to create, ' if plan.operations else ''}" in markdown
    assert "## reconciler plan" in markdown


def test_markdown_is_deterministic(samples):
    assert render_markdown(samples["drift"]()) == render_markdown(samples["drift"]())


def test_backticks_and_html_in_user_text_cannot_break_out(plan_with):
    op = _contract_edit(0).model_copy(update={"summary": "rename to ```</details><script>` ok"})
    markdown = render_markdown(plan_with(operations=[op]))
    block = markdown.split("<details>")[1]
    fence = re.search(r"\n(`{3,})diff\n", block).group(1)
    assert len(fence) > 3 and block.count(fence) == 2  # the summary's ``` cannot close the diff block
    outside_code = markdown.replace(block.split(fence)[1], "")
    assert not re.search(r"(?<!\\)<script>", outside_code)  # escaped in the risks list
    assert "\\<script>" in outside_code


def test_not_allowed_destructive_operation_is_called_out(plan_with):
    op = Operation(id="contract.a/b#1", address="contract.a/b", kind="contract", action="end", summary="end a/b",
                   reason="r", destructive=True, allowed=False, risk=Risk.DESTRUCTIVE,
                   request=Request(method="POST", path="/v2/contracts/edit"))
    markdown = render_markdown(plan_with(operations=[op]))
    assert "**Apply will refuse this plan:**" in markdown
    assert "**DESTRUCTIVE, NOT ALLOWED** `contract.a/b`" in markdown
