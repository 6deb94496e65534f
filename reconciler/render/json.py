"""The JSON rendering: exactly the saved plan file (:func:`reconciler.plan.format.dump_plan`).

``--format json`` on stdout and ``--out FILE`` carry the same content, checksum included, so a rendering
captured from a CI log loads with :func:`~reconciler.plan.format.load_plan` like the saved file does.
"""

from __future__ import annotations

from reconciler.plan.format import dump_plan
from reconciler.plan.model import Plan


def render_json(plan: Plan, *, pretty: bool = True) -> str:
    """Indented for people when ``pretty``, one compact line otherwise."""
    return dump_plan(plan, indent=2 if pretty else None)
