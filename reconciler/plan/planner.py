"""The planner: a pure function ``(desired, live, now) -> Plan``. It imports no HTTP code and writes nothing.

The recipe: resolve catalog names; register missing custom field keys; per customer (sorted), plan the customer
and then each of its contracts; collect every error of the run and raise them together; order the operations;
number them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reconciler.errors import PlanError
from reconciler.live.model import Live, LiveContract, LiveCustomer
from reconciler.manifest.desired import Desired
from reconciler.manifest.models import ContractManifest
from reconciler.plan.canon import ts
from reconciler.plan.compare import ContractContext
from reconciler.plan.contracts import create_op, edit_ops
from reconciler.plan.customers import OpSpec, custom_field_key_ops, customer_ops, placeholder
from reconciler.plan.identity import contract_uniqueness_key, is_managed_key
from reconciler.plan.drift import drift_of, recorded_sha
from reconciler.plan.model import Drift, Operation, Plan, Warning_
from reconciler.plan.resolve import Resolver

#: Operations run account-wide set-up first (custom field keys), then customer by customer: the customer's own
#: operations before its contracts, contracts by address, each contract's operations as planned.
KIND_ORDER = {"custom_field_key": 0, "customer": 1, "contract": 2}


def _order(kind: str, customer: str, address: str) -> tuple:
    return (kind != "custom_field_key", customer, KIND_ORDER[kind], address)


def default_effective_at(now: dt.datetime) -> dt.datetime:
    """Seat and quantity changes take effect at the start of the hour the plan is made in, unless a manifest
    says otherwise (``changes_effective_at``)."""
    return now.astimezone(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)


@dataclass
class PlanOptions:
    target: str = "embedded emulator"
    allow_destructive: frozenset[str] = frozenset()
    """Addresses (or ``all``) whose destructive operations are allowed from the command line."""
    targets: frozenset[str] = frozenset()
    """Restrict the plan to these addresses (and the customers they need); empty means everything."""


@dataclass
class _Run:
    desired: Desired
    live: Live
    now: dt.datetime
    options: PlanOptions
    resolver: Resolver
    specs: list[tuple[tuple, OpSpec]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    effective_at: dt.datetime = field(init=False)
    """The plan's default effective time (:func:`default_effective_at`), and ``since``, its canonical text."""
    since: str = field(init=False)

    def __post_init__(self) -> None:
        self.effective_at = default_effective_at(self.now)
        self.since = ts(self.effective_at)


def plan(desired: Desired, live: Live, now: dt.datetime, options: PlanOptions | None = None) -> Plan:
    run = _Run(desired, live, now, options or PlanOptions(), Resolver(live.catalog))
    for customer_key in sorted(_customer_keys(desired)):
        _plan_customer(run, customer_key)
    touches_contracts = any(spec.kind == "contract" for _, spec in run.specs)
    for spec in custom_field_key_ops(desired, live.catalog, record_manifest_sha=touches_contracts):
        run.specs.append((_order(spec.kind, "", spec.address), spec))
    run.resolver.raise_if_problems()
    if run.errors:
        raise PlanError(f"{len(run.errors)} change(s) cannot be planned:\n  " + "\n  ".join(run.errors),
                        hint="each line names the field and the way out")
    return _assemble(run)


def _customer_keys(desired: Desired) -> set[str]:
    return set(desired.customers) | {c.customer_ref for c in desired.contracts.values()}


def _selected(run: _Run, address: str) -> bool:
    return not run.options.targets or address in run.options.targets


def _plan_customer(run: _Run, key: str) -> None:
    manifest = run.desired.customers.get(key)
    live = run.live.customers.get(key)
    contracts = sorted(run.desired.contracts_of(key), key=lambda c: c.address)
    wanted = [c for c in contracts if _selected(run, c.address)] if run.options.targets else contracts
    if manifest and manifest.spec.id and live is None:
        run.errors.append(f"{manifest.address}: pinned customer id {manifest.spec.id} does not exist in Metronome "
                          "(or is archived); remove the id: pin to create a new customer")
        return
    if manifest and (wanted or _selected(run, manifest.address)):
        for spec in customer_ops(manifest, live):
            run.specs.append((_order("customer", key, spec.address), spec))
    if manifest is None and live is None and wanted:
        run.errors.append(f"{wanted[0].address}: customer_id {key} does not exist in Metronome (or is archived)")
        return
    customer_id = live.customer["id"] if live else placeholder(key)
    matched: set[str] = set()
    for contract in wanted:
        live_contract = _find_contract(run, contract, key, live)
        if live_contract:
            matched.add(live_contract.contract["id"])
        for spec in _contract_ops(run, contract, key, customer_id, live_contract):
            run.specs.append((_order("contract", key, contract.address), spec))
    _report_unmanaged(run, key, live, {c.metadata.name for c in contracts}, matched)


def _find_contract(run: _Run, manifest: ContractManifest, key: str, live: LiveCustomer | None) -> LiveContract | None:
    if live is None:
        if manifest.spec.id:
            run.errors.append(f"{manifest.address}: pinned contract id {manifest.spec.id} cannot exist: "
                              "its customer does not exist yet")
        return None
    wanted_key = contract_uniqueness_key(key, manifest.metadata.name)
    for contract in live.contracts:
        if manifest.spec.id and contract.contract.get("id") == manifest.spec.id:
            return contract
        if not manifest.spec.id and contract.contract.get("uniqueness_key") == wanted_key:
            return contract
    if manifest.spec.id:
        run.errors.append(f"{manifest.address}: pinned contract id {manifest.spec.id} is not a live contract of "
                          f"customer {key}")
    return None


def _contract_ops(run: _Run, manifest: ContractManifest, key: str, customer_id: str,
                  live: LiveContract | None) -> list[OpSpec]:
    address = manifest.address
    ctx = ContractContext(
        address=address, manifest=manifest, resolver=run.resolver, now=run.now,
        default_effective_at=run.effective_at, live=live,
        allow_destructive=manifest.spec.allow_destructive or bool(
            {"all", address} & run.options.allow_destructive))
    specs = edit_ops(ctx, run.since) if live else [create_op(ctx, key, customer_id)]
    run.errors.extend(ctx.errors)
    run.warnings.extend(Warning_(address=manifest.address, message=w) for w in ctx.warnings)
    if live and specs and recorded_sha(live.contract) == ctx.manifest_sha:
        run.drift.extend(drift_of(manifest.address, specs))
    for spec in specs:
        spec.allowed = not spec.destructive or ctx.allow_destructive
    return specs


def _report_unmanaged(run: _Run, key: str, live: LiveCustomer | None, names: set[str], matched: set[str]) -> None:
    if live is None:
        return
    for contract in live.contracts:
        data = contract.contract
        if data.get("id") in matched or not is_managed_key(data.get("uniqueness_key")):
            continue
        name = data["uniqueness_key"].rsplit("/", 1)[-1]
        if name in names:
            continue
        address = f"contract.{key}/{name}"
        run.unmanaged.append(address)
        run.warnings.append(Warning_(address=address, message="no manifest manages this contract any more; it is "
                                     "left as it is (nothing is ended or archived)"))


def _assemble(run: _Run) -> Plan:
    order = sorted(range(len(run.specs)), key=lambda i: (run.specs[i][0], i))
    operations, counters = [], {}
    for spec in (run.specs[i][1] for i in order):
        n = counters[spec.address] = counters.get(spec.address, 0) + 1
        operations.append(_operation(spec, f"{spec.address}#{n}"))
    managed = sorted({*(c.address for c in run.desired.customers.values()),
                      *(c.address for c in run.desired.contracts.values())})
    return Plan(created_at=dt.datetime.now(dt.timezone.utc), now=run.now, target=run.options.target,
                operations=operations, drift=run.drift, warnings=run.warnings, unmanaged=sorted(run.unmanaged), managed=managed)


def _operation(spec: OpSpec, op_id: str) -> Operation:
    return Operation(id=op_id, address=spec.address, kind=spec.kind, action=spec.action, summary=spec.summary,
                     reason=spec.reason, destructive=spec.destructive, allowed=spec.allowed, risk=spec.risk,
                     fingerprint=spec.fingerprint, live_id=spec.live_id, customer_id=spec.customer_id,
                     uniqueness_key=spec.uniqueness_key, request=spec.request, changes=spec.changes,
                     creates=spec.creates)
