"""The terminal rendering: Terraform-like, one block per address, field-level ``before -> after`` lines.

Layout: the target, the summary line, drift, one block per address (in execution order), warnings, unmanaged
addresses. Colour (green create, yellow change, red end) is decoration only: with ``color=False`` the output is
plain and byte-for-byte deterministic. :func:`use_color` decides for a stream (TTY, ``NO_COLOR``, ``--no-color``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO

import click

from reconciler.plan.model import Drift, Operation, Plan, Risk
from reconciler.render.common import (
    ADDRESS_SYMBOLS, DRIFT_TITLE, DiffLine, Symbol, address_action, blocked, blocked_line, change_lines, format_value,
    group_by_address, op_symbol, summary_line,
)

COLORS: dict[Symbol, str | None] = {"+": "green", "~": "yellow", "-": "red", " ": None}
RISK_TAGS: dict[Risk, str] = {Risk.SAFE: "", Risk.BILLING: "[billing]", Risk.DESTRUCTIVE: "[DESTRUCTIVE]"}
NOT_ALLOWED_TAG = "[DESTRUCTIVE, NOT ALLOWED]"
INDENT = "    "


def render_text(plan: Plan, *, color: bool = False) -> str:
    paint = _Painter(color)
    sections = [
        [f"Target: {plan.target}"],
        [paint.bold(summary_line(plan))],
        _blocked_section(plan, paint),
        _drift_section(plan.drift, paint),
        *(_address_block(address, ops, paint) for address, ops in group_by_address(plan)),
        _warnings_section(plan, paint),
        _unmanaged_section(plan),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def use_color(stream: IO[str], *, no_color: bool = False, env: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, unless ``--no-color`` or a non-empty ``NO_COLOR`` (no-color.org) says no."""
    env = os.environ if env is None else env
    if no_color or env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _address_block(address: str, ops: list[Operation], paint: _Painter) -> list[str]:
    symbol = ADDRESS_SYMBOLS[address_action(ops)]
    lines = [paint.symbol(symbol, f"{symbol} {address}", bold=True)]
    for op in ops:
        lines.append(INDENT + _op_line(op, paint))
        lines.extend(_diff_line(line, paint) for change in op.changes for line in change_lines(change))
    return lines


def _op_line(op: Operation, paint: _Painter) -> str:
    symbol = op_symbol(op)
    line = paint.symbol(symbol, f"{symbol} {op.summary}")
    tag = RISK_TAGS[op.risk] if op.allowed else NOT_ALLOWED_TAG
    if not tag:
        return line
    return f"{line}  {paint.style(tag, fg='red', bold=True) if op.risk == Risk.DESTRUCTIVE else tag}"


def _blocked_section(plan: Plan, paint: _Painter) -> list[str]:
    ops = blocked(plan)
    if not ops:
        return []
    return [paint.style(blocked_line(ops), fg="red", bold=True), *(f"  - {op.address}: {op.summary}" for op in ops)]


def _diff_line(line: DiffLine, paint: _Painter) -> str:
    indent = INDENT * (2 + line.depth)
    return indent + paint.symbol(line.symbol, f"{line.symbol} {line.text}")


def _drift_section(drift: list[Drift], paint: _Painter) -> list[str]:
    if not drift:
        return []
    lines = [paint.bold(DRIFT_TITLE)]
    for item in drift:
        lines.append(paint.symbol("~", f"  ~ {item.address} {item.path}: "
                                       f"{format_value(item.before)} -> {format_value(item.after)}"))
        lines.append(f"{INDENT}  {item.message}")
    return lines


def _warnings_section(plan: Plan, paint: _Painter) -> list[str]:
    if not plan.warnings:
        return []
    return [paint.bold("Warnings:"), *(f"  ! {w.address}: {w.message}" for w in plan.warnings)]


def _unmanaged_section(plan: Plan) -> list[str]:
    if not plan.unmanaged:
        return []
    return ["Unmanaged (in Metronome, in no manifest; left alone):", *(f"  {a}" for a in plan.unmanaged)]


class _Painter:
    """click.style when colour is on, the identity otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def style(self, text: str, **styles: object) -> str:
        styles = {key: value for key, value in styles.items() if value is not None}
        return click.style(text, **styles) if self.enabled and styles else text

    def symbol(self, symbol: Symbol, text: str, *, bold: bool = False) -> str:
        return self.style(text, fg=COLORS[symbol], bold=bold or None)

    def bold(self, text: str) -> str:
        return self.style(text, bold=True)
