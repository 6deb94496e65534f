"""Customers and custom field keys: the operations that must happen before any contract is touched.

A customer is found by its identity ingest alias (``metadata.name``) or an ``id:`` pin. A new one is created
with that alias, so a retried create meets 409 and apply can find it. Ingest aliases are only ever added
(``setIngestAliases`` is a full replacement, so we send live ∪ desired); a customer is never archived here.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.live.model import Catalog, LiveCustomer
from reconciler.manifest.desired import Desired
from reconciler.manifest.models import CustomerManifest
from reconciler.plan.fingerprint import customer_fingerprint
from reconciler.plan.model import Change, Request, Risk


@dataclass
class OpSpec:
    """An operation before it gets its plan-wide id; the planner fills the rest."""

    address: str
    kind: str
    action: str
    summary: str
    reason: str
    request: Request
    changes: list[Change]
    risk: Risk = Risk.SAFE
    destructive: bool = False
    allowed: bool = True
    fingerprint: str | None = None
    live_id: str | None = None
    customer_id: str | None = None
    uniqueness_key: str | None = None
    creates: str | None = None


def placeholder(customer_key: str) -> str:
    """Stands for a customer id that only exists once an earlier operation of the plan has run."""
    return "${customer." + customer_key + ".id}"


def customer_ops(manifest: CustomerManifest, live: LiveCustomer | None) -> list[OpSpec]:
    return _create(manifest) if live is None else _update(manifest, live)


def _desired_aliases(manifest: CustomerManifest) -> list[str]:
    """The identity alias is what finds an unpinned customer; a pinned one is found by id and keeps its aliases."""
    identity = [] if manifest.spec.id else [manifest.metadata.name]
    return list(dict.fromkeys([*identity, *manifest.spec.ingest_aliases]))


def _configurations(manifest: CustomerManifest) -> list[dict]:
    return [{"billing_provider": c.billing_provider, "delivery_method": c.delivery_method,
             "configuration": c.configuration} for c in manifest.spec.billing_provider_configurations]


def _create(manifest: CustomerManifest) -> list[OpSpec]:
    spec = manifest.spec
    body = {"name": spec.name, "ingest_aliases": _desired_aliases(manifest)}
    if spec.custom_fields:
        body["custom_fields"] = dict(spec.custom_fields)
    if spec.billing_provider_configurations:
        body["customer_billing_provider_configurations"] = _configurations(manifest)
    return [OpSpec(manifest.address, "customer", "create", f"create customer {spec.name!r}",
                   "no live customer has the ingest alias " + repr(manifest.metadata.name),
                   Request(method="POST", path="/v1/customers", body=body),
                   [Change(path=k, action="create", after=v) for k, v in body.items()],
                   creates=manifest.address, customer_id=placeholder(manifest.metadata.name))]


def _update(manifest: CustomerManifest, live: LiveCustomer) -> list[OpSpec]:
    customer, spec = live.customer, manifest.spec
    cid = customer["id"]
    common = dict(fingerprint=None, live_id=cid, customer_id=cid)
    ops: list[OpSpec] = []
    if spec.name != customer.get("name"):
        ops.append(OpSpec(manifest.address, "customer", "update", f"rename customer to {spec.name!r}",
                          "name differs", Request(method="POST", path=f"/v1/customers/{cid}/setName",
                                                  body={"name": spec.name}),
                          [Change(path="name", action="update", before=customer.get("name"), after=spec.name)],
                          **common))
    have = list(customer.get("ingest_aliases") or [])
    missing = [a for a in _desired_aliases(manifest) if a not in have]
    if missing:
        ops.append(OpSpec(manifest.address, "customer", "update", f"add ingest aliases {', '.join(missing)}",
                          "ingest aliases missing", Request(method="POST", path=f"/v1/customers/{cid}/setIngestAliases",
                                                            body={"ingest_aliases": have + missing}),
                          [Change(path="ingest_aliases", action="update", before=have, after=have + missing)],
                          **common))
    ops += _custom_fields(manifest, customer, common)
    ops += _billing_configurations(manifest, live, common)
    if ops:  # fingerprinting every unchanged customer of a large estate would be wasted work
        fingerprint = customer_fingerprint(live)
        for op in ops:
            op.fingerprint = fingerprint
    return ops


def _custom_fields(manifest: CustomerManifest, customer: dict, common: dict) -> list[OpSpec]:
    have = customer.get("custom_fields") or {}
    diff = {k: v for k, v in (manifest.spec.custom_fields or {}).items() if have.get(k) != v}
    if not diff:
        return []
    body = {"entity": "customer", "entity_id": customer["id"], "custom_fields": diff}
    return [OpSpec(manifest.address, "customer", "update", "set custom fields " + ", ".join(sorted(diff)),
                   "custom field values differ", Request(method="POST", path="/v1/customFields/setValues", body=body),
                   [Change(path=f"custom_fields.{k}", action="update", before=have.get(k), after=v)
                    for k, v in sorted(diff.items())], **common)]


def _billing_configurations(manifest: CustomerManifest, live: LiveCustomer, common: dict) -> list[OpSpec]:
    have = {(c.get("billing_provider"), c.get("delivery_method"))
            for c in live.billing_provider_configurations if not c.get("archived_at")}
    missing = [c for c in _configurations(manifest) if (c["billing_provider"], c["delivery_method"]) not in have]
    if not missing:
        return []
    body = {"data": [{"customer_id": live.customer["id"], **c} for c in missing]}
    return [OpSpec(manifest.address, "customer", "create", "add billing provider configuration "
                   + ", ".join(f"{c['billing_provider']}/{c['delivery_method']}" for c in missing),
                   "billing provider configuration missing",
                   Request(method="POST", path="/v1/setCustomerBillingProviderConfigurations", body=body),
                   [Change(path="billing_provider_configurations", action="create", after=missing)],
                   risk=Risk.BILLING, **common)]


CUSTOM_FIELD_ENTITIES = (("subscriptions", "subscription"), ("commits", "commit"), ("credits", "contract_credit"))


def custom_field_key_ops(desired: Desired, catalog: Catalog, *, record_manifest_sha: bool) -> list[OpSpec]:
    """``customFields/addKey`` for every custom field key a manifest uses that the account has not registered,
    and for the key that records manifest versions on contracts when the plan touches a contract."""
    from reconciler.plan.drift import MANIFEST_SHA_FIELD

    have = {(k.get("entity"), k.get("key")) for k in catalog.custom_field_keys}
    wanted: set[tuple[str, str]] = {("contract", MANIFEST_SHA_FIELD)} if record_manifest_sha else set()
    for customer in desired.customers.values():
        wanted |= {("customer", k) for k in customer.spec.custom_fields or {}}
    for contract in desired.contracts.values():
        wanted |= {("contract", k) for k in contract.spec.custom_fields or {}}
        for section, entity in CUSTOM_FIELD_ENTITIES:
            for item in getattr(contract.spec, section):
                wanted |= {(entity, k) for k in item.custom_fields or {}}
    return [OpSpec(f"custom_field_key.{entity}.{key}", "custom_field_key", "create",
                   f"register custom field key {key!r} for {entity}", "the manifests use a key the account lacks",
                   Request(method="POST", path="/v1/customFields/addKey",
                           body={"entity": entity, "key": key, "enforce_uniqueness": False}),
                   [Change(path="key", action="create", after=key)])
            for entity, key in sorted(wanted - have)]
