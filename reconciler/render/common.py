"""What every renderer agrees on: grouping per address, symbols, the summary line, and field-level diff lines.

A :class:`DiffLine` is one ``+``/``-``/``~`` line of a change, already expanded (a seat set becomes one line per
added or removed seat), so text and Markdown show the same diff and differ only in decoration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.plan.model import Change, Operation, Plan

Symbol = Literal["+", "~", "-", " "]
"""``+`` added, ``~`` changed, ``-`` removed or ended, blank for context ("3 unchanged")."""
AddressAction = Literal["create", "change", "end"]

SYMBOLS: dict[str, Symbol] = {"create": "+", "update": "~", "replace": "~", "end": "-", "archive": "-"}
"""Operation or change action -> diff symbol."""
ADDRESS_SYMBOLS: dict[AddressAction, Symbol] = {"create": "+", "change": "~", "end": "-"}

NO_CHANGES = "No changes. Your contracts match the manifests."
DRIFT_TITLE = "Drift: changed outside the manifests"


@dataclass(frozen=True)
class DiffLine:
    symbol: Symbol
    text: str
    depth: int = 0
    """0 for a field line, 1 for an item of a list value under it."""


def group_by_address(plan: Plan) -> list[tuple[str, list[Operation]]]:
    """Operations per address, addresses in the order their first operation executes."""
    groups: dict[str, list[Operation]] = {}
    for op in plan.operations:
        groups.setdefault(op.address, []).append(op)
    return list(groups.items())


def address_action(ops: list[Operation]) -> AddressAction:
    """The same classification :meth:`Plan.counts` uses: any create wins, then any destructive op."""
    if any(op.action == "create" for op in ops):
        return "create"
    return "end" if any(op.destructive for op in ops) else "change"


def op_symbol(op: Operation) -> Symbol:
    return "-" if op.destructive else SYMBOLS[op.action]


def summary_line(plan: Plan) -> str:
    if plan.operations:
        counts = plan.counts()
        return f"Plan: {counts['create']} to create, {counts['change']} to change, {counts['end']} to end."
    if plan.drift:
        return f"No changes planned. {plural(len(plan.drift), 'difference')} made outside the manifests (drift)."
    return NO_CHANGES


def blocked(plan: Plan) -> list[Operation]:
    """Destructive operations without an explicit allow: apply refuses the whole plan while any is left."""
    return [op for op in plan.operations if op.destructive and not op.allowed]


def blocked_line(ops: list[Operation]) -> str:
    return (f"{plural(len(ops), 'destructive operation')} not allowed, so apply will refuse this plan: "
            f"allow each with --allow-destructive ADDRESS or allow_destructive in its manifest.")


def change_count(ops: list[Operation]) -> int:
    """Lines a reviewer reads for an address: each field change, or the operation itself when it lists none."""
    return sum(max(1, len(op.changes)) for op in ops)


def change_lines(change: Change, *, max_items: int | None = None) -> list[DiffLine]:
    """``path: before -> after``, or for list values one line per added and removed item."""
    symbol = SYMBOLS[change.action]
    if _is_list_change(change):
        return [DiffLine(symbol, f"{change.path}:"), *_list_item_lines(change, max_items)]
    if change.action == "create" and change.before is None:
        return [DiffLine(symbol, f"{change.path}: {format_value(change.after)}")]
    return [DiffLine(symbol, f"{change.path}: {format_value(change.before)} -> {format_value(change.after)}")]


def format_value(value: Any) -> str:
    """Strings quoted, ``null`` for nothing, containers as compact JSON with sorted keys."""
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), ensure_ascii=False, default=str)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count:,} {noun}" + ("es" if noun.endswith("s") else "s")


def _is_list_change(change: Change) -> bool:
    values = (change.before, change.after)
    return any(isinstance(v, list) for v in values) and all(v is None or isinstance(v, list) for v in values)


def _list_item_lines(change: Change, max_items: int | None) -> list[DiffLine]:
    before, after = change.before or [], change.after or []
    before_keys = {format_value(item) for item in before}
    after_keys = {format_value(item) for item in after}
    added = [DiffLine("+", format_item(item), 1) for item in after if format_value(item) not in before_keys]
    removed = [DiffLine("-", format_item(item), 1) for item in before if format_value(item) not in after_keys]
    lines = added + removed
    if max_items is not None and len(lines) > max_items:
        lines = lines[:max_items] + [DiffLine(" ", f"… and {len(lines) - max_items:,} more", 1)]
    unchanged = len(after) - len(added)
    if unchanged > 0:
        lines.append(DiffLine(" ", f"({unchanged:,} unchanged)", 1))
    return lines


def format_item(item: Any) -> str:
    """A list item: bare when it is a plain string (a seat id), JSON otherwise."""
    return item if isinstance(item, str) else format_value(item)
