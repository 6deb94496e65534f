"""Live state: the records the read phase fills (:mod:`reconciler.live.model`, pure) and the read itself.

``read_live`` is imported lazily, so importing ``reconciler.live.model`` (as the pure planner does) never pulls
in the HTTP client.
"""

from __future__ import annotations

from typing import Any

__all__ = ["read_live"]


def __getattr__(name: str) -> Any:
    if name == "read_live":
        from reconciler.live.read import read_live

        return read_live
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
