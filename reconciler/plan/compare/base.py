"""What comparators share: the per-contract context they read, and the edit parts they produce.

A comparator owns one kind of list item (its normalization, identity and ignore rules). It contributes request
entries to ``contracts/create`` for a new contract, and :class:`EditPart` records for an existing one; the
planner merges a contract's parts into as few ``/v2/contracts/edit`` calls as the API allows.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar

from reconciler.live.model import LiveContract
from reconciler.manifest.models import ContractManifest
from deepdiff import DeepDiff

from reconciler.plan.canon import fingerprint, parse_ts, ts
from reconciler.plan.drift import manifest_sha
from reconciler.plan.model import Action, Change, Risk
from reconciler.plan.resolve import Resolver


@dataclass
class EditPart:
    """One piece of an edit: an entry for a list section (``add_overrides``), or a value for a scalar section
    (``update_contract_name``), with the changes it makes for people to read."""

    section: str
    entry: Any
    changes: list[Change]
    summary: str
    action: Action = "update"
    risk: Risk = Risk.BILLING
    destructive: bool = False
    seat_batches: list[dict] = field(default_factory=list)
    """For ``update_subscriptions`` entries with seat changes: ``seat_updates`` objects of ≤500 seats each."""


@dataclass
class SideRequest:
    """A change the edit endpoint cannot carry (custom field values): its own call, after the edit."""

    path: str
    body: dict
    changes: list[Change]
    summary: str


@dataclass
class ContractContext:
    """Everything a comparator may read about one contract. Comparators write only ``errors``, ``links``
    and ``side_requests``."""

    address: str
    manifest: ContractManifest
    resolver: Resolver
    now: dt.datetime
    default_effective_at: dt.datetime
    live: LiveContract | None
    allow_destructive: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Things the plan leaves as they are and a reviewer should know about."""
    links: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per section, manifest key -> live id (or the key itself, sent as ``temporary_id``, for new items)."""
    side_requests: list[SideRequest] = field(default_factory=list)

    @property
    def spec(self):
        return self.manifest.spec

    @property
    def contract(self) -> dict:
        return self.live.contract if self.live else {}

    @functools.cached_property
    def manifest_sha(self) -> str:
        """The manifest's hash (:mod:`..drift`): the edit that records it and the drift check both need it."""
        return manifest_sha(self.manifest)

    def where(self, section: str, key: str | None = None) -> str:
        return f"{self.address}: {section}[{key}]" if key else f"{self.address}: {section}"

    def effective_at(self, requested: dt.datetime | None, not_before: str | None = None) -> str:
        """When a seat or quantity change takes effect: the manifest's time, else the plan's default, and never
        before the item starts."""
        at = ts(requested or self.default_effective_at)
        return max(at, not_before) if not_before else at

    def running(self, raw: dict) -> bool:
        """A live item that has not ended by the plan's default effective time (so ending it is a change)."""
        end = raw.get("ending_before")
        return not end or parse_ts(end) > self.default_effective_at

    def immutable(self, section: str, key: str, name: str, before: Any, after: Any, way_out: str) -> None:
        self.errors.append(f"{self.where(section, key)}.{name} cannot change after creation "
                           f"({before!r} -> {after!r}); {way_out}")


class Comparator:
    """Base of the per-kind comparators. Subclasses set ``section`` (manifest list and create-body key)."""

    section: ClassVar[str]

    def create_entries(self, ctx: ContractContext) -> list[dict]:
        raise NotImplementedError

    def compare(self, ctx: ContractContext) -> list[EditPart]:
        raise NotImplementedError


def per_object(fn):
    """``fn`` computed once per live object within one comparison (matching asks for it many times)."""
    cache: dict[int, tuple[Any, Any]] = {}

    def call(raw):
        hit = cache.get(id(raw))
        if hit is None:
            hit = cache[id(raw)] = (raw, fn(raw))  # holding ``raw`` keeps its id unique meanwhile
        return hit[1]
    return call


def change(path: str, before: Any, after: Any, action: Action = "update") -> Change:
    return Change(path=path, action=action, before=before, after=after)


def differing(before: dict, after: dict) -> list[str]:
    """The keys whose values differ, sorted (and quickly none when the two are equal, the common case)."""
    if before == after:
        return []
    return [k for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)]


def diff_changes(prefix: str, before: Any, after: Any) -> list[Change]:
    """Field-level changes between two canonical values: a fingerprint check first, then deepdiff for the
    paths. Lists are shown whole (their items have no keys here), dicts key by key."""
    if fingerprint(before) == fingerprint(after):
        return []
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return [change(prefix, before, after)]
    paths: list[tuple] = []
    for items in DeepDiff(before, after, view="tree", ignore_numeric_type_changes=True).values():
        for item in items:
            path = tuple(_until_list(item.path(output_format="list")))
            if path not in paths:
                paths.append(path)
    return [change(".".join([prefix, *map(str, p)]), _get(before, p), _get(after, p)) for p in sorted(paths)]


def _until_list(path: list) -> list:
    out = []
    for part in path:
        if isinstance(part, int):
            break
        out.append(part)
    return out


def _get(value: Any, path: tuple) -> Any:
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value
