"""What a plan is made of: operations (one API call each), field-level changes, drift, and the plan itself.

Operations are frozen records. Each knows its address, its action, whether it is destructive, its risk, the
fingerprint of the live object it was planned against, and the exact request apply will send. Rendering and
execution are two consumers of the same ordered list.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1

Action = Literal["create", "update", "replace", "end", "archive"]
"""``create``: a new object. ``update``: an in-place change. ``replace``: remove + add (overrides).
``end``: an end date that stops something live. ``archive``: irreversible removal."""


class Risk(IntEnum):
    """How careful a reviewer must be, in increasing order. Order is data: renderers sort by it."""

    SAFE = 0
    """Adds something new, or renames."""
    BILLING = 1
    """Changes what a customer is billed or granted (quantities, seats, credits, rates)."""
    DESTRUCTIVE = 2
    """Ends, removes or archives something live; needs an explicit allow."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Request(Frozen):
    """One HTTP call, exactly as apply sends it. ``${customer.<name>.id}`` placeholders in the body are
    filled at apply time from the result of the earlier operation that creates that customer."""

    method: Literal["GET", "POST"]
    path: str
    body: dict[str, Any] | None = None


class Change(Frozen):
    """One field-level difference, for people: ``subscriptions[pro].quantity: 2 -> 5``."""

    path: str
    """Field path, list items named by manifest key, never by index."""
    action: Action
    before: Any = None
    after: Any = None


class Operation(Frozen):
    """One API call the plan will make, and why."""

    id: str
    """Stable within the plan: ``<address>#<n>``."""
    address: str
    """``customer.<name>`` or ``contract.<customer>/<name>``."""
    kind: Literal["customer", "contract", "custom_field_key"]
    action: Action
    summary: str
    """One line a reviewer reads: "add seats carol@acme.com, dan@acme.com from 2026-12-01"."""
    reason: str
    """Why this operation exists (which manifest difference it resolves)."""
    destructive: bool = False
    allowed: bool = True
    """False for a destructive operation without an explicit allow (manifest ``allow_destructive`` or
    ``--allow-destructive``): it is shown in the plan, and apply refuses the whole plan before any write."""
    risk: Risk = Risk.SAFE
    fingerprint: str | None = None
    """sha256 of the canonical live object this was planned against; ``None`` when it must not exist yet."""
    live_id: str | None = None
    """Id of the live object this operation acts on, if it exists (contract id, customer id)."""
    customer_id: str | None = None
    """Live customer id, or a ``${customer.<name>.id}`` placeholder for a customer created earlier in the plan."""
    uniqueness_key: str | None = None
    """The body's ``uniqueness_key`` (creates and edits), used by apply to recognise its own earlier write."""
    request: Request
    changes: list[Change] = Field(default_factory=list)
    creates: str | None = None
    """For customer creates: the placeholder name this operation's result fills (``customer.<name>``)."""


class Drift(Frozen):
    """A difference that came from outside the manifests (a change made in Metronome itself)."""

    address: str
    path: str
    before: Any = None
    """What the manifests (and our last apply) say."""
    after: Any = None
    """What Metronome now says."""
    message: str


class Warning_(Frozen):
    address: str
    message: str


class Plan(Frozen):
    """The in-memory plan. :mod:`reconciler.plan.format` turns it into the versioned file apply consumes."""

    format_version: int = FORMAT_VERSION
    created_at: dt.datetime
    now: dt.datetime
    """The single ``now`` the plan was made at; default effective times derive from it."""
    target: str
    """The endpoint display string (never contains credentials)."""
    operations: list[Operation] = Field(default_factory=list)
    drift: list[Drift] = Field(default_factory=list)
    warnings: list[Warning_] = Field(default_factory=list)
    unmanaged: list[str] = Field(default_factory=list)
    """Addresses that exist live but that no manifest manages any more: left alone, reported."""
    managed: list[str] = Field(default_factory=list)
    """Every address the manifests manage (created, changed or unchanged)."""

    @property
    def has_changes(self) -> bool:
        return bool(self.operations)

    def counts(self) -> dict[str, int]:
        """Per-object counts for the summary line: objects to create, change, end."""
        created, changed, ended = set(), set(), set()
        for op in self.operations:
            if op.action == "create":
                created.add(op.address)
            elif op.destructive:
                ended.add(op.address)
            else:
                changed.add(op.address)
        changed -= created
        return {"create": len(created), "change": len(changed - ended), "end": len(ended)}
