"""Turn a :class:`~reconciler.plan.model.Plan` into what people and CI read: text, Markdown or JSON.

Renderers are pure functions of the plan (no I/O, no clock), so the same plan always renders the same bytes.
They are the second consumer of the operation list; apply is the first.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.plan.model import Plan

FORMATS = ("text", "markdown", "json")


def render(plan: Plan, fmt: str, *, color: bool = False) -> str:
    """Render ``plan`` as ``fmt`` (one of :data:`FORMATS`); ``color`` only affects text."""
    renderer = _renderers().get(fmt)
    if renderer is None:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderer(plan, color)


def _renderers() -> dict[str, Callable[[Plan, bool], str]]:
    from reconciler.render import json as json_render, markdown, text

    return {
        "text": lambda plan, color: text.render_text(plan, color=color),
        "markdown": lambda plan, color: markdown.render_markdown(plan),
        "json": lambda plan, color: json_render.render_json(plan),
    }
