"""Drift: telling a change made in Metronome apart from a change made in the manifests, without a state file.

Every contract reconciler creates or edits carries a contract custom field, ``reconciler_manifest_sha``: a short
hash of the manifest it was last made to match. At plan time:

* live hash == hash of today's manifest: the manifest has not changed since the last apply, so every difference
  between it and Metronome was made outside the manifests (in the UI, by a script). That is **drift**;
* live hash != today's hash (or no hash yet): the differences come from the manifests; they are ordinary changes.

The hash rides along with operations the plan makes anyway (in ``contracts/create``'s ``custom_fields``, and a
``customFields/setValues`` after a contract's edits), so recording it never adds a change of its own.
"""

from __future__ import annotations

import hashlib

from reconciler.manifest.models import ContractManifest
from reconciler.plan.canon import canonical_json
from reconciler.plan.customers import OpSpec
from reconciler.plan.model import Change, Drift, Request

MANIFEST_SHA_FIELD = "reconciler_manifest_sha"


def manifest_sha(manifest: ContractManifest) -> str:
    """A short hash of what the manifest asks for (its spec; names and labels do not matter)."""
    spec = manifest.spec.model_dump(mode="json", exclude_none=True)
    return hashlib.sha256(canonical_json(spec).encode()).hexdigest()[:20]


def recorded_sha(contract: dict) -> str | None:
    return (contract.get("custom_fields") or {}).get(MANIFEST_SHA_FIELD)


def record_sha_op(address: str, contract: dict, sha: str, fingerprint: str) -> OpSpec:
    """Record the manifest's hash on a live contract, after the plan's other operations on it."""
    body = {"entity": "contract", "entity_id": contract["id"], "custom_fields": {MANIFEST_SHA_FIELD: sha}}
    return OpSpec(address, "contract", "update", "record the manifest version on the contract",
                  "lets the next plan tell drift from manifest changes",
                  Request(method="POST", path="/v1/customFields/setValues", body=body),
                  [Change(path=f"custom_fields.{MANIFEST_SHA_FIELD}", action="update",
                          before=recorded_sha(contract), after=sha)],
                  fingerprint=fingerprint, live_id=contract["id"], customer_id=contract["customer_id"])


def drift_of(address: str, specs: list[OpSpec]) -> list[Drift]:
    """The differences an unchanged manifest's plan undoes: each one was made outside the manifests."""
    return [Drift(address=address, path=change.path, before=change.after, after=change.before,
                  message=f"{change.path} was changed outside the manifests")
            for spec in specs for change in spec.changes]
