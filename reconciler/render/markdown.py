"""The pull-request comment: summary and risks on top, then drift, per-address diffs, warnings, unmanaged.

GitHub refuses comments over 65,536 characters, and a plan can touch thousands of contracts, so the comment is
built against a budget (:data:`BUDGET`). Sections are filled in priority order, each taking the richest form
that fits while leaving room for the smallest form of every section after it:

1. the header (summary line, target, plan id) and the list naming every changed address
   (code spans, then a compact comma-separated list per action and kind, then "… and N more");
2. risks: destructive, then billing-affecting operations (when cut, to half of what is left, with
   "… and N more");
3. drift, then warnings (truncated likewise);
4. per-address diffs: full ``<details>`` blocks, then blocks with long lists capped, then blocks without
   field-level lines, then a compact table, then a truncated table;
5. unmanaged addresses.

The sections are then laid out in reading order. The output is a pure function of the plan.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from reconciler.plan.format import plan_id
from reconciler.plan.model import Operation, Plan, Risk
from reconciler.render.common import (
    ADDRESS_SYMBOLS, DRIFT_TITLE, DiffLine, address_action, blocked, blocked_line, change_count, change_lines,
    clip, format_value, group_by_address, op_symbol, plural, summary_line,
)

LIMIT = 65_000
"""Hard ceiling promised to callers (GitHub's own limit is 65,536)."""
BUDGET = 64_000
"""What the renderer aims for, leaving room for a CI wrapper's own lines."""
ARTIFACT = "see the JSON plan artifact"
LIST_ITEMS_CAPPED = 20
TEXT_CLIP = 300
"""Longest summary, message or value in a list line or table cell."""
SUMMARY_CLIP = 1_000
"""Longest operation summary inside a diff block."""

Groups = list[tuple[str, list[Operation]]]
"""Operations per address, in execution order (:func:`~reconciler.render.common.group_by_address`)."""
Builder = Callable[[int], str]
"""A section renderer: the richest form of the section in at most ``budget`` characters."""


def render_markdown(plan: Plan, *, budget: int = BUDGET) -> str:
    groups = group_by_address(plan)
    sections = {  # priority order: earlier sections are filled first
        "header": (lambda b: _header(plan), ""),
        "names": (lambda b: _names(groups, b), _names_minimal(groups)),
        "risks": (lambda b: _risks(plan, b), _risks_minimal(plan)),
        "drift": (lambda b: _drift(plan, b), _count_line(DRIFT_TITLE, len(plan.drift), "difference")),
        "warnings": (lambda b: _warnings(plan, b), _count_line("Warnings", len(plan.warnings), "warning")),
        "details": (lambda b: _details(groups, b), _details_minimal(groups)),
        "unmanaged": (lambda b: _unmanaged(plan, b), _count_line("Not managed", len(plan.unmanaged), "address")),
    }
    parts = _allocate(sections, budget, separator="\n\n")
    order = ("header", "names", "risks", "drift", "details", "warnings", "unmanaged")
    return "\n\n".join(parts[name] for name in order if parts[name]) + "\n"


def _allocate(pieces: dict[str, tuple[Builder, str]], budget: int, *, separator: str) -> dict[str, str]:
    """Fill pieces in order; each gets what is left minus the smallest forms of the pieces after it."""
    out: dict[str, str] = {}
    names = list(pieces)
    for index, name in enumerate(names):
        reserve = sum(len(pieces[later][1]) + len(separator) for later in names[index + 1:])
        text = pieces[name][0](budget - reserve)
        if len(text) > budget - reserve:
            text = pieces[name][1]
        out[name] = text
        budget -= len(text) + len(separator) if text else 0
    return out


# -- header and names -------------------------------------------------------------------------------------------

def _header(plan: Plan) -> str:
    lines = ["## reconciler plan", "", f"**{summary_line(plan)}**", "",
             f"Target: {_code(clip(plan.target, TEXT_CLIP))} · plan {_code(plan_id(plan)[:12])} · "
             f"now {_code(plan.now.isoformat().replace('+00:00', 'Z'))}"]
    if blocked(plan):
        lines += ["", f"> **Apply will refuse this plan:** {_md(blocked_line(blocked(plan)))}"]
    return "\n".join(lines)


_NAME_GROUPS = (("create", "Create"), ("change", "Change"), ("end", "End"))
CODE_STYLE_SHARE = 0.5
"""Name addresses in code spans only while that takes at most this share of the budget; beyond it the compact
form leaves room for the risks."""


def _name_groups(groups: Groups) -> list[tuple[str, list[str]]]:
    by_action: dict[str, list[str]] = {action: [] for action, _ in _NAME_GROUPS}
    for address, ops in groups:
        by_action[address_action(ops)].append(address)
    return [(label, by_action[action]) for action, label in _NAME_GROUPS if by_action[action]]


def _names(groups: Groups, budget: int) -> str:
    named = _name_groups(groups)
    text = "\n".join(f"- **{label}** ({len(addresses):,}): " + ", ".join(_code(a) for a in addresses)
                     for label, addresses in named)
    if len(text) <= budget * CODE_STYLE_SHARE:
        return text
    compact = [(f"{label} {kind}", names) for label, addresses in named for kind, names in _by_kind(addresses)]
    text = "\n".join(f"- **{label}** ({len(names):,}): " + ", ".join(_md(n) for n in names) for label, names in compact)
    if len(text) <= budget:
        return text
    # Too many to name them all: the last groups (ends) get their share first.
    pieces = {label: (_truncated_names(label, names), _name_count(label, len(names)))
              for label, names in reversed(compact)}
    parts = _allocate(pieces, budget, separator="\n")
    return "\n".join(parts[label] for label, _ in compact)


def _by_kind(addresses: list[str]) -> list[tuple[str, list[str]]]:
    """``contract.acme/pro`` -> (``contract``, ``acme/pro``): the kind is said once per line."""
    kinds: dict[str, list[str]] = {}
    for address in addresses:
        kind, _, name = address.partition(".")
        kinds.setdefault(kind, []).append(name or kind)
    return list(kinds.items())


def _truncated_names(label: str, names: list[str]) -> Builder:
    head = f"- **{label}** ({len(names):,}): "

    def build(budget: int) -> str:
        text, taken = _fit([_md(n) for n in names], budget - len(head), separator=", ")
        return head + text if taken else _name_count(label, len(names))

    return build


def _name_count(label: str, count: int) -> str:
    return f"- **{label}** ({count:,}): {ARTIFACT}."


def _names_minimal(groups: Groups) -> str:
    return "\n".join(_name_count(label, len(addresses)) for label, addresses in _name_groups(groups))


# -- risks, drift, warnings, unmanaged --------------------------------------------------------------------------

def _risky(plan: Plan) -> list[Operation]:
    ranked = sorted(enumerate(plan.operations), key=lambda item: (-item[1].risk, item[1].allowed, item[0]))
    return [op for _, op in ranked if op.risk > Risk.SAFE or op.destructive]


def _risks(plan: Plan, budget: int) -> str:
    if not plan.operations:
        return ""
    ops = _risky(plan)
    if not ops:
        return "### Risks\n\nNo destructive or billing-affecting operations."
    items = [f"- **{_risk_label(op)}** {_code(op.address)}: {_md(clip(op.summary, TEXT_CLIP))}" for op in ops]
    full = _section("### Risks", items, None)
    # When the list must be cut anyway, it leaves half of what is left to the diffs below it.
    return full if len(full) <= budget else _section("### Risks", items, budget // 2)


def _risk_label(op: Operation) -> str:
    label = Risk.DESTRUCTIVE.name if op.destructive else op.risk.name
    return f"{label}, NOT ALLOWED" if not op.allowed else label


def _risks_minimal(plan: Plan) -> str:
    if not plan.operations:
        return ""
    ops = _risky(plan)
    destructive = sum(op.risk == Risk.DESTRUCTIVE or op.destructive for op in ops)
    return (f"### Risks\n\n{plural(destructive, 'destructive operation')}, "
            f"{plural(len(ops) - destructive, 'billing-affecting operation')}; {ARTIFACT}.")


def _drift(plan: Plan, budget: int) -> str:
    items = [f"- {_code(d.address)} {_code(d.path)}: {_code(clip(format_value(d.before), TEXT_CLIP))} → "
             f"{_code(clip(format_value(d.after), TEXT_CLIP))} — {_md(clip(d.message, TEXT_CLIP))}"
             for d in plan.drift]
    return _section(f"### {DRIFT_TITLE}", items, budget) if items else ""


def _warnings(plan: Plan, budget: int) -> str:
    items = [f"- {_code(w.address)}: {_md(clip(w.message, TEXT_CLIP))}" for w in plan.warnings]
    return _section("### Warnings", items, budget) if items else ""


def _unmanaged(plan: Plan, budget: int) -> str:
    if not plan.unmanaged:
        return ""
    head = "### Not managed\n\nIn Metronome but in no manifest; the plan leaves them alone: "
    return head + _fit([_code(a) for a in plan.unmanaged], budget - len(head), separator=", ")[0]


def _section(title: str, items: list[str], budget: int | None) -> str:
    head = f"{title}\n\n"
    if budget is None:
        return head + "\n".join(items)
    return head + _fit(items, budget - len(head), separator="\n", more="- … and {n:,} more; " + ARTIFACT)[0]


def _count_line(title: str, count: int, noun: str) -> str:
    return f"### {title}\n\n{plural(count, noun)}; {ARTIFACT}." if count else ""


# -- per-address details ----------------------------------------------------------------------------------------

def _details(groups: Groups, budget: int) -> str:
    if not groups:
        return ""
    variants: list[Callable[[], str | None]] = [
        lambda: _blocks(groups, budget, fields=True, max_items=None),
        lambda: _blocks(groups, budget, fields=True, max_items=LIST_ITEMS_CAPPED),
        lambda: _blocks(groups, budget, fields=False, max_items=None),
        lambda: _table(groups, budget, truncate=False),
        lambda: _table(groups, budget, truncate=True),
    ]
    for variant in variants:
        text = variant()
        if text is not None:
            return text
    return _details_minimal(groups)


def _details_minimal(groups: Groups) -> str:
    if not groups:
        return ""
    return f"### Changes\n\n{plural(len(groups), 'address')} changed; {ARTIFACT} for the operations."


def _blocks(groups: Groups, budget: int, *, fields: bool,
            max_items: int | None) -> str | None:
    """All blocks, or ``None`` as soon as they would not fit (large plans stop early)."""
    parts = ["### Changes"]
    used = len(parts[0])
    for address, ops in groups:
        parts.append(_block(address, ops, fields=fields, max_items=max_items))
        used += len(parts[-1]) + 2
        if used > budget:
            return None
    return "\n\n".join(parts)


def _block(address: str, ops: list[Operation], *, fields: bool, max_items: int | None) -> str:
    lines: list[str] = []
    for op in ops:
        lines.append(f"{op_symbol(op)} {clip(op.summary, SUMMARY_CLIP)}{_op_tag(op)}")
        if fields:
            lines += [_diff_line(line) for change in op.changes for line in change_lines(change, max_items=max_items)]
    body = "\n".join(lines)
    fence = _fence(body)
    title = f"{ADDRESS_SYMBOLS[address_action(ops)]} {address} — {plural(change_count(ops), 'change')}"
    return (f"<details><summary>{html.escape(title)}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n"
            f"</details>")


def _op_tag(op: Operation) -> str:
    if op.destructive:
        return "  [DESTRUCTIVE]" if op.allowed else "  [DESTRUCTIVE, NOT ALLOWED]"
    return "  [billing]" if op.risk == Risk.BILLING else ""


def _diff_line(line: DiffLine) -> str:
    return f"{line.symbol}{'   ' * (1 + line.depth)}{line.text}"


def _table(groups: Groups, budget: int, *, truncate: bool) -> str | None:
    """One row per address; without ``truncate``, ``None`` unless every row fits."""
    head = "### Changes\n\n| | Address | Operations |\n|---|---|---|\n"
    rows: list[str] = []
    used = len(head)
    for address, ops in groups:
        rows.append(_row(address, ops))
        used += len(rows[-1]) + 1
        if used > budget and not truncate:
            return None
    if not truncate:
        return head + "\n".join(rows)
    text, taken = _fit(rows, budget - len(head), separator="\n", more="\n… and {n:,} more; " + ARTIFACT)
    return head + text if taken else None


def _row(address: str, ops: list[Operation]) -> str:
    summaries = "; ".join(op.summary + _op_tag(op) for op in ops)
    return f"| {ADDRESS_SYMBOLS[address_action(ops)]} | {_code(address)} | {_md(clip(summaries, TEXT_CLIP))} |"


# -- text helpers -----------------------------------------------------------------------------------------------

def _fit(items: Sequence[str], budget: int, *, separator: str,
         more: str = "… and {n:,} more; " + ARTIFACT) -> tuple[str, int]:
    """As many leading items as fit in ``budget``, then ``more`` naming how many were left out; and how many
    items were taken."""
    taken: list[str] = []
    used = 0
    for index, item in enumerate(items):
        left_after = len(items) - index - 1
        tail = len(separator) + len(more.format(n=left_after)) if left_after else 0
        cost = len(item) + (len(separator) if taken else 0)
        if used + cost + tail > budget:
            return separator.join([*taken, more.format(n=len(items) - index)]), len(taken)
        taken.append(item)
        used += cost
    return separator.join(taken), len(taken)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")


def _md(text: str) -> str:
    """Plain text with Markdown's active characters escaped (and no line breaks)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    text = " ".join(text.split())
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(body: str) -> str:
    return "`" * max(3, max((len(run) + 1 for run in re.findall(r"`+", body)), default=0))
